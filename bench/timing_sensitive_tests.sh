#!/usr/bin/env bash
# Runs the tests whose outcome could depend on the machine's speed RUNS times (default 20) while bench/cpu_load.sh keeps both
# cores busy; stops at the first failure. Usage: bash bench/timing_sensitive_tests.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
dotnet build WorkflowControl.sln -c Release -v q -nologo >/dev/null
setsid bash bench/cpu_load.sh 3600 &
load=$!
trap 'kill -- -$load 2>/dev/null || true' EXIT
# Client retries and the run tracker on fake time; leases, hubs, presence and locks; several instances over Redis; the
# OTLP export; results retention; run tracking, pending runs and idempotency over the stub Airflow; ten editors converging.
airflow_tests=(ResilienceScenarioTests WorkflowControl.Airflow.Tests.Client.TelemetryTests WorkflowControl.Airflow.Tests.Tracking)
api_tests=(A_429_is_retried LockExpiryTests CollaborationHubTests ScaleOutTests ConvergenceTests PreviewTests TokenLoggingTests
  SeveralInstancesTests LeaderLeaseTests With_an_OTLP_endpoint_spans_are_exported_to_it Run_results_older_than_the_retention
  WorkflowControl.Api.Tests.Features.Runs.RunTrackingTests FusedRunTests Idempotency_Key While_Airflow_is_away A_pending_run)
filter_of() { local f; f=$(printf 'FullyQualifiedName~%s|' "$@"); echo "${f%|}"; }
airflow_filter=$(filter_of "${airflow_tests[@]}")
api_filter=$(filter_of "${api_tests[@]}")
# The task library against real local servers (HTTP, SFTP, FTP, SMTP, PostgreSQL): time caps and politeness.
python_tests="tests/test_netguard.py tests/tasks/test_extract.py tests/tasks/test_utility.py"
for i in $(seq "$runs"); do
  started=$(date +%s)
  dotnet test tests/WorkflowControl.Airflow.Tests -c Release --no-build --filter "$airflow_filter" --logger "console;verbosity=quiet" >/tmp/wfc-timing-$i.log 2>&1 \
    && dotnet test tests/WorkflowControl.Api.Tests -c Release --no-build --filter "$api_filter" --logger "console;verbosity=quiet" >>/tmp/wfc-timing-$i.log 2>&1 \
    && (cd airflow && /usr/bin/python3 -m pytest -q $python_tests >>/tmp/wfc-timing-$i.log 2>&1) \
    || { echo "run $i failed after $(( $(date +%s) - started )) s; see /tmp/wfc-timing-$i.log"; exit 1; }
  echo "run $i passed in $(( $(date +%s) - started )) s"
done
echo "$runs of $runs runs passed under load"
