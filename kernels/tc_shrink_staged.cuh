// Tensor-core shrink with a cp.async pipeline (CUDA sm_80+, fp16/bf16 x and
// A, fp32 accumulate): the shrink for every size the tile policy serves.
//
// A block computes a BM x BN tile of y (BM rows of one segment, or gathered
// tokens of one adapter; BN of the R outputs). K is walked in steps of KT:
// each step's x rows (BM x KT) and A rows (BN x KT) are copied to shared
// memory with 16-byte cp.async, STAGES - 1 steps ahead of the mma, so every
// block keeps (STAGES - 1) x (BM + BN) x KT x 2 bytes in flight with few
// registers. Each warp's global reads cover whole 128-byte lines of a row.
//
// The warps' partial tiles are summed through shared memory
// (finish_shrink_tile in tc_shrink.cuh). Rows past the tile copy its last row
// (and A rows past the chunk its last one): their products land in outputs
// that are never stored, so the copies of the steps that lie wholly inside K
// are whole 16-byte copies with no zero fill and no branch; only a step that
// reaches past K zero-fills the elements past it.
//
// Shared-memory layout of a step: BM x rows then BN A rows, KT elements each
// (KT / 8 units of 16 bytes); unit u of row r sits at u ^ (4 * (r & 1)), so
// the eight lanes of each quarter warp (rows g, g + 1; units c + 4j) read
// eight different 16-byte bank groups.
#pragma once

#include <cstdint>

#include "kernels/async_copy.cuh"
#include "kernels/tc_shrink.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

/// Shape constants of one staged shrink kernel instance.
template <int BM, int BN, int KT, int STAGES>
struct StagedShrinkShape {
  static constexpr int kWarps = kBlockThreads / 32;
  static constexpr int MW = BM / 16 < kWarps ? BM / 16 : kWarps;  // warp groups along rows
  static constexpr int KW = kWarps / MW;                          // warp groups along K
  static constexpr int MT = BM / 16 / MW;                         // m16 tiles per warp
  static constexpr int NT = BN / 8;                               // n8 tiles
  static constexpr int kChunks = KT / 32;                         // 32-wide k chunks per step
  static constexpr int kUnits = KT / 8;                           // 16-byte units per row
  static constexpr int kRows = BM + BN;
  static constexpr int kStageBytes = kRows * KT * 2;
  static constexpr int kCopies = (kRows * kUnits + kBlockThreads - 1) / kBlockThreads;
  static constexpr int kSlots = KW;  // finish_shrink_tile's partial tiles
  static constexpr int kPartialBytes = kSlots * BM * BN * 4;
  static constexpr int kSmemBytes =
      STAGES * kStageBytes > kPartialBytes ? STAGES* kStageBytes : kPartialBytes;
  static_assert(BM % 16 == 0 && BN % 8 == 0 && KT % 64 == 0 && STAGES >= 2, "tile");
  static_assert(MW * KW == kWarps && MT * 16 * MW == BM, "warp split");
};

