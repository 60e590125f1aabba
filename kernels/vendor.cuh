// The one place where CUDA and HIP differ for sgmv's shared GPU sources
// (backends/cuda_hip, kernels/): runtime API names, warp width, lane
// shuffles, half-precision conversions, which fast paths exist, and the
// tiles of the portable SIMT kernels (SimtTile).
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
/// Programmatic dependent launch is CUDA's (see the CUDA section): nothing to wait for.
__device__ inline void await_previous_grids() {}
/// An L2 prefetch hint is CUDA's (see the CUDA section): nothing to do.
__device__ inline void prefetch_l2(const void* /*line*/) {}
/// Evict-first stores are CUDA's (see the CUDA section; not measured on
/// AMD): plain stores.
template <class V>
__device__ inline void store_evict_first(V* dst, const V& v) {
  *dst = v;
}
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

/// Tiles of the portable SIMT kernels (all of the HIP build's kernels), for
/// CDNA's 64-lane wavefronts (gfx90a, gfx942). A block is 256 threads: 4
/// wavefronts, one per SIMD of a compute unit. The host computes launch grids
/// from these values, so they are the same in the host and device passes and
/// for every target of a build: never derived from kWarpSize (the kernels
/// stay correct on wave32 targets, just not tuned for them).
struct SimtTile {
  /// Shrink: 4 rows x 16 outputs per block, K split over the threads in
  /// 16-byte loads per lane (a wavefront reads 1 KiB of a row per load).
  /// A thread's 64 partial sums are reduce-scattered to exactly one output
  /// per lane of a wave64 (none idle or duplicated), and one full wavefront
  /// adds the 4 wavefronts' sums and stores the 64 outputs. Each column
  /// chunk re-reads all of x: 16 columns read it once for ranks up to 16 and
  /// half as often as 8 would for higher ranks. Costs (hipcc 5.2, gfx90a):
  /// 240 VGPRs for f16/bf16 with i32 offsets, 2 waves per SIMD as 4 x 8 has
  /// at 192 (the i64 variants: 1 wave, 256 VGPRs + AGPRs), and half the
  /// blocks of 4 x 8 when a call has few rows per adapter (decode).
  static constexpr int kShrinkRows = 4;
  static constexpr int kShrinkCols = 16;
  /// Expand: 16 rows per block, 4 accumulated at once, 8 consecutive output
  /// columns per lane: 16-byte stores of 16-bit outputs, weights loaded 16
  /// bytes along K per lane, a wavefront covers 512 columns, a block 2048
  /// (every lane has columns when n is a multiple of 512).
  static constexpr int kExpandRows = 16;
  static constexpr int kExpandRowStep = 4;
  static constexpr int kExpandThreadCols = 8;
};
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
/// Programmatic dependent launch (sm_90; launch.cuh sets the launch
/// attribute): a block may start while the previous grid in the stream
/// still runs, so before its first access to global memory it waits until
/// that grid has completed and its writes are visible, and then lets the
/// next grid start launching its blocks (they wait here in turn). Work on
/// registers and kernel parameters alone may come before it. Calling it
/// again costs little (the wait returns at once).
__device__ inline void await_previous_grids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}
/// Asks the L2 to fetch the 128-byte line holding `line` (a valid global
/// address). A hint with no effect on what any load returns: no data reaches
/// the SM, and the L2 is where every SM's reads and writes meet, so a line
/// fetched early is never stale. It may therefore come before
/// await_previous_grids, while the previous grid still runs.
__device__ inline void prefetch_l2(const void* line) {
  asm volatile("prefetch.global.L2 [%0];" ::"l"(line));
}
/// A 16-byte store marked as streaming (st.global.cs: the L2 evicts its line
/// first), for outputs written once and not read back by the kernel.
template <class V>
__device__ inline void store_evict_first(V* dst, const V& v) {
  __stcs(dst, v);
}
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

/// Tiles of the portable SIMT kernels (fp32, mixed dtypes and unaligned
/// operands on CUDA; the tensor-core kernels serve the rest), as verified on
/// the H100. The host computes launch grids from these values.
struct SimtTile {
  /// Shrink: 4 rows x 8 outputs per block; the threads split K.
  static constexpr int kShrinkRows = 4;
  static constexpr int kShrinkCols = 8;
  /// Expand: 16 rows per block, 4 accumulated at once, 8 consecutive output
  /// columns per thread (2048 per block).
  static constexpr int kExpandRows = 16;
  static constexpr int kExpandRowStep = 4;
  static constexpr int kExpandThreadCols = 8;
};
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
