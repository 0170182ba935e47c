#!/usr/bin/env bash
# Benchmark: a 500-node workflow opened and panned in headless Chromium against the real API.
# Usage: bash bench/run.sh   (NODES=500 RUNS=3; SKIP_BUILD=1 reuses the .next build)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/stack.sh"
trap stack_stop EXIT
stack_start_postgres
stack_start_api
stack_start_web
cd "$FRONTEND_DIR"
node bench/pan.mjs