template <class T, int BM, int BN, int KT, int STAGES, bool CARRY>
__device__ __forceinline__ void tc_shrink_staged_body(const Problem& p) {
  using Shape = StagedShrinkShape<BM, BN, KT, STAGES>;
  constexpr int MW = Shape::MW, KW = Shape::KW, MT = Shape::MT, NT = Shape::NT;
  constexpr int kUnits = Shape::kUnits, kCopies = Shape::kCopies;
  using S = typename T::storage;
  __shared__ TokenList<CARRY> scratch;
  extern __shared__ __align__(128) unsigned char smem[];
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;
  const int mw = warp / KW, kq = warp % KW;
  const std::uint32_t smem_base = async::smem_addr(smem);
  static_assert(kBlockThreads % kUnits == 0 && (kBlockThreads / kUnits) % 2 == 0,
                "a thread copies the same unit of rows of one parity");
  constexpr int kRowsPerRound = kBlockThreads / kUnits;
  constexpr int kRowBytes = KT * 2;

  // Copies: thread tid moves unit `cu` of rows cr + i * kRowsPerRound, in
  // every step (the rows all have the parity of cr, hence one swizzle).
  const int cu = tid % kUnits, cr = tid / kUnits;
  const std::uint32_t copy_dst =
      static_cast<std::uint32_t>(cr * kRowBytes + ((cu ^ ((cr & 1) << 2)) * 16));
  // Fragment loads: this lane reads rows (mw * MT + mt) * 16 + h * 8 + g of
  // x and BM + nt * 8 + g of A, all of the parity of g.
  const std::uint32_t lane_x =
      smem_base + static_cast<std::uint32_t>((mw * MT * 16 + g) * kRowBytes);
  const std::uint32_t lane_w = smem_base + static_cast<std::uint32_t>((BM + g) * kRowBytes);
  const int parity = g & 1;
  // The prefill tile of R <= 16 (BN <= 16, KT = 256), when the call has one
  // column chunk: each x row is read by one block alone, so its lines are
  // evicted first and A, which every row tile of a segment re-reads, keeps
  // its place in the L2. On the H100 (kernels/PERF_NOTES.md v10):
  // prefill_r16 15.47 -> 15.05 us. Elsewhere, plain copies: in 32 x 64 k256
  // the policy's register spilled and prefill_r64 was slower; the decode_r64
  // shrink (16 x 16 k512, 4 chunks) took 10.7 us against 10.3 with every
  // copy under an evict-normal policy, and 10.47 with the hint and its
  // branch compiled in but not taken.
  constexpr bool kHintX = BN <= 16 && KT == 256;
  const bool x_once = gridDim.y == 1;
  const std::uint64_t x_policy = kHintX ? async::evict_first_policy() : 0;

  for_each_tile<BM, BN>(p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
    const ColumnChunk cc = column_chunk(p, chunk, BN);
    // The rows this thread copies: x rows past the tile copy its last
    // row, A rows past the chunk its last column's (never stored).
    const S* src[kCopies];
    step_rows<S, BM, kRowsPerRound>(p, l, cc, tile, cr, src);
    const KSteps<KT> steps(p.K);
    const int n_steps = steps.count;

    auto issue = [&](int step, int stage) {
      const std::int64_t k = static_cast<std::int64_t>(step) * KT + cu * 8;
      const std::uint32_t dst =
          smem_base + static_cast<std::uint32_t>(stage * Shape::kStageBytes) + copy_dst;
      copy_step<BM, Shape::kRows, kRowsPerRound, kRowBytes>(steps, step, k, dst, src, cr,
                                                            kHintX && x_once, x_policy);
    };

    __syncthreads();  // the previous tile is done with shared memory
#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
      if (s < n_steps) issue(s, s);
      async::commit();
    }
    // Narrow tiles (few m16 x n8 tiles per warp) add the last half of
    // every chunk into a second set of sums, acc_hi: two chains of mmas
    // where one would make each mma wait for the one before.
    constexpr bool kTwoChains = MT * NT <= 2;
    float acc[MT][NT][4] = {}, acc_hi[kTwoChains ? MT : 1][kTwoChains ? NT : 1][4] = {};
#pragma unroll 1  // unrolling the steps only costs registers: the copies run ahead
    for (int step = 0; step < n_steps; ++step) {
      async::wait<STAGES - 2>();
      __syncthreads();  // step `step` is in shared memory for every warp
      const std::uint32_t stage_off =
          static_cast<std::uint32_t>((step % STAGES) * Shape::kStageBytes);
#pragma unroll 1
      for (int ch = kq; ch < Shape::kChunks; ch += KW) {
        // Unit ch * 4 + c, swizzled by the row parity (bit 2 of the unit).
        const std::uint32_t unit =
            stage_off + static_cast<std::uint32_t>(((ch ^ parity) * 4 + c) * 16);
        uint4 a[MT][2];
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            a[mt][h] = async::load_shared16(lane_x + unit + (mt * 16 + h * 8) * kRowBytes);
          }
        }
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) {
          const uint4 b = async::load_shared16(lane_w + unit + nt * 8 * kRowBytes);
#pragma unroll
          for (int mt = 0; mt < MT; ++mt) {
            if constexpr (kTwoChains) {
              mma_half32<T, 0>(acc[mt][nt], a[mt][0], a[mt][1], b);
              mma_half32<T, 1>(acc_hi[mt][nt], a[mt][0], a[mt][1], b);
            } else {
              mma_chunk32<T>(acc[mt][nt], a[mt][0], a[mt][1], b);
            }
          }
        }
      }
      // Refill the stage every warp finished with before this step's barrier.
      const int next = step + STAGES - 1;
      if (next < n_steps) issue(next, next % STAGES);
      async::commit();
    }
    async::wait<0>();
    if constexpr (kTwoChains) add_tiles(acc, acc_hi);
    finish_shrink_tile<BM, BN, MW>(p, tile, cc, acc, reinterpret_cast<float*>(smem));
  });
}

/// Bytes of dynamic shared memory of a staged shrink kernel.
template <int BM, int BN, int KT, int STAGES>
inline constexpr int kStagedShrinkSmem = StagedShrinkShape<BM, BN, KT, STAGES>::kSmemBytes;

/// CARRY: per-token tiles carried across scan passes (TokenList).
template <class T, int BM, int BN, int KT, int STAGES, bool CARRY>
__global__ void __launch_bounds__(kBlockThreads, 2) tc_shrink_staged_kernel(const Problem p) {
  tc_shrink_staged_body<T, BM, BN, KT, STAGES, CARRY>(p);
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
