#!/usr/bin/env bash
# Collaboration hub under load: 50 editors on one workflow, then 500 connections across 50 workflows, against the
# API and a real PostgreSQL started here. Usage: bash bench/collab_hub/run.sh [seconds per scenario]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib/api_stack.sh
dotnet run -c Release --project bench/collab_hub -- "$base" "$api_pid" "${1:-20}"
