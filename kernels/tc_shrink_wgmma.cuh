// Shrink on the warpgroup tensor-core instructions (wgmma, CUDA sm_90a):
// the prefill tiles of R > 32 on compute capability 9.0, where the mma.sync
// form (tc_shrink_staged.cuh) is bound by the SMs' instruction stream.
//
// A block computes BM tokens x BN outputs of y, as y^T = A x^T: 64 rows of
// A are wgmma's M = 64, the BM tokens its N, both operands K-major in
// shared memory. K is walked in steps of KT (KT / 64
// slabs of 64 elements): each step's A and x rows are copied with 16-byte
// cp.async, STAGES - 1 steps ahead, into the 128-byte-swizzled layout that
// wgmma reads (kernels/wgmma.cuh). With BN = 64 the block's two
// warpgroups take the even and the odd slabs of every step and their
// partial tiles are added through shared memory (sum_and_store_tile); with
// BN = 128 each takes 64 of the outputs over every slab, so x is read once
// per 128 outputs (R = 128 on the H100: 25.9 -> 21.9 us, PERF_NOTES.md
// v13). One wgmma replaces 16 mma.sync and their fragment loads, so the
// instruction stream stays short.
//
// On the H100 (kernels/PERF_NOTES.md v12), against the staged 32 x 64
// tiles: prefill_r64 18.94 -> 18.39 us, 2048 tokens 16.74 -> 13.68, 8192
// tokens 31.8 -> 30.85; 64-row tiles (64 blocks) and clusters of 2 or 4
// blocks splitting K were slower (19.85-28.6 us on prefill_r64).
//
// Rows past the tile copy its last row and A rows past the chunk its last
// one (never stored), as in the staged kernel; only a step that reaches
// past K zero-fills the elements past it.
//
// With one block of 8 warps per SM, the K-step loop is bound by its own
// instruction stream (ncu on the H200, PERF_NOTES.md v15: a third of the
// warps' stall samples wait on fixed-latency dependencies), so a step does
// little besides its copies and wgmmas: descriptors are advanced from one
// base (wgmma::advance), the steps wholly inside K copy whole units with no
// bound, and which rows are x rows is known at compile time. On the H200:
// prefill_r64 15.66 -> 14.75 us, R = 128 21.4 -> 19.3, 1024 tokens 13.15
// -> 12.14.
//
// kXEvictFirst: x is copied under an L2 evict-first policy (each x row is
// read by one block when the call has one column chunk), which the tile
// policy asks for where it paid on the H100 (tile_policy.cu).
#pragma once

#include <cstdint>

#include "kernels/async_copy.cuh"
#include "kernels/tc_shrink.cuh"
#include "kernels/wgmma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

/// Shape constants of one wgmma shrink kernel instance: BN = 64 outputs,
/// whose K slabs the two warpgroups split, or BN = 128, 64 per warpgroup.
template <int BM_, int BN_, int KT, int STAGES>
struct WgmmaShrinkShape {
  static constexpr int BM = BM_;                       // tokens per block
  static constexpr int BN = BN_;                       // outputs per block
  static constexpr int kAcc = BM / 2;                  // accumulators per thread (m64 x BM)
  static constexpr int kGroups = kBlockThreads / 128;  // warpgroups
  static constexpr bool kSplitK = BN == 64;  // the warpgroups split the slabs, else the outputs
  static constexpr int kSlabs = KT / wgmma::kSlabK;                        // slabs per step
  static constexpr int kGroupSlabs = kSplitK ? kSlabs / kGroups : kSlabs;  // per warpgroup
  static constexpr int kSlots = kSplitK ? kGroups : 1;  // partial tiles summed at the end
  static constexpr int kRows = BM + BN;                 // x rows, then A rows, per slab
  static constexpr int kSlabBytes = kRows * wgmma::kRowBytes;
  static constexpr int kStageBytes = kSlabs * kSlabBytes;
  static constexpr int kUnits = KT / 8;  // 16-byte units per row and step
  static constexpr int kRowsPerRound = kBlockThreads / kUnits;
  static constexpr int kCopies = (kRows + kRowsPerRound - 1) / kRowsPerRound;
  static constexpr int kPartialBytes = kSlots * BM * BN * 4;
  static constexpr int kAlign = wgmma::kSwizzleBytes;  // slabs start on it
  static constexpr int kSmemBytes =
      (STAGES * kStageBytes > kPartialBytes ? STAGES * kStageBytes : kPartialBytes) + kAlign;
  static_assert(BM == 32, "wgmma N: kernels/wgmma.cuh has m64n32k16");
  static_assert(BN == 64 * (kSplitK ? 1 : kGroups), "wgmma's M is 64 outputs per warpgroup");
  static_assert(!kSplitK || kSlabs % kGroups == 0, "every warpgroup takes as many slabs");
  static_assert(kSlabBytes % kAlign == 0 && (BM * wgmma::kRowBytes) % kAlign == 0, "alignment");
  static_assert(kBlockThreads % kUnits == 0 && kRowsPerRound % 8 == 0,
                "a thread copies rows of one swizzle phase");
};

