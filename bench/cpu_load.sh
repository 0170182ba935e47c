#!/usr/bin/env bash
# Keeps every core busy for SECONDS (default 300) so timing-sensitive tests can be run on a loaded machine, as CI is.
# Usage: bash bench/cpu_load.sh [SECONDS] &  ... run the tests ...  ; it stops by itself (or kill its process group).
set -euo pipefail
seconds="${1:-300}"
pids=()
for _ in $(seq "$(nproc)"); do
  # --foreground keeps the loop in this script's process group, so killing the group (as the tests script does) stops it.
  timeout --foreground "$seconds" bash -c 'while :; do :; done' &
  pids+=($!)
done
wait "${pids[@]}" 2>/dev/null || true
