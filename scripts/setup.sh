#!/usr/bin/env bash
# Installs what normlab needs on Debian bookworm (run as root). Idempotent: installs only
# what is missing, so it is cheap to call before every build.
# Usage: scripts/setup.sh [--browser]   (--browser adds Chromium, for the end-to-end tests)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make libxsimd-dev catch2 zlib1g-dev emscripten nodejs)
# clang and its sanitizer and libFuzzer runtimes: the build/asan and build/fuzz builds.
packages+=(clang-14 libclang-rt-14-dev)
[ "${1:-}" = --browser ] && packages+=(chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages (exact versions from package-lock.json); reinstall only when the lock changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
