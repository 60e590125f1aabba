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
// Targets: CDNA (gfx90a = MI200, gfx942 = MI300), 64-lane wavefronts.
// Notes for code written once for both vendors:
//  - lane masks: a wavefront runs in lockstep and HIP's __shfl_* take no mask.
//    (ROCm 6.2+ also has *_sync forms whose masks are 64-bit: a CUDA-style
//    0xffffffff would name half a wave64.) Use the helpers here, not masks.
//  - bf16 stays a uint16 of bits (sgmv/half.hpp): widening is a shift on every
//    target and the rounding is sgmv's own, so hip_bfloat16 is not used.
//  - errors: hipErrorMemoryAllocation, hipErrorNoDevice, hipErrorInvalidDevice
//    and hipErrorInsufficientDriver exist with the CUDA meanings (and values),
//    so runtime.cu maps them to the same sgmv::ErrorCode for both vendors.
#include <hip/hip_fp16.h>
#include <hip/hip_runtime.h>

#define SGMV_GPU_BACKEND_NAME "hip"
/// Runtime API spelling: SGMV_GPU_API(Malloc) is hipMalloc.
#define SGMV_GPU_API(name) hip##name

#include "sgmv/half.hpp"

namespace sgmv::gpu {
// Wavefront width of the device pass: 32 on RDNA (gfx10-12, their default
// mode), 64 on CDNA and older GCN. Taken from the target's family macro:
// __AMDGCN_WAVEFRONT_SIZE is deprecated in LLVM 20 and warpSize is not
// constexpr from ROCm 7. The host pass has no target and sees 64; host code
// must not depend on it (block sizes are multiples of 64).
#if defined(__GFX10__) || defined(__GFX11__) || defined(__GFX12__)
inline constexpr int kWarpSize = 32;
#else
inline constexpr int kWarpSize = 64;
#endif
__device__ inline float shfl_xor(float v, int lane_mask) {
  return __shfl_xor(v, lane_mask, kWarpSize);
}
/// Bit i set when lane i of the wavefront passes `pred` (every lane must call it).
__device__ inline std::uint64_t ballot(bool pred) { return __ballot(pred); }
/// Two floats rounded (to nearest even, sgmv's own rounding) to bf16 / fp16
/// and packed, low first.
__device__ inline std::uint32_t pack_bf16x2(float lo, float hi) {
  return static_cast<std::uint32_t>(float_to_bf16_bits(lo)) |
         (static_cast<std::uint32_t>(float_to_bf16_bits(hi)) << 16);
}
__device__ inline std::uint32_t pack_f16x2(float lo, float hi) {
  return static_cast<std::uint32_t>(__half_as_ushort(__float2half_rn(lo))) |
         (static_cast<std::uint32_t>(__half_as_ushort(__float2half_rn(hi))) << 16);
}
}  // namespace sgmv::gpu

#else
// ------------------------------------------------------------ CUDA (NVIDIA)
#include <cuda_bf16.h>
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
/// Bit i set when lane i of the warp passes `pred` (every lane must call it).
__device__ inline std::uint64_t ballot(bool pred) { return __ballot_sync(0xffffffffu, pred); }
/// Two floats rounded (to nearest even) to bf16 / fp16 and packed, low first:
/// one conversion instruction on sm_80+.
__device__ inline std::uint32_t pack_bf16x2(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const std::uint32_t*>(&v);
}
__device__ inline std::uint32_t pack_f16x2(float lo, float hi) {
  const __half2 v = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<const std::uint32_t*>(&v);
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
