// Thread-block clusters (sm_90): rank, barrier and reads of another block's
// shared memory (distributed shared memory), as raw PTX so that this header
// compiles for every target; only kernels built for sm_90 may call these.
#pragma once

#include <cstdint>

#include "kernels/vendor.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu::cluster {

/// This block's rank within its cluster.
__device__ inline unsigned rank() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  unsigned r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
  return r;
#else
  return 0;
#endif
}

/// Barrier over every thread of every block of the cluster; orders their
/// shared-memory writes before the reads that follow it (release / acquire).
__device__ inline void sync() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;\n" ::
                   : "memory");
#else
  __trap();
#endif
}

/// Reads `local` (an address of this block's shared memory) in the shared
/// memory of block `block` of the cluster.
__device__ inline float load_remote(const float* local, unsigned block) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  const auto addr = static_cast<std::uint32_t>(__cvta_generic_to_shared(local));
  std::uint32_t remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(addr), "r"(block));
  float v;
  asm volatile("ld.shared::cluster.f32 %0, [%1];" : "=f"(v) : "r"(remote) : "memory");
  return v;
#else
  (void)local, (void)block;
  __trap();
  return 0.0f;
#endif
}

}  // namespace sgmv::gpu::cluster

#endif  // SGMV_CUDA_FAST_PATHS
