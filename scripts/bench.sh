#!/usr/bin/env bash
# Builds sgmv on the Kokkos (CPU) backend and runs every named workload of
# sgmv-bench, from a fresh Debian 12 machine. Extra arguments go to sgmv-bench
# (for example --json results.json).
#
#   bash scripts/bench.sh [sgmv-bench options]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/stages.sh

export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}

stage deps bash scripts/install-deps.sh
stage configure cmake --preset kokkos
stage build cmake --build --preset kokkos --target sgmv-bench
stage bench build/kokkos/bench/sgmv-bench --all "$@"
stage_summary
