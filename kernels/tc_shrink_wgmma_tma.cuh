// The wgmma shrink (tc_shrink_wgmma.cuh) with its operands copied by the
// tensor memory accelerator (kernels/tma.cuh) in place of cp.async: the
// segment form, on compute capability 9.0.
//
// Why: with one block of 8 warps per SM, the cp.async kernel's K-step loop
// is bound by its own instruction stream (ncu on the H200, PERF_NOTES.md
// v15): every thread computes addresses for and issues 6 copies per step,
// waits on its own copy groups and fences them to the async proxy. Here one
// thread starts the step's four boxes (per 64-element slab: the tile's BM x
// rows, the chunk's A rows), which arrive already in the 128-byte-swizzled
// layout wgmma reads, and the warps wait on the stage's barrier: a step is
// a barrier, a wait and the wgmmas.
//
// On the H200 (PERF_NOTES.md v16) that pays where two blocks share an SM
// (8192 tokens 24.5 -> 23.5 us), with 128 outputs per block (R = 128 19.3
// -> 18.8) and where A rows past R fill the chunk (R = 48 17.2 -> 15.7:
// TMA fills them with zeros instead of reading), but one block of 64
// outputs per SM streams its steps slower than with cp.async (prefill_r64
// 14.7 -> 15.2, 1024 tokens 12.1 -> 13.4), so the tile policy keeps
// cp.async there.
//
// The same stages, slabs and wgmmas as the cp.async kernel (one shape,
// WgmmaShrinkShape). x rows past the tile are the next tokens of x (never
// stored) or, past T, zeros; A rows past R and elements past K arrive as
// zeros. The host encodes the two tensor maps per call from the Problem and
// launches the cp.async kernel where they cannot serve it
// (encode_shrink_maps in tensor_map.hpp says when).
#pragma once

#include <cuda.h>  // CUtensorMap

#include <cstdint>

#include "kernels/tc_shrink_wgmma.cuh"
#include "kernels/tma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

/// The one parameter of a TMA shrink kernel: the tensor maps of x (2-D:
/// K x T, boxes of 64 x BM) and A (3-D: K x n x L, boxes of 64 x BN x 1),
/// both 128-byte swizzled, and the Problem. A __grid_constant__ parameter,
/// so the maps stay in parameter space, where the copies may read them.
struct TmaShrinkParams {
  CUtensorMap x;
  CUtensorMap a;
  Problem p;
};

template <class T, int BM, int BN_, int KT, int STAGES, bool kXEvictFirst>
__device__ __forceinline__ void tc_shrink_wgmma_tma_body(const TmaShrinkParams& params) {
  using Shape = WgmmaShrinkShape<BM, BN_, KT, STAGES>;
  constexpr int BN = Shape::BN;
  const Problem& p = params.p;
  __shared__ TokenList<> scratch;
  __shared__ alignas(8) std::uint64_t full[STAGES];  // stage s holds its step's bytes
  extern __shared__ __align__(128) unsigned char smem_raw[];
  const int tid = static_cast<int>(threadIdx.x);
  const int group = tid / 128;
  const bool producer = tid == 0;  // starts every copy
  const WgmmaStages stages(smem_raw);
  const std::uint32_t full_base = async::smem_addr(full);
  auto barrier = [&](std::uint32_t stage) { return full_base + 8 * stage; };

  if (producer) {
    tma::prefetch_map(&params.x);  // parameters: safe before the previous grid ends
    tma::prefetch_map(&params.a);
#pragma unroll
    for (int s = 0; s < STAGES; ++s) tma::init_barrier(barrier(s), 1);
    tma::fence_barrier_init();
  }
  __syncthreads();
  const std::uint64_t x_policy = kXEvictFirst ? async::evict_first_policy() : 0;
  // K steps of the block's earlier tiles: step g of the block uses stage
  // g % STAGES, in that barrier's phase g / STAGES.
  std::uint32_t done = 0;

  for_each_tile<BM, BN>(p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
    const ColumnChunk cc = column_chunk(p, chunk, BN);
    // The host checked that rows, outputs and adapters fit the copies' 32-bit
    // coordinates; segment tiles are consecutive rows from tile.first.
    const int row0 = static_cast<int>(tile.first), n0 = static_cast<int>(cc.n0);
    const int adapter = static_cast<int>(l);
    const int steps = static_cast<int>(ceil_div(p.K, KT));
    auto issue = [&](int step) {  // the producer's: every slab of step `step`
      const std::uint32_t stage = (done + step) % STAGES;
      const std::uint32_t dst = stages.base + stage * Shape::kStageBytes;
      tma::arrive_expect_bytes(barrier(stage), Shape::kStageBytes);
#pragma unroll
      for (int slab = 0; slab < Shape::kSlabs; ++slab) {
        const int k = step * KT + slab * wgmma::kSlabK;
        const std::uint32_t at = dst + slab * Shape::kSlabBytes;
        tma::load_2d(at, &params.x, k, row0, barrier(stage), kXEvictFirst, x_policy);
        tma::load_3d(at + BM * wgmma::kRowBytes, &params.a, k, n0, adapter, barrier(stage));
      }
    };

    __syncthreads();  // the previous tile is done with shared memory
    if (producer) {
      for (int s = 0; s < STAGES - 1 && s < steps; ++s) issue(s);
    }
    float d[Shape::kAcc] = {};
#pragma unroll 1
    for (int step = 0; step < steps; ++step) {
      // Every warpgroup waited for its wgmmas of the step before: its stage
      // may be refilled.
      __syncthreads();
      const std::uint32_t g = done + step;
      tma::wait_phase(barrier(g % STAGES), (g / STAGES) & 1u);
      issue_step_wgmmas<T, Shape>(d, stages.desc, (g % STAGES) * Shape::kStageBytes, group);
      // The refill starts while the wgmmas run: started before them, it
      // delayed the producer's warpgroup, and so every step (1024 tokens
      // 14.1 -> 13.4 us on the H200, PERF_NOTES.md v16).
      if (producer && step + STAGES - 1 < steps) issue(step + STAGES - 1);
      wait_step_wgmmas<Shape>(d);
    }
    done += static_cast<std::uint32_t>(steps);
    store_wgmma_tile<Shape>(p, tile, cc, d, stages.partial);
    // The partial tiles were written through the generic proxy: ordered
    // before the next tile's copies into the same bytes.
    wgmma::fence_async_shared();
  });
}

template <class T, int BM, int BN, int KT, int STAGES, bool kXEvictFirst>
__global__ void __launch_bounds__(kBlockThreads, 1)
    tc_shrink_wgmma_tma_kernel(const __grid_constant__ TmaShrinkParams params) {
  tc_shrink_wgmma_tma_body<T, BM, BN, KT, STAGES, kXEvictFirst>(params);
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
