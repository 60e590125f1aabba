#!/usr/bin/env bash
# CI for the HIP backend on a machine without an AMD GPU (Debian 12, HIP 5.2):
#   1. installs Debian's HIP toolchain (scripts/install-deps.sh --hip),
#   2. configures the `hip` preset from a clean build directory (hipcc route),
#   3. builds it (library, tests, sgmv-bench) with at most 2 jobs,
#   4. runs ctest: with no HIP device every GPU case must report "skipped",
#   5. opens libsgmv.a and checks that it really holds gfx90a code objects
#      with the SGMV kernels in them (a build that compiled no device code, or
#      compiled the kernels away, fails here).
# Prints each stage's time and a summary.
#
# Environment (all optional):
#   SGMV_HIP_ROUTE=HIPCC         route passed to CMake (AUTO, LANGUAGE, HIPCC)
#   SGMV_HIP_ARCH=gfx90a         the offload target the archive must contain
#   SGMV_HIP_WERROR=ON           warnings as errors
#   SGMV_HIP_EXPECT_KERNELS="shrink expand"
#                                words each required in some kernel symbol
#   SGMV_HIP_BUILD_DIR=build/hip the build directory (default: the preset's);
#                                another one keeps a shared checkout's build/hip
#   SGMV_HIP_SKIP_DEPS=1         do not run install-deps.sh
#   SGMV_HIP_NO_SCRATCH="simt_shrink_kernel simt_expand_kernel"
#                                kernels (name words) that must use no scratch
#                                memory on $SGMV_HIP_ARCH (empty: no check)
set -euo pipefail
self=$(readlink -f "$0")
cd "$(dirname "$self")/.."
# shellcheck source=scripts/lib/stages.sh
source scripts/lib/stages.sh

route=${SGMV_HIP_ROUTE:-HIPCC}
arch=${SGMV_HIP_ARCH:-gfx90a}
werror=${SGMV_HIP_WERROR:-ON}
expect_kernels=${SGMV_HIP_EXPECT_KERNELS:-shrink expand}
build_dir=${SGMV_HIP_BUILD_DIR:-build/hip}
no_scratch=${SGMV_HIP_NO_SCRATCH-simt_shrink_kernel simt_expand_kernel}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
target="hipv4-amdgcn-amd-amdhsa--${arch}"

fail() {
  echo "ci-hip: FAIL: $*" >&2
  exit 1
}

# The LLVM tools that read offload bundles: Debian's llvm-15 (hipcc's clang),
# or ROCm's own LLVM.
find_llvm_tool() {
  local name=$1 dir
  for dir in /usr/lib/llvm-15/bin /opt/rocm/llvm/bin "${ROCM_PATH:-/opt/rocm}/llvm/bin"; do
    if [ -x "$dir/$name" ]; then
      echo "$dir/$name"
      return 0
    fi
  done
  command -v "$name" || fail "$name not found (install llvm-15 / clang-15, or ROCm)"
}

deps() {
  if [ "${SGMV_HIP_SKIP_DEPS:-0}" = 1 ]; then
    echo "skipped (SGMV_HIP_SKIP_DEPS=1)"
  else
    bash scripts/install-deps.sh --hip
  fi
  command -v hipcc >/dev/null || fail "hipcc is not installed"
}

configure() {
  rm -rf "$build_dir"
  cmake --preset hip -B "$build_dir" -DSGMV_HIP_ROUTE="$route" -DSGMV_WERROR="$werror"
  grep -q "^SGMV_BACKEND:STRING=HIP$" "$build_dir/CMakeCache.txt" ||
    fail "the hip preset did not configure the HIP backend"
}

build() {
  cmake --build "$build_dir"
}

# GoogleTest's skip marker is turned into a ctest "skipped" result by the
# tests' CMake; without an AMD GPU there must be skips and no failures.
run_tests() {
  local log="$build_dir/ci-hip-ctest.log" rc=0
  # The test preset's options, on $build_dir.
  ctest --test-dir "$build_dir" --output-on-failure --no-tests=error 2>&1 | tee "$log" || rc=$?
  [ "$rc" -eq 0 ] || fail "ctest failed (exit $rc); see $log"
  if [ ! -e /dev/kfd ]; then
    local skipped
    skipped=$(grep -cE '\*\*\*Skipped|\[  SKIPPED \]' "$log" || true)
    [ "$skipped" -gt 0 ] ||
      fail "no AMD GPU here, yet ctest reported no skipped GPU case (did the GPU tests run at all?)"
    echo "no AMD GPU (/dev/kfd absent): $skipped skipped test(s), as expected"
  fi
}

