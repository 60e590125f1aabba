// Tensor-core shrink fed by bulk copies (CUDA sm_90): the staged shrink of
// tc_shrink_staged.cuh with its copies taken off the warps' instruction
// stream. Each K step, thread r (r < BM + BN) starts one bulk copy of row r's
// KT elements (x rows, then A rows) into shared memory, and thread 0 tells the
// stage's mbarrier how many bytes to expect; every thread then waits on the
// barrier's phase. One instruction moves KT * 2 bytes, where the cp.async
// path needs one per 16 bytes plus their address arithmetic (ncu put that
// kernel at about 180 instructions per warp per step, issue-bound).
//
// Rows in shared memory are KT * 2 + 64 bytes apart, so that rows g and g + 1
// start in opposite halves of the 32 banks: a quarter warp's fragment loads
// (rows g, g + 1; 16-byte units c) hit 8 distinct bank groups.
//
// Rows past the tile are not copied: their stale contents reach only output
// rows (x) or columns (A) that are not stored, since an mma output element
// depends on one row of each operand. Bulk copies need whole 16-byte steps,
// so this body serves K % KT == 0; tc_shrink_bulk_or_staged sends any other
// K to the cp.async body (which zero-fills the tail).
#pragma once

#include <cstdint>

#include "kernels/async_copy.cuh"
#include "kernels/tc_shrink_staged.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

/// Shape constants of one bulk-copy shrink kernel instance.
template <int BM, int BN, int KT, int STAGES>
struct BulkShrinkShape : StagedShrinkShape<BM, BN, KT, STAGES> {
  using Base = StagedShrinkShape<BM, BN, KT, STAGES>;
  static constexpr int kPitch = KT * 2 + 64;  // bytes between rows in shared memory
  static constexpr int kStageBytes = Base::kRows * kPitch;
  static constexpr int kSmemBytes =
      STAGES * kStageBytes > Base::kPartialBytes ? STAGES* kStageBytes : Base::kPartialBytes;
  static_assert(Base::kRows <= kBlockThreads, "one copying thread per row");
  static_assert(STAGES <= 8, "phase bits");
};

/// Dynamic shared memory of tc_shrink_bulk_or_staged (the larger layout).
template <int BM, int BN, int KT, int STAGES>
inline constexpr int kBulkShrinkSmem =
    BulkShrinkShape<BM, BN, KT, STAGES>::kSmemBytes > kStagedShrinkSmem<BM, BN, KT, STAGES>
        ? BulkShrinkShape<BM, BN, KT, STAGES>::kSmemBytes
        : kStagedShrinkSmem<BM, BN, KT, STAGES>;

