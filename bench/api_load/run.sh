#!/usr/bin/env bash
# Load test of the workflows API against a real PostgreSQL: GET of a 50-task workflow, the list, and updates.
# Starts its own PostgreSQL cluster and API (Release build) on free loopback ports, then stops both.
# Needs: wrk (apt-get install wrk), curl, Debian's python3. Usage: bench/api_load/run.sh [seconds per scenario]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-20}"
work=$(mktemp -d /tmp/wfc-bench-XXXX)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_port=$(free_port); api_port=$(free_port)
[ "$(id -u)" = 0 ] && chown postgres "$work"
api_pid=""
cleanup() {
  [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null || true
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

as_pg "$pg_bin/initdb" -D "$work/pg" -U bench --auth=trust -E UTF8 --no-locale >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null

dotnet build backend/WorkflowControl.Api -c Release -v q -nologo >/dev/null
mkdir -p "$work/dags"; [ "$(id -u)" = 0 ] && chown -R postgres "$work"
ConnectionStrings__WorkflowControl="Host=127.0.0.1;Port=$pg_port;Database=workflowcontrol;Username=bench;Maximum Pool Size=100" \
Auth__SigningKey="benchmark-signing-key-0123456789-0123456789" Dags__Root="$work/dags" Logging__LogLevel__Default=Warning \
  dotnet backend/WorkflowControl.Api/bin/Release/net10.0/WorkflowControl.Api.dll --urls "http://127.0.0.1:$api_port" >"$work/api.log" 2>&1 &
api_pid=$!
base="http://127.0.0.1:$api_port"
for _ in $(seq 1 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.3; done

token=$(curl -sf "$base/auth/signup" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"benchmark password"}' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
document=$(/usr/bin/python3 bench/api_load/workflow.py 50)
id=$(curl -sf "$base/workflows" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$document" \
  | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for i in $(seq 1 99); do
  curl -sf "$base/workflows" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$(/usr/bin/python3 bench/api_load/workflow.py 5 "Workflow $i")" >/dev/null
done
printf '%s' "$document" > "$work/document.json"

echo "== GET /workflows/{id} (50 tasks), 1 thread, 8 connections, ${duration}s"
wrk -t1 -c8 -d"${duration}s" --latency -H "Authorization: Bearer $token" "$base/workflows/$id"
echo "== GET /workflows/{id} (50 tasks), 2 threads, 32 connections, ${duration}s"
wrk -t2 -c32 -d"${duration}s" --latency -H "Authorization: Bearer $token" "$base/workflows/$id"
echo "== GET /workflows?pageSize=20 (100 workflows), 2 threads, 32 connections, ${duration}s"
wrk -t2 -c32 -d"${duration}s" --latency -H "Authorization: Bearer $token" "$base/workflows?pageSize=20"
echo "== PUT /workflows/{id} with If-Match, one client editing in a loop, ${duration}s"
TOKEN="$token" DOC="$work/document.json" wrk -t1 -c1 -d"${duration}s" --latency -s bench/api_load/update.lua "$base/workflows/$id"
