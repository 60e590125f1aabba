#!/usr/bin/env bash
# Installs the Debian 12 packages sgmv builds with. Idempotent: packages that
# are already installed are left alone, and `apt-get update` runs (once) only
# when something is missing.
#
#   scripts/install-deps.sh            base: compilers, CMake, Ninja, GoogleTest,
#                                      Google Benchmark, Kokkos (Trilinos)
#   scripts/install-deps.sh --clang    + clang and its sanitizer/libFuzzer runtime
#   scripts/install-deps.sh --hip      + Debian's HIP toolchain (hipcc, ROCm 5.2)
#   scripts/install-deps.sh --all      all of the above
set -euo pipefail

base=(build-essential cmake ninja-build libgtest-dev googletest libbenchmark-dev
      libtrilinos-kokkos-dev)
clang=(clang clang-format libclang-rt-14-dev)
hip=(hipcc libamdhip64-dev rocm-device-libs)

want=("${base[@]}")
for arg in "$@"; do
  case "$arg" in
    --clang) want+=("${clang[@]}") ;;
    --hip) want+=("${hip[@]}") ;;
    --all) want+=("${clang[@]}" "${hip[@]}") ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
