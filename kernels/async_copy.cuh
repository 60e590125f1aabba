// Asynchronous global -> shared copies (cp.async, CUDA sm_80+) and 16-byte
// shared-memory loads, as raw PTX so that this header compiles for every
// target; only kernels registered for sm_80+ builds call these.
//
// A copy moves 16 bytes of which only the first `src_bytes` are read from
// global memory; the rest of the 16 are zero-filled. Short rows (K % 8 != 0)
// and rows past a tile are therefore loaded without any branch in the
// consumer: they read as zeros.
#pragma once

#include <cstdint>

#include "kernels/vendor.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu::async {

/// Shared-memory address (the 32-bit form the PTX instructions take).
__device__ inline std::uint32_t smem_addr(const void* p) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

/// Starts a 16-byte copy to shared address `dst` from `src` (16-byte aligned),
/// reading src_bytes (0..16) and zero-filling the rest. Cached in L2 only.
__device__ inline void copy16(std::uint32_t dst, const void* src, int src_bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src),
               "r"(src_bytes)
               : "memory");
#else
  (void)dst, (void)src, (void)src_bytes;
  __trap();
#endif
}

/// An L2 policy under which the lines a copy brings in are evicted first
/// (for data read once).
__device__ inline std::uint64_t evict_first_policy() {
  std::uint64_t policy = 0;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;\n" : "=l"(policy));
#endif
  return policy;
}

/// copy16 under an L2 policy (evict_first_policy).
__device__ inline void copy16(std::uint32_t dst, const void* src, int src_bytes,
                              std::uint64_t policy) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, %2, %3;\n" ::"r"(dst),
               "l"(src), "r"(src_bytes), "l"(policy)
               : "memory");
#else
  (void)dst, (void)src, (void)src_bytes, (void)policy;
  __trap();
#endif
}

/// Closes the group of copies started since the last commit.
__device__ inline void commit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

/// Waits until at most N committed groups of this thread are still in flight.
template <int N>
__device__ inline void wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
#endif
}

/// 16 bytes of shared memory at shared address `addr`.
__device__ inline uint4 load_shared16(std::uint32_t addr) {
  uint4 v;
  asm volatile("ld.shared.v4.u32 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "r"(addr));
  return v;
}

}  // namespace sgmv::gpu::async

#endif  // SGMV_CUDA_FAST_PATHS
