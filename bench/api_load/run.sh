#!/usr/bin/env bash
# Load test of the workflows API against a real PostgreSQL: GET of a 50-task workflow, the list, and updates.
# Starts its own PostgreSQL cluster and API (Release build) on free loopback ports, then stops both.
# Needs: wrk (apt-get install wrk), curl, Debian's python3. Usage: bench/api_load/run.sh [seconds per scenario]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-20}"
source bench/lib/api_stack.sh

token=$(curl -sf "$base/auth/signup" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"benchmark password"}' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
document=$(/usr/bin/python3 bench/api_load/workflow.py 50)
id=$(curl -sf "$base/workflows" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$document" \
  | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for i in $(seq 1 99); do
  curl -sf "$base/workflows" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$(/usr/bin/python3 bench/api_load/workflow.py 5 "Workflow $i")" >/dev/null
done
printf '%s' "$document" > "$work/document.json"

# Warm-up, not reported: the first seconds measure the JIT compiling hot paths, not the steady state.
wrk -t1 -c8 -d5s -H "Authorization: Bearer $token" "$base/workflows/$id" >/dev/null
wrk -t1 -c8 -d5s -H "Authorization: Bearer $token" "$base/workflows?pageSize=20" >/dev/null
echo "== GET /workflows/{id} (50 tasks) at about 1,000 requests/s (15 connections, 9 ms pause), ${duration}s"
PACE_MS=9 wrk -t1 -c15 -d"${duration}s" --latency -s bench/api_load/paced.lua -H "Authorization: Bearer $token" "$base/workflows/$id"
echo "== GET /workflows/{id} (50 tasks), 1 thread, 8 connections, ${duration}s"
wrk -t1 -c8 -d"${duration}s" --latency -H "Authorization: Bearer $token" "$base/workflows/$id"
echo "== GET /workflows/{id} (50 tasks), 2 threads, 32 connections, ${duration}s"
wrk -t2 -c32 -d"${duration}s" --latency -H "Authorization: Bearer $token" "$base/workflows/$id"
echo "== GET /workflows?pageSize=20 (100 workflows), 2 threads, 32 connections, ${duration}s"
wrk -t2 -c32 -d"${duration}s" --latency -H "Authorization: Bearer $token" "$base/workflows?pageSize=20"
echo "== PUT /workflows/{id} with If-Match, one client editing in a loop, ${duration}s"
TOKEN="$token" DOC="$work/document.json" wrk -t1 -c1 -d"${duration}s" --latency -s bench/api_load/update.lua "$base/workflows/$id"
