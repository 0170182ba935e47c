#!/usr/bin/env bash
# `make run`: WorkflowControl without Docker. Installs PostgreSQL from apt when missing, starts a cluster of
# its own under .run/ (port 5433 unless WFC_PG_PORT says otherwise), creates the database, and starts the API
# on :8000, which applies migrations at start-up. Airflow is reached through Airflow__* settings (docs/configuration.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
run_dir="$root/.run"
pg_port="${WFC_PG_PORT:-5433}"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installing PostgreSQL from the Debian packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql
fi
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

# initdb refuses to run as root: the cluster belongs to the postgres OS user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$run_dir"
[ "$(id -u)" = 0 ] && chown postgres "$run_dir"
if [ ! -f "$run_dir/pgdata/PG_VERSION" ]; then
  as_pg "$pg_bin/initdb" -D "$run_dir/pgdata" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
fi
if ! as_pg "$pg_bin/pg_ctl" -D "$run_dir/pgdata" status >/dev/null 2>&1; then
  as_pg "$pg_bin/pg_ctl" -D "$run_dir/pgdata" -l "$run_dir/postgres.log" -w \
    -o "-p $pg_port -k $run_dir -c listen_addresses=127.0.0.1" start
fi
psql_() { as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
psql_ -c "SELECT 1 FROM pg_roles WHERE rolname = 'workflowcontrol'" | grep -q 1 \
  || psql_ -c "CREATE ROLE workflowcontrol LOGIN PASSWORD 'workflowcontrol'"
psql_ -c "SELECT 1 FROM pg_database WHERE datname = 'workflowcontrol'" | grep -q 1 \
  || psql_ -c "CREATE DATABASE workflowcontrol OWNER workflowcontrol"

export ConnectionStrings__WorkflowControl="${ConnectionStrings__WorkflowControl:-Host=127.0.0.1;Port=$pg_port;Database=workflowcontrol;Username=workflowcontrol;Password=workflowcontrol}"
export Dags__Root="${Dags__Root:-$run_dir/dags}"
export SharedData__Root="${SharedData__Root:-$run_dir/shared_data}"
mkdir -p "$Dags__Root" "$SharedData__Root"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [ -f frontend/package.json ] && [ "${WFC_NO_WEB:-0}" != 1 ]; then
  (cd frontend && npm run build && exec npm run start) &
  pids+=($!)
  echo "Web app: http://localhost:3000 (building first)"
fi

echo "API: http://localhost:8000 (OpenAPI at /openapi/v1.json)"
dotnet run --project backend/WorkflowControl.Api -c Release &
pids+=($!)
wait -n "${pids[@]}"
