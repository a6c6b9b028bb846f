#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input (tests/fuzz/README.md):
#   idx         IDX images and labels files, and the dataset made from a pair    (libFuzzer)
#   model_file  model files: load_model                                          (libFuzzer)
#   norm_spec   norm specs, the norm layers and the presets built from them      (libFuzzer)
#   state       the page's URL hash and the embed element's attributes (fast-check, Node)
# The libFuzzer targets are built with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# into build/fuzz. A target fails on any crash, sanitizer report, leak or broken property.
#
# Usage: scripts/fuzz.sh [--ci] [TARGET...]
#   default  the long run: 10^7 executions per target (about 2.5 hours in all on 2 cores)
#   --ci     the bounded run of scripts/test.sh: about a minute for the four targets
# New inputs that reach new code go to build/fuzz/corpus/TARGET/ (the seeds in
# tests/fuzz/corpus/ are only read), crashing inputs to build/fuzz/crashes/TARGET/, each
# run's output to build/fuzz/logs/TARGET-ci.log (or -long.log). The results (executions,
# seconds, passed or failed, per target) go to build/reports/fuzz.json (the long run:
# build/reports/fuzz-long.json); the script exits 1 if a target failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

ci=0
mode=long
targets=()
for a in "$@"; do
  case $a in
    --ci) ci=1 mode=ci ;;
    idx | model_file | norm_spec | state) targets+=("$a") ;;
    *) echo "usage: scripts/fuzz.sh [--ci] [idx|model_file|norm_spec|state]..." >&2; exit 2 ;;
  esac
done
((${#targets[@]})) || targets=(idx model_file norm_spec state)

# The bounded run's budget in seconds per target, and the long run's executions.
declare -A ci_seconds=([idx]=15 [model_file]=15 [norm_spec]=15 [state]=10)
long_runs=10000000

out=build/fuzz
mkdir -p "$out/logs" build/reports
native=()
for t in "${targets[@]}"; do [ "$t" != state ] && native+=("${t}_fuzz"); done
if ((${#native[@]})); then
  cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 -DNORMLAB_FUZZ=ON \
    -DNORMLAB_BUILD_TESTS=OFF -DNORMLAB_BUILD_BENCH=OFF >/dev/null || exit 1
  cmake --build "$out" -j "$NORMLAB_JOBS" --target "${native[@]}" >"$out/logs/build.log" 2>&1 ||
    { tail -30 "$out/logs/build.log"; exit 1; }
fi

export UBSAN_OPTIONS=print_stacktrace=1
results=()
failed=0
for t in "${targets[@]}"; do
  log=$out/logs/$t-$mode.log
  start=$SECONDS
  if [ "$t" = state ]; then
    if ((ci)); then limit=(--seconds "${ci_seconds[$t]}"); else limit=(--runs "$long_runs"); fi
    node tests/fuzz/state_fuzz.mjs "${limit[@]}" >"$log" 2>&1
    status=$?
    executions=$(sed -n 's/.*\(^Done\|after\) \([0-9]*\) runs.*/\2/p' "$log" | tail -1)
  else
    mkdir -p "$out/corpus/$t" "$out/crashes/$t"
    if ((ci)); then limit=(-max_total_time="${ci_seconds[$t]}"); else limit=(-runs="$long_runs"); fi
    "$out/${t}_fuzz" "${limit[@]}" -dict="tests/fuzz/dict/$t.dict" -print_final_stats=1 \
      -artifact_prefix="$out/crashes/$t/" "$out/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
    status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' "$log")
  fi
  seconds=$((SECONDS - start))
  executions=${executions:-0}
  if ((status == 0)); then
    echo "fuzz $t: passed, $executions executions in $seconds s"
    results+=("{\"name\":\"$t\",\"executions\":$executions,\"seconds\":$seconds,\"passed\":true}")
  else
    failed=$((failed + 1))
    echo "fuzz $t: FAILED (exit $status) after $executions executions in $seconds s; the end of $log:"
    tail -40 "$log"
    [ "$t" != state ] && echo "replay: $out/${t}_fuzz $out/crashes/$t/<file>  (the file named above)"
    results+=("{\"name\":\"$t\",\"executions\":$executions,\"seconds\":$seconds,\"passed\":false}")
  fi
done

passed=$((${#targets[@]} - failed))
list=$(IFS=,; echo "${results[*]}")
echo "{\"numPassedTests\":$passed,\"numFailedTests\":$failed,\"success\":$([ $failed = 0 ] && echo true || echo false),\"targets\":[$list]}" \
  >"build/reports/fuzz$([ $mode = long ] && echo -long).json"
exit $((failed > 0))
