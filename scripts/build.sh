#!/usr/bin/env bash
# Builds the native core, tests and benchmarks (build/native) and the wasm module
# (build/wasm → wasm/dist/), puts the page's vendored files in place and bundles the page's
# code (web/dist/).
# Usage: scripts/build.sh [native|wasm|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
what=${1:-all}

if [ "$what" = native ] || [ "$what" = all ]; then
  cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/native -j "$NORMLAB_JOBS"
fi
if [ "$what" = wasm ] || [ "$what" = all ]; then
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/wasm -j "$NORMLAB_JOBS"
  node scripts/vendor.mjs        # the page's chart library, from node_modules into web/vendor/
  node scripts/preset_costs.mjs  # each preset's size and cost, for the page (web/generated/)
  node scripts/bundle_page.mjs   # the page's UI and worker, two scripts (web/dist/)
fi