/// Where a wgmma shrink's stages lie in its dynamic shared memory `raw`:
/// from the first multiple of the swizzle's 1024-byte period (operands
/// start on it), whose descriptor the wgmmas advance; the partial tiles of
/// the end of a tile reuse the same bytes.
struct WgmmaStages {
  std::uint32_t base;  // shared address
  std::uint64_t desc;  // wgmma::descriptor(base)
  float* partial;
  __device__ explicit WgmmaStages(unsigned char* raw) {
    const std::uint32_t raw_base = async::smem_addr(raw);
    const std::uint32_t pad = wgmma::swizzle_pad(raw_base);
    base = raw_base + pad;
    desc = wgmma::descriptor(base);
    partial = reinterpret_cast<float*>(raw + pad);
  }
};

/// Issues this warpgroup's wgmmas of one K step on the stage at byte offset
/// `stage` from the operands' base (which `smem_desc` describes) and closes
/// their group. Split K: this warpgroup's slabs, all 64 A rows; else every
/// slab, this warpgroup's 64 A rows.
template <class T, class Shape>
__device__ __forceinline__ void issue_step_wgmmas(float (&d)[Shape::kAcc], std::uint64_t smem_desc,
                                                  std::uint32_t stage, int group) {
#pragma unroll
  for (int i = 0; i < Shape::kAcc; ++i) wgmma::pin(d[i]);
  wgmma::fence();
#pragma unroll
  for (int s = 0; s < Shape::kGroupSlabs; ++s) {
    const int slab = Shape::kSplitK ? s * Shape::kGroups + group : s;
    const int a_row = Shape::BM + (Shape::kSplitK ? 0 : 64 * group);
    // Byte offsets from the base of the x rows (b) and the A rows (a).
    const std::uint32_t b = stage + static_cast<std::uint32_t>(slab * Shape::kSlabBytes);
    const std::uint32_t a = b + static_cast<std::uint32_t>(a_row * wgmma::kRowBytes);
#pragma unroll
    for (int kk = 0; kk < wgmma::kSlabK / 16; ++kk) {
      wgmma::mma_m64n32k16<T>(d, wgmma::advance(smem_desc, a + kk * 32),
                              wgmma::advance(smem_desc, b + kk * 32));
    }
  }
  wgmma::commit();
}

/// Waits for this warpgroup's wgmmas of the step.
template <class Shape>
__device__ __forceinline__ void wait_step_wgmmas(float (&d)[Shape::kAcc]) {
  wgmma::wait<0>();
#pragma unroll
  for (int i = 0; i < Shape::kAcc; ++i) wgmma::pin(d[i]);
}

/// The end of a wgmma shrink tile, once every warpgroup waited for its last
/// wgmmas: d holds rows (outputs) 16 warp + g (+ 8) and columns (tokens)
/// 8 j + 2 c (+ 1) of y^T, written to this warpgroup's slot of `partial`
/// (over the stages) as y rows, then summed over the slots, scaled and
/// stored. Uniform across the block: it synchronises.
template <class Shape>
__device__ __forceinline__ void store_wgmma_tile(const Problem& p, const RowTile& tile,
                                                 const ColumnChunk& cc,
                                                 const float (&d)[Shape::kAcc], float* partial) {
  constexpr int BM = Shape::BM, BN = Shape::BN;
  const int tid = static_cast<int>(threadIdx.x);
  const int group = tid / 128, warp = (tid % 128) / 32, lane = tid % 32;
  const int g = lane / 4, c = lane % 4;
  __syncthreads();  // every warpgroup is done with the stages
  float* const own = partial + (Shape::kSplitK ? group * BM * BN : 0);
  const int first_out = Shape::kSplitK ? 0 : 64 * group;
#pragma unroll
  for (int i = 0; i < Shape::kAcc; ++i) {
    const int out = first_out + 16 * warp + g + ((i & 2) != 0 ? 8 : 0);
    const int token = 8 * (i / 4) + 2 * c + (i & 1);
    own[token * BN + out] = d[i];
  }
  __syncthreads();
  sum_and_store_tile<BM, BN, Shape::kSlots>(p, tile, cc, partial);
}