# Lists the offload bundle of every object in libsgmv.a and checks that the
# SGMV kernels were compiled for $arch.
check_archive() {
  local lib
  lib="$(cd "$build_dir" && pwd)/libsgmv.a"
  [ -f "$lib" ] || fail "$lib was not built"
  local bundler objcopy nm cxxfilt readelf
  bundler=$(find_llvm_tool clang-offload-bundler)
  readelf=$(find_llvm_tool llvm-readelf)
  objcopy=$(find_llvm_tool llvm-objcopy)
  nm=$(find_llvm_tool llvm-nm)
  cxxfilt=$(find_llvm_tool llvm-cxxfilt)

  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2064  # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  mkdir "$work/members"

  # Extract each member by name and occurrence (names may repeat in an archive).
  local -A seen=()
  local member n idx=0
  while IFS= read -r member; do
    n=$((${seen[$member]:-0} + 1))
    seen[$member]=$n
    idx=$((idx + 1))
    (cd "$work/members" && ar xN "$n" "$lib" "$member")
    mv "$work/members/$member" "$work/members/$(printf '%03d' "$idx")_$member"
  done < <(ar t "$lib")

  local obj base with_device=0 kernels_file="$work/kernels.txt"
  : >"$kernels_file"
  for obj in "$work"/members/*; do
    base=$(basename "$obj")
    # Without -fgpu-rdc the device code sits in the .hip_fatbin section of
    # the host object, as a clang offload bundle.
    if ! "$objcopy" --dump-section .hip_fatbin="$work/fatbin" "$obj" 2>/dev/null; then
      continue
    fi
    echo "--- $base: clang-offload-bundler --list --type=o"
    "$bundler" --list --type=o --input="$work/fatbin" >"$work/targets"
    sed 's/^/    /' "$work/targets"
    grep -qx "$target" "$work/targets" || fail "$base has device code but no $target entry"
    "$bundler" --unbundle --type=o --input="$work/fatbin" --targets="$target" \
      --output="$work/device.co"
    [ -s "$work/device.co" ] || fail "$base: the $target code object is empty"
    # A kernel has a descriptor symbol <name>.kd in its code object.
    "$nm" --defined-only "$work/device.co" | awk '$3 ~ /\.kd$/ { sub(/\.kd$/, "", $3); print $3 }' \
      >"$work/kd.txt"
    echo "    $(wc -l <"$work/kd.txt") kernel(s) for $arch (registers per lane, vgpr including" \
      "agpr on gfx90a; bytes per lane/block):"
    # Resource use from the code object's metadata: scratch (private segment)
    # on AMD GPUs is slow memory, so it is worth seeing in every CI log.
    "$readelf" --notes "$work/device.co" | awk '
      /^ *- \.agpr_count:/ { a = $NF }
      /\.group_segment_fixed_size:/ { lds = $NF }
      /\.name:/ { n = $NF }
      /\.private_segment_fixed_size:/ { scr = $NF }
      /\.sgpr_count:/ { s = $NF }
      /\.vgpr_count:/ { v = $NF }
      /\.vgpr_spill_count:/ { sp = $NF }
      /\.wavefront_size:/ { printf "%s vgpr=%s agpr=%s sgpr=%s lds=%s scratch=%s spills=%s wave=%s\n", n, v, a, s, lds, scr, sp, $NF }
    ' | "$cxxfilt" | sed -e 's/^void //' -e 's/sgmv::gpu:://g' -e 's/(sgmv::detail::Problem)//' \
      -e 's/^/      /' | tee -a "$work/resources.txt"
    cat "$work/kd.txt" >>"$kernels_file"
    with_device=$((with_device + 1))
    rm -f "$work/fatbin" "$work/device.co" "$work/targets" "$work/kd.txt"
  done

  [ "$with_device" -gt 0 ] || fail "libsgmv.a holds no object with HIP device code: nothing was compiled for the GPU"
  local total
  total=$(wc -l <"$kernels_file")
  [ "$total" -gt 0 ] || fail "libsgmv.a has $target code objects but they contain no kernels"
  "$cxxfilt" <"$kernels_file" >"$work/demangled.txt"
  local word
  for word in $expect_kernels; do
    grep -qi -- "$word" "$work/demangled.txt" ||
      fail "no $arch kernel symbol mentions '$word' (were the kernels compiled out?)"
  done
  local scratchy
  scratchy=$(grep -vc ' scratch=0 ' "$work/resources.txt" || true)
  if [ "$scratchy" -gt 0 ]; then
    echo "note: $scratchy kernel(s) use scratch memory (private segment) on $arch"
  fi
  # Scratch is per-lane memory behind the caches: kernels that were freed of
  # it must not fall back into it unnoticed.
  for word in $no_scratch; do
    grep -q -- "$word" "$work/resources.txt" || fail "no $arch kernel named '$word' to check for scratch"
    if grep -- "$word" "$work/resources.txt" | grep -v ' scratch=0 '; then
      fail "the $arch kernel(s) above ('$word') use scratch memory"
    fi
  done
  echo "libsgmv.a: $with_device object(s) with $target code, $total kernel(s); found: $expect_kernels"
}

# Each stage runs in its own bash so that `set -e` holds inside it (bash
# ignores -e in functions called from the `||` that `stage` uses).
if [ "${1:-}" = "--stage" ]; then
  "$2"
  exit 0
fi
trap stage_summary EXIT
stage deps bash "$self" --stage deps
stage configure bash "$self" --stage configure
stage build bash "$self" --stage build
stage test bash "$self" --stage run_tests
stage "archive:$arch" bash "$self" --stage check_archive
