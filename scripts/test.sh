#!/usr/bin/env bash
# Sets up the machine, builds everything, and runs every test suite: the native Catch2
# suites (SIMD and scalar builds, under CTest), the JS suites (Vitest) on both wasm
# builds, and the end-to-end page tests in headless Chromium. Ends with one line "N passed, N failed" over all suites; exits non-zero if any
# suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser || exit 1
bash scripts/build.sh all || exit 1
source scripts/env.sh
mkdir -p build/reports

status=0
ctest --test-dir build/native --no-tests=error -j "$NORMLAB_JOBS" --output-on-failure \
  --output-junit "$PWD/build/reports/ctest.xml" || status=1
npx vitest run --reporter=default --reporter=json --outputFile=build/reports/vitest.json || status=1
# End-to-end: the page in headless Chromium, served on 127.0.0.1.
npx vitest run --config tests/e2e/vitest.config.js --reporter=default --reporter=json \
  --outputFile=build/reports/e2e.json || status=1
node scripts/test_summary.mjs build/reports/ctest.xml build/reports/vitest.json build/reports/e2e.json || status=1
exit $status
