#!/usr/bin/env bash
# The one script run on the lent GPU machine (H100 or H200, CUDA 13, CMake 4, Ninja,
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
#   bench      sgmv-bench --all (PERFORMANCE.md's workloads), then again
#              with SGMV_CUDA_PDL=0 and with --rotate-meta, then
#              sgmv-host-path                                       -> bench.txt, bench.json
#   tune       sgmv-bench per shrink tile (SGMV_CUDA_SHRINK_TILE)   -> tune.txt
#   profile    ncu on the tensor-core kernels of two workloads      -> profile.txt
#              (PROFILE_SOURCE=1 adds ncu's per-instruction SASS counters
#              -> source.csv.gz)
#   sass       cuobjdump of the kernels named in SASS_KERNELS        -> sass.txt
#   ab         with BASE_SRC set: the bench of that source tree and of this
#              one, in turn (AB_ARGS, AB_ROUNDS)                  -> ab.txt
# SKIP="memcheck racecheck ..." leaves stages out (for quick tuning runs).
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
  case " ${SKIP:-} " in *" $name "*)
    names+=("$name")
    results+=("skipped (SKIP)")
    return 0
    ;;
  esac
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
  if [ -f "$OUT/profile.txt" ]; then
    echo "---- ncu (per kernel: duration, DRAM throughput, registers, achieved occupancy) ----"
    grep -E "^  [a-z_]+.*\(|Duration|DRAM Throughput|Registers Per Thread|Achieved Occupancy|Memory Throughput" \
      "$OUT/profile.txt" | sed 's/^ *//' | cut -c1-110 | head -60
  fi
  if [ -f "$OUT/tune.txt" ]; then
    echo "---- tiles (TUNE_PLAN) ----"
    grep -E "^(## |prefill|decode|qkv)" "$OUT/tune.txt" | cut -c1-150
  fi
  if [ -s "$OUT/ab.txt" ]; then
    echo "---- A/B: ${BASE_SRC:-} (base) against this tree ----"
    cut -c1-150 "$OUT/ab.txt"
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
# 220-230 s on most lent H200s; a slower one needed more than 240
# (kernels/PERF_NOTES.md v18).
stage ctest ctest.log 420 ctest --preset cuda -j 8 --timeout 200

# ---- sanitizers (memcheck slows kernels ~100x: the huge-index cases stay out) --
SAN="compute-sanitizer --error-exitcode 99 --print-limit 20 --launch-timeout 120"
stage memcheck sanitizer.log 400 $SAN --tool memcheck \
  "$TESTS/gpu/sgmv_gpu_tests" --gtest_brief=1
stage memcheck2 sanitizer.log 240 $SAN --tool memcheck \
  "$TESTS/sgmv_conformance_tests" --gtest_brief=1 --gtest_filter='-Overflow*:MultiDevice*'
stage memcheck3 sanitizer.log 120 $SAN --tool memcheck \
  "$TESTS/sgmv_error_tests" --gtest_brief=1 --gtest_filter='Errors/DeviceFaults.*'
# Kernels that share memory: the shrink reductions (block, wgmma), the wgmma
# expand's operand stages, the per-token gathering (every kernel), in both
# metadata forms.
stage racecheck sanitizer.log 400 $SAN --tool racecheck --racecheck-report hazard \
  "$TESTS/gpu/sgmv_gpu_tests" --gtest_brief=1 \
  --gtest_filter='Registry/EveryVariant.MatchesReference/tc_shrink_staged_bf16_*:Registry/EveryVariant.MatchesReference/tc_shrink_wgmma_bf16_*:Registry/EveryVariant.MatchesReference/simt_shrink_f32_i32:Registry/EveryVariant.MatchesReference/generic_*_i64:Registry/EveryVariant.MatchesReference/tc_expand_bf16_*:Registry/EveryVariant.MatchesReference/tc_expand_wgmma_bf16_*'

