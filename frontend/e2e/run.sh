#!/usr/bin/env bash
# End-to-end: throwaway PostgreSQL + API + built web app, then the browser scenarios; stops all of it.
# Usage: bash e2e/run.sh   (SKIP_BUILD=1 reuses an existing .next build; KEEP_STACK_DIR=1 keeps logs)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"
trap stack_stop EXIT
stack_start_postgres
stack_start_airflow_stub
stack_start_api
stack_start_web
echo "stack: api $API_URL, web $WEB_URL, logs $STACK_DIR"
cd "$FRONTEND_DIR"
status=0
WEB_URL="$WEB_URL" API_URL="$API_URL" SHARED_DATA="$STACK_DIR/shared" node e2e/scenario.mjs || status=$?
# Two people in two browsers on the same stack: presence, pointers, live changes, locks.
WEB_URL="$WEB_URL" API_URL="$API_URL" node e2e/collab.mjs || status=$?
# Versions: name, compare, restore, deploy and read the DAG code.
WEB_URL="$WEB_URL" API_URL="$API_URL" node e2e/history.mjs || status=$?
exit "$status"
