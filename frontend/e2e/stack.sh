#!/usr/bin/env bash
# Starts a throwaway PostgreSQL, the API and the built web app on free ports; sourced by e2e/run.sh and bench/run.sh.
# Everything started here is stopped by stack_stop (registered on EXIT by the caller).
set -euo pipefail

FRONTEND_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$FRONTEND_DIR/.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
STACK_DIR="$(mktemp -d /tmp/wfc-e2e.XXXXXX)"
chmod 755 "$STACK_DIR"
PIDS=()

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

wait_http() { # url, seconds, name
  local url="$1" limit="$2" name="$3" i=0
  until curl -fs -o /dev/null "$url"; do
    i=$((i + 1))
    if [ "$i" -ge "$limit" ]; then echo "$name did not answer at $url within ${limit}s; log follows" >&2; tail -n 60 "$STACK_DIR/$name.log" >&2 || true; return 1; fi
    sleep 1
  done
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stack_start_postgres() {
  PG_PORT="$(free_port)"
  mkdir -p "$STACK_DIR/pg"
  if [ "$(id -u)" = 0 ]; then chown postgres "$STACK_DIR/pg"; fi
  as_postgres "$PG_BIN/initdb" -D "$STACK_DIR/pg/data" -U postgres -A trust >"$STACK_DIR/initdb.log" 2>&1
  as_postgres "$PG_BIN/pg_ctl" -D "$STACK_DIR/pg/data" -l "$STACK_DIR/pg/server.log" -w \
    -o "-p $PG_PORT -k $STACK_DIR/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  PG_STARTED=1
  as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres workflowcontrol
  export CONNECTION_STRING="Host=127.0.0.1;Port=$PG_PORT;Database=workflowcontrol;Username=postgres"
}

# A stand-in for Airflow 2.10 (e2e/airflow-stub.mjs) reading the DAG files the API writes; exports AIRFLOW_URL.
stack_start_airflow_stub() {
  local port
  port="$(free_port)"
  mkdir -p "$STACK_DIR/dags"
  DAGS_ROOT="$STACK_DIR/dags" PORT="$port" setsid node "$FRONTEND_DIR/e2e/airflow-stub.mjs" >"$STACK_DIR/airflow-stub.log" 2>&1 &
  PIDS+=($!)
  export AIRFLOW_URL="http://127.0.0.1:$port"
  wait_http "http://admin:admin@127.0.0.1:$port/api/v1/version" 20 airflow-stub
}

stack_start_api() {
  API_PORT="$(free_port)"
  WEB_PORT="${WEB_PORT:-$(free_port)}"
  mkdir -p "$STACK_DIR/dags" "$STACK_DIR/shared"
  (cd "$REPO_DIR" && dotnet build backend/WorkflowControl.Api -c Release -v q -nologo >"$STACK_DIR/api-build.log" 2>&1) || { tail -n 40 "$STACK_DIR/api-build.log" >&2; return 1; }
  export REPO_DIR STACK_DIR API_PORT WEB_PORT AIRFLOW_URL="${AIRFLOW_URL:-}"
  setsid bash -c '
    cd "$REPO_DIR"
    export ConnectionStrings__WorkflowControl="$CONNECTION_STRING"
    export Auth__SigningKey="e2e-signing-key-0123456789abcdef0123456789abcdef"
    # Every browser of the scenario signs in from 127.0.0.1: lift the per-address throttle for this test stack.
    export Auth__Throttle__AddressLimit=100000 Auth__Throttle__FreeAddressFailures=100000
    export Dags__Root="$STACK_DIR/dags" SharedData__Root="$STACK_DIR/shared"
    export Urls="http://127.0.0.1:$API_PORT"
    export Cors__Origins="http://127.0.0.1:$WEB_PORT,http://localhost:$WEB_PORT"
    if [ -n "${AIRFLOW_URL:-}" ]; then
      export Airflow__BaseUrl="$AIRFLOW_URL" Airflow__Username=admin Airflow__Password=admin Airflow__ApiVersion=V1
      export Airflow__Deployments__PollInterval=00:00:01 Airflow__Tracking__PollInterval=00:00:01
    fi
    exec dotnet run --project backend/WorkflowControl.Api -c Release --no-build --no-launch-profile
  ' >"$STACK_DIR/api.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$API_PORT/auth/config" 120 api
  export API_URL="http://127.0.0.1:$API_PORT"
}

stack_start_web() {
  if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$FRONTEND_DIR/.next/BUILD_ID" ]; then
    (cd "$FRONTEND_DIR" && npx next build >"$STACK_DIR/web-build.log" 2>&1) || { tail -n 40 "$STACK_DIR/web-build.log" >&2; return 1; }
  fi
  (cd "$FRONTEND_DIR" && NEXT_PUBLIC_API_URL="$API_URL" exec setsid node node_modules/next/dist/bin/next start -p "$WEB_PORT" -H 127.0.0.1) >"$STACK_DIR/web.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$WEB_PORT/signin" 60 web
  export WEB_URL="http://127.0.0.1:$WEB_PORT"
}

stack_stop() {
  local pid
  # Each server runs in its own session (setsid), so its process group holds exactly what we started.
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${PG_STARTED:-0}" = 1 ]; then as_postgres "$PG_BIN/pg_ctl" -D "$STACK_DIR/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ "${KEEP_STACK_DIR:-0}" != 1 ]; then rm -rf "$STACK_DIR"; fi
}
