#!/usr/bin/env bash
# Sets up the machine, builds everything, and runs every test suite: the native Catch2
# suites (SIMD and scalar builds, under CTest), the JS suites (Vitest) on both wasm
# builds, the end-to-end page tests in headless Chromium, and the hardening checks (native
# suites under sanitizers, bounded fuzzing, JS suites on a SAFE_HEAP wasm build). Ends with
# one line "N passed, N failed" over all suites, then names any step that exited non-zero;
# exits non-zero if any suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser || exit 1
bash scripts/build.sh all || exit 1
source scripts/env.sh
mkdir -p build/reports

# A suite can pass every test and still exit non-zero (Vitest does on an unhandled error);
# each such step is named at the end, beside the counts.
failed_steps=()
fail() { failed_steps+=("$1"); }
ctest --test-dir build/native --no-tests=error -j "$NORMLAB_JOBS" --output-on-failure \
  --output-junit "$PWD/build/reports/ctest.xml" || fail 'native suites (ctest)'
npx vitest run --reporter=default --reporter=json --outputFile=build/reports/vitest.json || fail 'JS suites (vitest)'
# End-to-end: the page in headless Chromium, served on 127.0.0.1.
npx vitest run --config tests/e2e/vitest.config.js --reporter=default --reporter=json \
  --outputFile=build/reports/e2e.json || fail 'end-to-end (vitest)'
# Hardening (tests/fuzz/README.md): the native SIMD suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer (build/asan; the scalar suite too would double its minutes:
# build target core_tests_scalar and drop -R to run both), a bounded fuzz run (build/fuzz),
# and JS suites on the wasm build that checks every memory access (build/wasm-safe).
# Reports of an earlier run are removed first, so a step that cannot run counts as failed.
rm -f build/reports/ctest-asan.xml build/reports/fuzz.json build/reports/safe-heap.json
if cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 \
     -DNORMLAB_SANITIZE=ON -DNORMLAB_BUILD_BENCH=OFF >/dev/null &&
   cmake --build build/asan -j "$NORMLAB_JOBS" --target core_tests_simd >build/asan/build.log 2>&1; then
  UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/asan --no-tests=error -R '^simd:' \
    -j "$NORMLAB_JOBS" --output-on-failure --output-junit "$PWD/build/reports/ctest-asan.xml" || fail 'sanitizer suite (ctest)'
else
  tail -30 build/asan/build.log
  fail 'sanitizer build'
fi
bash scripts/fuzz.sh --ci || fail 'fuzzing'
if emcmake cmake -S . -B build/wasm-safe -DCMAKE_BUILD_TYPE=Release -DNORMLAB_WASM_SAFE_HEAP=ON \
     -DNORMLAB_WASM_OUTPUT_DIR="$PWD/build/wasm-safe/dist" >/dev/null &&
   cmake --build build/wasm-safe -j "$NORMLAB_JOBS" --target nl_simd nl_scalar >build/wasm-safe/build.log 2>&1; then
  npx vitest run --config tests/js/safe_heap/vitest.config.js --reporter=default --reporter=json \
    --outputFile=build/reports/safe-heap.json || fail 'SAFE_HEAP suites (vitest)'
else
  tail -30 build/wasm-safe/build.log
  fail 'SAFE_HEAP build'
fi
status=0
node scripts/test_summary.mjs build/reports/ctest.xml build/reports/vitest.json build/reports/e2e.json \
  build/reports/ctest-asan.xml build/reports/fuzz.json build/reports/safe-heap.json || status=1
if ((${#failed_steps[@]})); then
  printf 'exited non-zero (its output above says why): %s\n' "${failed_steps[@]}"
  status=1
fi
exit $status
