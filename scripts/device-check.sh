#!/usr/bin/env bash
# The one script run on the lent GPU machine (H100, CUDA 13, CMake 4, Ninja,
# g++ 13, GoogleTest; no Kokkos, no network). From the repository root:
#
#   OUT=/some/dir bash scripts/device-check.sh
#
# Stages, each logged under $OUT (the device tool brings back at most 8 files):
#   build      cmake --preset cuda; cmake --build --preset cuda   -> build.log
#   ctest      ctest --preset cuda (every label, the GPU tests too) -> ctest.log
#   memcheck   compute-sanitizer memcheck on a representative subset of the
#              conformance suite and of the GPU tests              -> sanitizer.log
#   racecheck  compute-sanitizer racecheck on the kernels that share memory
#                                                                  -> sanitizer.log
#   bench      sgmv-bench --all (PERFORMANCE.md's workloads)        -> bench.txt, bench.json
# A failed build stops the script; every later stage runs even when an earlier
# one failed. Exit status: non-zero when any stage failed. A summary comes last.
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-$PWD/out/device-check}
JOBS=${JOBS:-16}
mkdir -p "$OUT"
BUILD=build/cuda
TESTS=$BUILD/tests

names=()
results=()
failed=0

# stage NAME LOG SECONDS COMMAND...: runs COMMAND with a time limit, appending
# its output to $OUT/LOG; records pass/fail and the time taken.
stage() {
  local name=$1 log=$2 limit=$3
  shift 3
  local start=$SECONDS rc=0
  echo "==> [$name] $*" | tee -a "$OUT/$log"
  timeout --kill-after=10 "$limit" "$@" >>"$OUT/$log" 2>&1 || rc=$?
  local took=$((SECONDS - start))
  names+=("$name")
  if [ "$rc" -eq 0 ]; then
    results+=("ok (${took}s)")
  else
    [ "$rc" -eq 124 ] && results+=("FAILED: timed out after ${limit}s") ||
      results+=("FAILED (exit $rc, ${took}s)")
    failed=1
  fi
  echo "<== [$name] exit $rc after ${took}s" | tee -a "$OUT/$log"
  return "$rc"
}

summary() {
  echo
  echo "================ device-check summary ================"
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu \
    --format=csv,noheader 2>/dev/null | sed 's/^/gpu: /'
  local i
  for i in "${!names[@]}"; do printf '  %-10s %s\n' "${names[$i]}" "${results[$i]}"; done
  if [ -f "$OUT/ctest.log" ]; then
    grep -E "tests passed|tests failed|The following tests" "$OUT/ctest.log" | sed 's/^/  ctest: /'
    grep -E "^\s+[0-9]+ - .*\((Failed|Timeout|Subprocess|Exception|SEGFAULT|Not Run)" "$OUT/ctest.log" |
      head -20 | sed 's/^/    /'
  fi
  if [ -f "$OUT/sanitizer.log" ]; then
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$OUT/sanitizer.log" | sed 's/^/  sanitizer: /'
  fi
  if [ -f "$OUT/bench.txt" ]; then
    echo "---- sgmv-bench ----"
    cat "$OUT/bench.txt"
  fi
}

{
  echo "device-check on $(hostname) at $(date -u +%FT%TZ)"
  nvidia-smi 2>&1 | head -15
  nvcc --version 2>&1 | tail -2
  cmake --version | head -1
} >"$OUT/build.log" 2>&1

# ---- build (fatal on failure) --------------------------------------------------
if ! stage configure build.log 120 cmake --preset cuda ||
  ! stage build build.log 360 cmake --build --preset cuda -j "$JOBS"; then
  tail -40 "$OUT/build.log"
  summary
  exit 1
fi

# ---- tests -------------------------------------------------------------------
stage ctest ctest.log 240 ctest --preset cuda -j 8 --timeout 200

# ---- sanitizers (a representative subset; memcheck slows kernels ~100x) -------
SAN="compute-sanitizer --error-exitcode 99 --print-limit 20 --launch-timeout 120"
stage memcheck sanitizer.log 200 $SAN --tool memcheck \
  "$TESTS/gpu/sgmv_gpu_tests" --gtest_brief=1 \
  --gtest_filter='Registry/EveryVariant.MatchesReference/tc_*bf16*:Registry/EveryVariant.MatchesReference/*_i64:RawLaunch.*:Ops/GraphReplay.*'
stage memcheck2 sanitizer.log 200 $SAN --tool memcheck \
  "$TESTS/sgmv_conformance_tests" --gtest_brief=1 \
  --gtest_filter='Conformance/Slices.*:Conformance/Layouts.*_f16:PerToken/Shapes.*'
stage memcheck3 sanitizer.log 120 $SAN --tool memcheck \
  "$TESTS/sgmv_error_tests" --gtest_brief=1 --gtest_filter='Errors/DeviceFaults.*_i64'
stage racecheck sanitizer.log 200 $SAN --tool racecheck --racecheck-report hazard \
  "$TESTS/gpu/sgmv_gpu_tests" --gtest_brief=1 \
  --gtest_filter='Registry/EveryVariant.MatchesReference/tc_shrink_bf16_32x16:Registry/EveryVariant.MatchesReference/tc_shrink_f16_16x8:Registry/EveryVariant.MatchesReference/simt_shrink_f32_i32:Registry/EveryVariant.MatchesReference/generic_*_i64:Registry/EveryVariant.MatchesReference/tc_expand_bf16'

# ---- benchmark ---------------------------------------------------------------
: >"$OUT/bench.txt"
stage bench bench.txt 200 "$BUILD/bench/sgmv-bench" --all --json "$OUT/bench.json"

summary
exit "$failed"