template <class T, int BM, int BN, int KT, int STAGES, int CS>
__device__ __forceinline__ void tc_shrink_bulk_body(const Problem& p) {
  using Shape = BulkShrinkShape<BM, BN, KT, STAGES>;
  constexpr int MW = Shape::MW, KW = Shape::KW, MT = Shape::MT, NT = Shape::NT;
  constexpr int kPitch = Shape::kPitch, kRows = Shape::kRows;
  using S = typename T::storage;
  __shared__ TokenList scratch;
  __shared__ alignas(8) std::uint64_t stage_full[STAGES];  // one mbarrier per stage
  extern __shared__ __align__(128) unsigned char smem[];
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;
  const int mw = warp / KW, kq = warp % KW;
  const int rank = CS > 1 ? static_cast<int>(cluster::rank()) : 0;
  const std::uint32_t smem_base = async::smem_addr(smem);
  const std::uint32_t bar_base = async::smem_addr(stage_full);

  if (tid == 0) {
#pragma unroll
    for (int s = 0; s < STAGES; ++s) async::barrier_init(bar_base + 8u * s, 1u);
    async::barrier_init_fence();
  }
  __syncthreads();
  unsigned phases = 0;  // bit s: parity of the phase stage s completes next

  // Fragment loads: rows (mw * MT + mt) * 16 + h * 8 + g of x and
  // BM + nt * 8 + g of A, at 16-byte unit ch * 4 + c of the step.
  const std::uint32_t lane_x =
      smem_base + static_cast<std::uint32_t>((mw * MT * 16 + g) * kPitch + c * 16);
  const std::uint32_t lane_w = smem_base + static_cast<std::uint32_t>((BM + g) * kPitch + c * 16);

  for_each_tile<BM, BN, CS>(
      p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
        const ColumnChunk cc = column_chunk(p, chunk, BN);
        const SliceArgs& sl = p.slice[cc.slice];
        const std::int64_t K = p.K;

        // Thread tid < kRows copies row tid of every step (null: none).
        const S* src = nullptr;
        if (tid < BM) {
          if (tid < tile.count)
            src = static_cast<const S*>(sl.in) + tile.row(tid) * sl.in_row_stride;
        } else if (tid < kRows) {
          const std::int64_t n = cc.n0 + (tid - BM);
          if (n < cc.n_end) {
            src = static_cast<const S*>(sl.w) + l * sl.w_stride_l + n * sl.w_stride_n;
          }
        }
        const std::int64_t cols = cc.n_end - cc.n0;
        const int rows =
            (tile.count < BM ? tile.count : BM) + static_cast<int>(cols < BN ? cols : BN);
        const unsigned step_bytes = static_cast<unsigned>(rows) * KT * 2u;

        // This block's K steps [t_begin, t_end): the cluster splits them.
        const std::int64_t steps = K / KT;
        const std::int64_t per_block = ceil_div(steps, CS);
        const std::int64_t t_begin = static_cast<std::int64_t>(rank) * per_block;
        const std::int64_t t_end = t_begin + per_block < steps ? t_begin + per_block : steps;
        const int n_steps = t_end > t_begin ? static_cast<int>(t_end - t_begin) : 0;

        auto issue = [&](int step, int stage) {
          const std::uint32_t bar = bar_base + 8u * static_cast<std::uint32_t>(stage);
          if (tid == 0) async::barrier_arrive_expect(bar, step_bytes);
          if (src != nullptr) {
            async::bulk_copy(
                smem_base + static_cast<std::uint32_t>(stage * Shape::kStageBytes + tid * kPitch),
                src + (t_begin + step) * KT, KT * 2u, bar);
          }
        };

        __syncthreads();  // the previous tile is done with shared memory
#pragma unroll
        for (int s = 0; s < STAGES - 1; ++s) {
          if (s < n_steps) issue(s, s);
        }
        float acc[MT][NT][4] = {};
#pragma unroll 1
        for (int step = 0; step < n_steps; ++step) {
          const int stage = step % STAGES;
          async::barrier_wait(bar_base + 8u * static_cast<std::uint32_t>(stage),
                              (phases >> stage) & 1u);
          phases ^= 1u << stage;
          __syncthreads();  // every warp is done with the stage refilled below
          const std::uint32_t stage_off = static_cast<std::uint32_t>(stage * Shape::kStageBytes);
#pragma unroll 1
          for (int ch = kq; ch < Shape::kChunks; ch += KW) {
            const std::uint32_t unit = stage_off + static_cast<std::uint32_t>(ch * 64);
            uint4 a[MT][2];
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
              for (int h = 0; h < 2; ++h) {
                a[mt][h] = async::load_shared16(lane_x + unit + (mt * 16 + h * 8) * kPitch);
              }
            }
#pragma unroll
            for (int nt = 0; nt < NT; ++nt) {
              const uint4 b = async::load_shared16(lane_w + unit + nt * 8 * kPitch);
#pragma unroll
              for (int mt = 0; mt < MT; ++mt) mma_chunk32<T>(acc[mt][nt], a[mt][0], a[mt][1], b);
            }
          }
          const int next = step + STAGES - 1;
          if (next < n_steps) issue(next, next % STAGES);
        }
        finish_shrink_tile<BM, BN, MW, CS>(p, tile, cc, acc, reinterpret_cast<float*>(smem));
      });
}

/// Bulk copies when K is a whole number of steps, else the cp.async body.
template <class T, int BM, int BN, int KT, int STAGES, int CS>
__device__ __forceinline__ void tc_shrink_bulk_or_staged(const Problem& p) {
  if (p.K % KT == 0) {
    tc_shrink_bulk_body<T, BM, BN, KT, STAGES, CS>(p);
  } else {
    tc_shrink_staged_body<T, BM, BN, KT, STAGES, CS>(p);
  }
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
