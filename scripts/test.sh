#!/usr/bin/env bash
# Sets up the machine, builds everything, and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh all
source scripts/env.sh
ctest --test-dir build/native --no-tests=error -j "$NORMLAB_JOBS" --output-on-failure
