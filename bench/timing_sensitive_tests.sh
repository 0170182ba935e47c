#!/usr/bin/env bash
# Runs the tests that once depended on the machine's speed RUNS times (default 20) while bench/cpu_load.sh keeps both
# cores busy; stops at the first failure. Usage: bash bench/timing_sensitive_tests.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
dotnet build WorkflowControl.sln -c Release -v q -nologo >/dev/null
setsid bash bench/cpu_load.sh 3600 &
load=$!
trap 'kill -- -$load 2>/dev/null || true' EXIT
filter="FullyQualifiedName~A_429_is_retried|FullyQualifiedName~LockExpiryTests|FullyQualifiedName~A_lock_is_released_when_its_holder_disconnects|FullyQualifiedName~PreviewTests|FullyQualifiedName~TokenLoggingTests"
for i in $(seq "$runs"); do
  dotnet test tests/WorkflowControl.Airflow.Tests -c Release --no-build --filter "$filter" --logger "console;verbosity=quiet" >/tmp/wfc-timing-$i.log 2>&1 \
    && dotnet test tests/WorkflowControl.Api.Tests -c Release --no-build --filter "$filter" --logger "console;verbosity=quiet" >>/tmp/wfc-timing-$i.log 2>&1 \
    && (cd airflow && /usr/bin/python3 -m pytest -q tests/test_netguard.py tests/tasks/test_extract.py -k "slow_response or politely" >>/tmp/wfc-timing-$i.log 2>&1) \
    || { echo "run $i failed; see /tmp/wfc-timing-$i.log"; exit 1; }
  echo "run $i passed"
done
echo "$runs of $runs runs passed under load"
