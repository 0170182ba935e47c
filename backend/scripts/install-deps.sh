#!/usr/bin/env bash
# Installs what WorkflowControl needs on a Debian machine, as root. Safe to run again, and quick when everything is
# there: `make run` and `make test` call it first, so those two commands are enough on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_packages=(
  # application data and every test's throwaway cluster
  postgresql postgresql-contrib
  # the task library's tests run on Debian's interpreter with these (no PyPI here)
  python3-pandas python3-sklearn python3-matplotlib python3-psycopg2 python3-paramiko python3-bs4
  python3-pytest python3-requests python3-openpyxl python3-pyftpdlib python3-aiosmtpd python3-jsonschema
  python3-lxml python3-joblib
  # generated DAG files import pendulum; the tests execute them against a strict Airflow double
  python3-pendulum
  # browser tests and the compose file check
  chromium fonts-dejavu-core docker-compose
  # the SignalR Redis backplane test (several API instances)
  redis-server
  # promtool: the tests check and unit-test the committed Prometheus alert rules (observability/prometheus)
  prometheus
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

dotnet restore WorkflowControl.sln --verbosity quiet
# npm ci replaces node_modules whole: only when package-lock.json changed since the last install.
if [ -f frontend/package-lock.json ]; then
  stamp=frontend/node_modules/.workflowcontrol-lock.sha256
  wanted=$(sha256sum frontend/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    (cd frontend && npm ci --no-audit --no-fund)
    echo "$wanted" > "$stamp"
  fi
fi
