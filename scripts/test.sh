#!/usr/bin/env bash
# The whole test suite on the Kokkos (CPU) backend, from a fresh Debian 12
# machine: installs the packages, then configures, builds and runs ctest
# through the CMake workflow preset.
#
#   bash scripts/test.sh            workflow preset 'kokkos'
#   SGMV_TEST_PRESET=ci bash scripts/test.sh
#                                   the same suite with warnings as errors (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/stages.sh

preset=${SGMV_TEST_PRESET:-kokkos}
# Two cores are the norm here; CMake's build step and ctest honour these.
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-2}

stage deps bash scripts/install-deps.sh
stage "workflow:$preset" cmake --workflow --preset "$preset"
stage_summary
