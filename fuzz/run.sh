#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset `fuzz`: clang-14, ASan + UBSan)
# and runs each for a fixed number of executions. Per target: first every
# input in fuzz/regressions/<target> is replayed once (inputs that crashed
# before must not crash now), then the fuzzer runs from the seed corpus
# fuzz/corpus/<target> plus the regressions that passed. Prints executions,
# coverage and crashes per target; exits non-zero when anything crashed.
# See docs/fuzzing.md.
#
#   fuzz/run.sh [--runs N] [--seed N] [--timeout S] [--keep-going] [--no-build]
#               [--build-dir DIR] [target...]
#
#   --runs N         executions per target (default: $LUSIFER_FUZZ_RUNS, else
#                    the target's own default: 200000, fewer for slow targets)
#   --seed N         libFuzzer's random seed (default 1: runs are reproducible;
#                    0 lets libFuzzer pick one)
#   --timeout S      seconds one input may take before it counts as a hang (default 25)
#   --keep-going     do not stop a target at its first crash: libFuzzer's fork
#                    mode (-fork=1 -ignore_crashes=1 ...) saves every crashing
#                    input and fuzzes on, so bugs behind the first are found.
#                    Executions then round up to whole fork jobs, and cov/ft
#                    are the fork parent's feature counts, not comparable
#                    with a normal run's
#   --no-build       use the targets already built
#   --build-dir DIR  the build directory (default build/fuzz, the preset's)
#   target...        run only these (default: every target the build lists)
#
# New inputs the fuzzer finds go to <build dir>/fuzz-runs/<target>/corpus,
# never into the repository; crashing inputs to .../artifacts/.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${LUSIFER_FUZZ_RUNS:-}
seed=1
timeout=25
build=1
keep_going=0
build_dir="$repo/build/fuzz"
selected=()

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    --no-build) build=0; shift ;;
    --build-dir) build_dir=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "fuzz/run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) selected+=("$1"); shift ;;
  esac
done
case "$runs" in *[!0-9]*) echo "fuzz/run.sh: --runs needs a number" >&2; exit 2 ;; esac

if [ "$build" -eq 1 ]; then
  (cd "$repo" && cmake --preset fuzz -B "$build_dir" >/dev/null) || exit 1
  build_targets=(lusifer_fuzzers)
  [ ${#selected[@]} -gt 0 ] && build_targets=("${selected[@]}")
  cmake --build "$build_dir" --target "${build_targets[@]}" -j 2 || exit 1
fi

list="$build_dir/fuzz/targets.tsv"
if [ ! -f "$list" ]; then
  echo "fuzz/run.sh: $list not found; configure with: cmake --preset fuzz" >&2
  exit 1
fi

# Readable stacks: point the sanitizers at clang-14's symbolizer.
for symbolizer in llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer llvm-symbolizer; do
  if command -v "$symbolizer" >/dev/null 2>&1; then
    export ASAN_SYMBOLIZER_PATH
    ASAN_SYMBOLIZER_PATH=$(command -v "$symbolizer")
    break
  fi
done
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
printf '%-24s %10s %8s %8s %8s %7s %11s  %s\n' target executions cov ft seconds crashes regressions result
while IFS=$'\t' read -r name binary max_len default_runs; do
  [ -n "$name" ] || continue
  if [ ${#selected[@]} -gt 0 ]; then
    wanted=0
    for s in "${selected[@]}"; do [ "$s" = "$name" ] && wanted=1; done
    [ "$wanted" -eq 1 ] || continue
  fi
  if [ ! -x "$binary" ]; then
    printf '%-24s %10s %8s %8s %8s %7s %11s  %s\n' "$name" - - - - - - "NOT BUILT ($binary)"
    failed=1
    continue
  fi
  target_runs=${runs:-${default_runs:-200000}}
  work="$build_dir/fuzz-runs/$name"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts" "$work/regressions"

  # Inputs that crashed once: each replayed on its own, so each is reported.
  regressions_total=0
  regressions_failed=()
  if [ -d "$repo/fuzz/regressions/$name" ]; then
    for input in "$repo/fuzz/regressions/$name"/*; do
      [ -f "$input" ] || continue
      regressions_total=$((regressions_total + 1))
      if (cd "$work/regressions" && "$binary" -timeout="$timeout" -rss_limit_mb=2048 \
            "$input") >"$work/regressions/$(basename "$input").log" 2>&1; then
        cp "$input" "$work/corpus/"  # fixed: a seed like any other
      else
        regressions_failed+=("$input")
      fi
    done
  fi

  inputs=("$work/corpus")
  [ -d "$repo/fuzz/corpus/$name" ] && inputs+=("$repo/fuzz/corpus/$name")
  options=(-runs="$target_runs" -seed="$seed" -max_len="$max_len" -timeout="$timeout"
           -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  [ -f "$repo/fuzz/dict/$name.dict" ] && options+=(-dict="$repo/fuzz/dict/$name.dict")
  [ "$keep_going" -eq 1 ] && options+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)

  start=$(date +%s)
  (cd "$work" && "$binary" "${options[@]}" "${inputs[@]}") >"$work/log" 2>&1
  status=$?
  seconds=$(( $(date +%s) - start ))

  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  # Fork mode prints no final stats; its progress lines start "#<executions>:".
  [ -n "$executions" ] || executions=$(sed -n 's/^#\([0-9]*\): .*/\1/p' "$work/log" | tail -1)
  coverage=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/log" | tail -1)
  cov=$(echo "$coverage" | awk '{print $2}')
  ft=$(echo "$coverage" | awk '{print $4}')
  crashes=$(find "$work/artifacts" -type f | wc -l)
  # Fork mode also counts what its jobs hit: "oom/timeout/crash: 0/1/2".
  forked=$(grep -o 'oom/timeout/crash: [0-9]*/[0-9]*/[0-9]*' "$work/log" | tail -1 |
    awk -F'[ /]' '{print $3 + $4 + $5}')
  [ -n "$forked" ] && [ "$forked" -gt "$crashes" ] && crashes=$forked
  [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
  result=ok
  if [ "$crashes" -gt 0 ] || [ ${#regressions_failed[@]} -gt 0 ]; then
    result="FAILED (log: $work/log)"
    failed=1
  fi
  printf '%-24s %10s %8s %8s %8s %7s %11s  %s\n' "$name" "${executions:--}" "${cov:--}" "${ft:--}" \
    "$seconds" "$crashes" "${#regressions_failed[@]}/$regressions_total" "$result"
  # What a bug report needs: the sanitizer's first line and the input.
  for input in "${regressions_failed[@]}"; do
    echo "    regression still fails: $input"
    grep -m1 -E '^==[0-9]+==ERROR|runtime error|broken guarantee|terminate called|deadly signal' \
      "$work/regressions/$(basename "$input").log" | sed 's/^/      /'
  done
  if [ "$crashes" -gt 0 ]; then
    grep -m1 -E '^==[0-9]+==ERROR|runtime error|broken guarantee|terminate called|deadly signal' \
      "$work/log" | sed 's/^/    /'
    find "$work/artifacts" -type f | sed 's/^/    input: /'
  fi
done <"$list"

exit "$failed"
