# Sourced by benchmark scripts: a throwaway PostgreSQL cluster and the API (Release build) on free loopback ports,
# both stopped on exit. Sets: work, base (API URL), api_pid. Needs curl and Debian's python3.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/wfc-bench-XXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_port=$(free_port); api_port=$(free_port)
[ "$(id -u)" = 0 ] && chown postgres "$work"
api_pid=""
cleanup() {
  [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null || true
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -n "${KEEP_BENCH_DIR:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

as_pg "$pg_bin/initdb" -D "$work/pg" -U bench --auth=trust -E UTF8 --no-locale >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null

dotnet build backend/WorkflowControl.Api -c Release -v q -nologo >/dev/null
mkdir -p "$work/dags"; [ "$(id -u)" = 0 ] && chown -R postgres "$work"
# No Airflow here: its address is a placeholder, and the loops that would poll it are off.
ConnectionStrings__WorkflowControl="Host=127.0.0.1;Port=$pg_port;Database=workflowcontrol;Username=bench;Maximum Pool Size=100" \
Auth__SigningKey="benchmark-signing-key-0123456789-0123456789" Auth__Throttle__AddressLimit=1000000 Dags__Root="$work/dags" Logging__LogLevel__Default=Warning \
Airflow__BaseUrl=http://127.0.0.1:9 Airflow__Username=bench Airflow__Password=bench Airflow__Tracking__Enabled=false Airflow__Deployments__Enabled=false \
  dotnet backend/WorkflowControl.Api/bin/Release/net10.0/WorkflowControl.Api.dll --urls "http://127.0.0.1:$api_port" >"$work/api.log" 2>&1 &
api_pid=$!
base="http://127.0.0.1:$api_port"
for _ in $(seq 1 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.3; done
