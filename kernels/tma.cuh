// The tensor memory accelerator (TMA, CUDA sm_90) and the shared-memory
// barriers its copies complete on (mbarrier), as raw PTX.
//
// One thread starts a copy of a whole box of a tensor (a CUtensorMap the
// host encoded: base address, sizes, strides, box size, swizzle) into
// shared memory with one instruction; the copy adds its bytes to a
// barrier's transaction count, and the threads that read the box wait on
// that barrier's phase. Elements of a box past the tensor's edges arrive as
// zeros. No per-thread address arithmetic, no cp.async group bookkeeping,
// and the data is written by the async proxy that wgmma also reads through,
// so no proxy fence stands between a copy and the wgmmas that read it.
//
// Only code compiled for sm_90 or newer executes these (SGMV_TMA below);
// elsewhere they trap, and nothing registers a kernel that calls them.
#pragma once

#include <cuda.h>  // CUtensorMap

#include <cstdint>

#include "kernels/vendor.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define SGMV_TMA 1
#endif

namespace sgmv::gpu::tma {

/// Sets up the barrier at shared address `bar` for `arrivals` arrivals per
/// phase. Before any other use: fence_barrier_init(), then a block barrier.
__device__ inline void init_barrier(std::uint32_t bar, int arrivals) {
#if defined(SGMV_TMA)
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(arrivals) : "memory");
#else
  (void)bar, (void)arrivals;
  __trap();
#endif
}

/// Makes the barriers this thread initialised visible to the copies.
__device__ inline void fence_barrier_init() {
#if defined(SGMV_TMA)
  asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
#endif
}

/// Arrives on barrier `bar` and adds `bytes` to the transaction count its
/// current phase waits for (the bytes of the copies about to complete on it).
__device__ inline void arrive_expect_bytes(std::uint32_t bar, std::uint32_t bytes) {
#if defined(SGMV_TMA)
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes)
               : "memory");
#else
  (void)bar, (void)bytes;
  __trap();
#endif
}

/// Waits until the phase of barrier `bar` with parity `parity` completed.
__device__ inline void wait_phase(std::uint32_t bar, std::uint32_t parity) {
#if defined(SGMV_TMA)
  asm volatile(
      "{\n"
      ".reg .pred done;\n"
      "WAIT:\n"
      "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
      "@!done bra WAIT;\n"
      "}\n" ::"r"(bar),
      "r"(parity)
      : "memory");
#else
  (void)bar, (void)parity;
  __trap();
#endif
}

/// Asks for the tensor map at `map` (a __grid_constant__ kernel parameter)
/// ahead of the first copy that uses it.
__device__ inline void prefetch_map(const CUtensorMap* map) {
#if defined(SGMV_TMA)
  asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<std::uint64_t>(map)) : "memory");
#else
  (void)map;
#endif
}

/// Copies the box of the 2-D tensor `map` at element coordinates (c0, c1)
/// (c0 the contiguous dimension) to shared address `dst`, completing on
/// barrier `bar`; under L2 policy `policy` when `hinted`.
__device__ inline void load_2d(std::uint32_t dst, const CUtensorMap* map, int c0, int c1,
                               std::uint32_t bar, bool hinted, std::uint64_t policy) {
#if defined(SGMV_TMA)
  const auto m = reinterpret_cast<std::uint64_t>(map);
  if (hinted) {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
        ".L2::cache_hint [%0], [%1, {%2, %3}], [%4], %5;\n" ::"r"(dst),
        "l"(m), "r"(c0), "r"(c1), "r"(bar), "l"(policy)
        : "memory");
  } else {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
        " [%0], [%1, {%2, %3}], [%4];\n" ::"r"(dst),
        "l"(m), "r"(c0), "r"(c1), "r"(bar)
        : "memory");
  }
#else
  (void)dst, (void)map, (void)c0, (void)c1, (void)bar, (void)hinted, (void)policy;
  __trap();
#endif
}

/// Copies the box of the 3-D tensor `map` at (c0, c1, c2) to shared address
/// `dst`, completing on barrier `bar`.
__device__ inline void load_3d(std::uint32_t dst, const CUtensorMap* map, int c0, int c1, int c2,
                               std::uint32_t bar) {
#if defined(SGMV_TMA)
  asm volatile(
      "cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
      " [%0], [%1, {%2, %3, %4}], [%5];\n" ::"r"(dst),
      "l"(reinterpret_cast<std::uint64_t>(map)), "r"(c0), "r"(c1), "r"(c2), "r"(bar)
      : "memory");
#else
  (void)dst, (void)map, (void)c0, (void)c1, (void)c2, (void)bar;
  __trap();
#endif
}

}  // namespace sgmv::gpu::tma

#endif  // SGMV_CUDA_FAST_PATHS
