// Tensor maps for the TMA kernels (kernels/tc_shrink_wgmma_tma.cuh), encoded
// on the host per call from the Problem by the driver's
// cuTensorMapEncodeTiled, found once through the runtime (nothing links
// libcuda). CUDA only.
#pragma once

#include <cuda.h>

#include "sgmv/core/problem.hpp"

namespace sgmv::gpu {

/// Whether TMA kernels may be launched: the driver has
/// cuTensorMapEncodeTiled and the environment variable SGMV_CUDA_TMA is not
/// 0 (read once; for benchmarking the cp.async kernels against them).
bool tma_enabled();

/// The maps of a TMA shrink of bm x bn tiles for p: x as K x T in boxes of
/// 64 x bm, A as K x n x L in boxes of 64 x bn x 1, both 128-byte swizzled,
/// 2-byte elements. False where they cannot serve p: TMA is not enabled,
/// p is not a one-slice fp16/bf16 call, a size passes the copies' 32-bit
/// coordinates, or the driver refuses a map (for one, a stride that is not
/// a multiple of 16 bytes). The caller then launches the cp.async kernel.
bool encode_shrink_maps(const detail::Problem& p, int bm, int bn, CUtensorMap* x, CUtensorMap* a);

}  // namespace sgmv::gpu