# ---- benchmark ---------------------------------------------------------------
: >"$OUT/bench.txt"
stage bench bench.txt 200 "$BUILD/bench/sgmv-bench" --all --json "$OUT/bench.json"
# The same kernels launched without programmatic dependent launch, for the
# same-run comparison (appended to bench.txt).
stage bench-no-pdl bench.txt 120 env SGMV_CUDA_PDL=0 "$BUILD/bench/sgmv-bench" --all \
  --no-launch-path
# Every rotated copy with its own batch metadata (the default shares one).
stage bench-rotate-meta bench.txt 120 "$BUILD/bench/sgmv-bench" --all --no-launch-path \
  --no-stream --rotate-meta
# The host front end alone (validation, key, cache probe), ns per call.
stage host-path bench.txt 60 "$BUILD/bench/sgmv-host-path" --reps 51

# ---- shrink tiles against each other (SGMV_CUDA_SHRINK_TILE) -------------------
tune() {
  local workload=$1
  shift
  local t
  for t in "$@"; do
    echo "## $workload shrink tile $t"
    SGMV_CUDA_SHRINK_TILE=$t "$BUILD/bench/sgmv-bench" "$workload" --op shrink --no-launch-path \
      --check-rows 64 | grep -E "^$workload " || return 1
  done
}
tune_expand() {
  local workload=$1 op=$2
  shift 2
  local t
  local -a args=(--op "${op%+add}")
  [ "$op" != "${op%+add}" ] && args+=(--add)
  for t in "$@"; do
    echo "## $workload $op tile $t"
    SGMV_CUDA_EXPAND_TILE=$t "$BUILD/bench/sgmv-bench" "$workload" "${args[@]}" --no-launch-path \
      --check-rows 64 | grep -E "^$workload " || return 1
  done
}
# TUNE_PLAN: "workload op tile tile ...; ..." (op shrink, expand or
# expand_multi, expand+add for expand with add; shrink tiles s:BM,BN,KT =
# staged (cp.async), w:STAGES = wgmma (sm_90a), we:STAGES = wgmma with x
# evict-first, t:/te: the same copied by TMA, BM,BN,MW = register-direct;
# expand tiles BM,KW or BM,KW,CG with CG column groups, s:KW = B staged in
# shared memory (128 rows, 2 groups), w:BM = wgmma; forced tiles run without
# the per-token carry).
TUNE_PLAN=${TUNE_PLAN:-"prefill_r16 shrink s:16,16,256 s:32,32,128;
  prefill_r64 shrink we:8 te:8 w:8 t:8 w:4 t:4 s:32,64,256;
  decode_r16 shrink 16,8,1 16,16,1;
  decode_r64 shrink s:16,16,512 16,8,1 16,16,1;
  prefill_r16 expand 64,16 128,16 128,32;
  decode_r16 expand 64,16 128,16 128,32;
  decode_r64 expand 128,64 s:64;
  prefill_r64 expand w:256 w:128 256,64 128,64;
  prefill_r64 expand+add w:256 128,64;
  qkv_r16 expand_multi 64,16 128,16 128,32"}
tune_all() {
  local entry
  local -a entries words
  IFS=';' read -ra entries <<<"${TUNE_PLAN//$'\n'/ }"  # one line: read stops at a newline
  for entry in "${entries[@]}"; do
    read -ra words <<<"$entry"
    [ "${#words[@]}" -ge 3 ] || continue
    if [ "${words[1]}" = shrink ]; then
      tune "${words[0]}" "${words[@]:2}" || return 1
    else
      tune_expand "${words[0]}" "${words[1]}" "${words[@]:2}" || return 1
    fi
  done
}
: >"$OUT/tune.txt"
export -f tune tune_expand tune_all
export BUILD TUNE_PLAN
stage tune tune.txt 240 bash -c tune_all

# ---- a profile of the tensor-core kernels (where the time goes) ---------------
# PROFILE_SECTIONS (ncu --section names), PROFILE_WORKLOADS (sgmv-bench
# arguments) and PROFILE_COUNT (kernels) choose what is profiled.
sections=()
for sec in ${PROFILE_SECTIONS:-SpeedOfLight LaunchStats Occupancy MemoryWorkloadAnalysis}; do
  sections+=(--section "$sec")
done
[ "${PROFILE_SOURCE:-0}" = 1 ] && sections+=(--section SourceCounters --section WarpStateStats)
profile() {
  local report=/tmp/sgmv-profile
  ncu "${sections[@]}" -k regex:"${PROFILE_KERNELS:-tc_}" -c "${PROFILE_COUNT:-8}" -f -o "$report" \
    "$BUILD/bench/sgmv-bench" ${PROFILE_WORKLOADS:-prefill_r16 decode_r16} --iters 2 --warmup 1 \
    --no-launch-path --no-check || return 1
  ncu -i "$report.ncu-rep" || return 1
  if [ "${PROFILE_SOURCE:-0}" = 1 ]; then
    # Per-instruction counters (executed instructions, stalls) of each
    # kernel: large, so compressed, in a file of its own.
    ncu -i "$report.ncu-rep" --page source --csv --print-source sass | gzip >"$OUT/source.csv.gz" ||
      return 1
  fi
}
export PROFILE_KERNELS PROFILE_COUNT PROFILE_WORKLOADS PROFILE_SOURCE OUT
stage profile profile.txt 240 bash -c "sections=(${sections[*]}); $(declare -f profile); profile"

# ---- disassembly of chosen kernels (mangled-name fragments in SASS_KERNELS) ---
sass() {
  local o
  for o in "$BUILD"/backends/cuda/CMakeFiles/*/__/cuda_hip/*.cu.o; do
    cuobjdump -sass -arch sm_90 "$o" 2>/dev/null
  done | awk -v pats="$SASS_KERNELS" '
    BEGIN { n = split(pats, want, " ") }
    /Function :/ { keep = 0; for (i = 1; i <= n; i++) if (index($0, want[i])) keep = 1 }
    keep { print }'
}
if [ -n "${SASS_KERNELS:-}" ]; then
  export -f sass
  export SASS_KERNELS
  stage sass sass.txt 120 bash -c sass
fi

# ---- A/B: the benchmark of another source tree against this one ------------
# BASE_SRC: a source tree to compare with (for instance `git archive` of the
# commit before a change, unpacked into a folder that git ignores and that the
# device call carries). Its bench is built for sm_90 alone; then the two
# binaries run AB_ARGS (sgmv-bench arguments) in turn, AB_ROUNDS times, so
# that both see the same machine state.
ab() {
  if [ ! -f "$BASE_SRC/CMakePresets.json" ]; then
    echo "ab: BASE_SRC=$BASE_SRC holds no source tree (was it carried to this machine?)"
    return 1
  fi
  (cd "$BASE_SRC" && cmake --preset cuda -DCMAKE_CUDA_ARCHITECTURES=90 -DSGMV_BUILD_TESTS=OFF &&
    cmake --build build/cuda --target sgmv-bench -j "$JOBS") >>"$OUT/build.log" 2>&1 || return 1
  local round side bin
  for round in $(seq "${AB_ROUNDS:-3}"); do
    for side in base this; do
      bin=$BUILD/bench/sgmv-bench
      [ "$side" = base ] && bin=$BASE_SRC/build/cuda/bench/sgmv-bench
      echo "## $side round $round"
      # shellcheck disable=SC2086 # AB_ARGS is a list of arguments
      "$bin" ${AB_ARGS:-decode_r16 decode_r64} --no-launch-path --check-rows 64 |
        grep -E "^(prefill|decode|qkv|custom)" || return 1
    done
  done
}
if [ -n "${BASE_SRC:-}" ]; then
  : >"$OUT/ab.txt"
  export -f ab
  export BASE_SRC AB_ARGS AB_ROUNDS BUILD JOBS OUT
  stage ab ab.txt 420 bash -c ab
fi

summary
exit "$failed"
