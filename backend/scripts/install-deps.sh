#!/usr/bin/env bash
# Installs what WorkflowControl needs on a Debian machine, as root. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_packages=(
  postgresql postgresql-contrib
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

dotnet restore WorkflowControl.sln
