// The one place where CUDA and HIP differ for sgmv's shared GPU sources
// (backends/cuda_hip, kernels/): runtime API names, warp width, lane
// shuffles, half-precision conversions, and which fast paths exist.
//
// Everything else in kernels/ is written once against these names. Only the
// HIP branch below belongs to the HIP backend's owner.
#pragma once

#include <cstdint>

#if defined(SGMV_GPU_HIP) || defined(SGMV_BACKEND_HIP)
// ---------------------------------------------------------------- HIP (AMD)
#include <hip/hip_fp16.h>
#include <hip/hip_runtime.h>

#define SGMV_GPU_BACKEND_NAME "hip"
/// Runtime API spelling: SGMV_GPU_API(Malloc) is hipMalloc.
#define SGMV_GPU_API(name) hip##name

namespace sgmv::gpu {
// Wavefront width: 64 on CDNA (gfx9), 32 on RDNA. Only device code may depend on it.
#if defined(__AMDGCN_WAVEFRONT_SIZE)
inline constexpr int kWarpSize = __AMDGCN_WAVEFRONT_SIZE;
#else
inline constexpr int kWarpSize = 64;
#endif
__device__ inline float shfl_xor(float v, int lane_mask) { return __shfl_xor(v, lane_mask); }
}  // namespace sgmv::gpu

#else
// ------------------------------------------------------------ CUDA (NVIDIA)
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#define SGMV_GPU_BACKEND_NAME "cuda"
#define SGMV_GPU_API(name) cuda##name

/// CUDA-only fast paths (tensor-core mma.sync, compiled for sm_80 and newer).
/// The HIP build leaves this undefined and uses the portable SIMT kernels.
#define SGMV_CUDA_FAST_PATHS 1

namespace sgmv::gpu {
inline constexpr int kWarpSize = 32;
__device__ inline float shfl_xor(float v, int lane_mask) {
  return __shfl_xor_sync(0xffffffffu, v, lane_mask);
}
}  // namespace sgmv::gpu
#endif

namespace sgmv::gpu {

using Error = SGMV_GPU_API(Error_t);
using Stream = SGMV_GPU_API(Stream_t);

// fp16 <-> fp32 through the hardware conversion (both vendors name these alike).
__device__ inline float f16_to_float(std::uint16_t bits) {
  return __half2float(__ushort_as_half(bits));
}
__device__ inline std::uint16_t float_to_f16(float v) {
  return __half_as_ushort(__float2half_rn(v));
}

}  // namespace sgmv::gpu