template <class T, int BM, int BN_, int KT, int STAGES, bool kXEvictFirst>
__device__ __forceinline__ void tc_shrink_wgmma_body(const Problem& p) {
  using Shape = WgmmaShrinkShape<BM, BN_, KT, STAGES>;
  constexpr int BN = Shape::BN, kUnits = Shape::kUnits, kCopies = Shape::kCopies;
  constexpr int kRowsPerRound = Shape::kRowsPerRound;
  using S = typename T::storage;
  __shared__ TokenList<> scratch;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  const int tid = static_cast<int>(threadIdx.x);
  const int group = tid / 128;
  const WgmmaStages stages(smem_raw);
  const std::uint32_t smem_base = stages.base;

  // Copies: thread tid moves unit `cu` (slab cu / 8, unit cu % 8 of its row)
  // of rows cr + i * kRowsPerRound, all of one swizzle phase (cr % 8).
  const int cu = tid % kUnits, cr = tid / kUnits;
  const std::uint32_t copy_dst =
      static_cast<std::uint32_t>((cu / 8) * Shape::kSlabBytes + wgmma::swizzled(cr, cu % 8));

  const std::uint64_t x_policy = kXEvictFirst ? async::evict_first_policy() : 0;

  for_each_tile<BM, BN>(p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
    const ColumnChunk cc = column_chunk(p, chunk, BN);
    // Rows 0 .. BM - 1 of a slab are the tile's x rows, BM .. BM + BN - 1
    // A's (rows past the tile or the chunk: its last one).
    const S* src[kCopies];
    step_rows<S, BM, kRowsPerRound>(p, l, cc, tile, cr, src);
    const KSteps<KT> k_steps(p.K);
    const int steps = k_steps.count;
    auto issue = [&](int step, int stage) {
      const std::int64_t k = static_cast<std::int64_t>(step) * KT + cu * 8;
      const std::uint32_t dst =
          smem_base + static_cast<std::uint32_t>(stage * Shape::kStageBytes) + copy_dst;
      copy_step<BM, Shape::kRows, kRowsPerRound, wgmma::kRowBytes>(k_steps, step, k, dst, src, cr,
                                                                   kXEvictFirst, x_policy);
    };

    __syncthreads();  // the previous tile is done with shared memory
#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
      if (s < steps) issue(s, s);
      async::commit();
    }
    float d[Shape::kAcc] = {};
#pragma unroll 1
    for (int step = 0; step < steps; ++step) {
      async::wait<STAGES - 2>();
      wgmma::fence_async_shared();  // this thread's copies, to the wgmma proxy
      __syncthreads();              // step `step` is in shared memory for every warp
      issue_step_wgmmas<T, Shape>(
          d, stages.desc, static_cast<std::uint32_t>((step % STAGES) * Shape::kStageBytes), group);
      // Refill the stage every warpgroup finished with before this step's
      // barrier (each waits for its wgmmas at the end of a step).
      const int next = step + STAGES - 1;
      if (next < steps) issue(next, next % STAGES);
      async::commit();
      wait_step_wgmmas<Shape>(d);
    }
    async::wait<0>();
    store_wgmma_tile<Shape>(p, tile, cc, d, stages.partial);
  });
}

/// Bytes of dynamic shared memory of a wgmma shrink kernel.
template <int BM, int BN, int KT, int STAGES>
inline constexpr int kWgmmaShrinkSmem = WgmmaShrinkShape<BM, BN, KT, STAGES>::kSmemBytes;

template <class T, int BM, int BN, int KT, int STAGES, bool kXEvictFirst>
__global__ void __launch_bounds__(kBlockThreads, 1) tc_shrink_wgmma_kernel(const Problem p) {
  tc_shrink_wgmma_body<T, BM, BN, KT, STAGES, kXEvictFirst>(p);
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
