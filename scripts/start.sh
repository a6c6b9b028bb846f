#!/usr/bin/env bash
# Sets up the machine, builds, and serves the playground on localhost, printing its URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh wasm
exec node scripts/serve.mjs "$@"
