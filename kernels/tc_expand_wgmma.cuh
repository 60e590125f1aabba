// Expand on the warpgroup tensor-core instructions (wgmma, CUDA sm_90a): the
// prefill expand of 32 <= R <= 64 on compute capability 9.0, where the
// mma.sync form (tc_expand.cuh) issues 16 mma per 16 x 32 outputs of each
// warp at R = 64 and their time shows (prefill_r64 17.4 us against 13.6 for
// R = 16, whose bytes differ by 4.5 MB; 15.0 here, kernels/PERF_NOTES.md v14).
//
// A block computes BM rows x 256 output columns: out = u B^T, u's 64-row
// m-tiles as wgmma's A (M = 64), the B slice as its B (N = 128 per
// warpgroup: warpgroup w takes columns 128 w ..), both K-major in shared
// memory under the 128-byte swizzle (kernels/wgmma.cuh), all of R in one
// slab of 64 (ranks below 64 zero-filled). The block copies its B slice
// once (32 KiB), then walks its m-tiles with their u rows copied STAGES - 1
// tiles ahead (cp.async, 8 KiB each); per m-tile, four wgmmas, then the
// accumulators go straight to global memory.
//
// The B slice's rows are stored permuted inside every 32 columns (row
// 32 J + 8 q + 2 c + e holds column 32 J + 8 c + 2 q + e) so that lane
// (g, c) of the accumulator layout ends up with 8 consecutive columns of
// its rows: one 16-byte store each (evict-first without add), no
// shared-memory pass. With add (ADD), the old outputs of the m-tile are
// loaded into registers while its wgmmas run; that takes the registers of
// a second block per SM.
//
// Rows past the tile copy its last row and B rows past the chunk its last
// column (never stored), as in the shrinks.
#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/async_copy.cuh"
#include "kernels/metadata.cuh"
#include "kernels/tc_expand.cuh"  // Out8
#include "kernels/wgmma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

/// Shape constants of one wgmma expand kernel instance.
template <int BM, int STAGES>
struct WgmmaExpandShape {
  static constexpr int kGroups = kBlockThreads / 128;        // warpgroups
  static constexpr int kGroupCols = 128;                     // wgmma N of each
  static constexpr int BN = kGroups * kGroupCols;            // columns per block
  static constexpr int kMTile = 64;                          // wgmma M: rows per m-tile
  static constexpr int kMaxRank = wgmma::kSlabK;             // R in one slab
  static constexpr int kBBytes = BN * wgmma::kRowBytes;      // the B slice
  static constexpr int kUBytes = kMTile * wgmma::kRowBytes;  // one m-tile of u
  static constexpr int kAlign = wgmma::kSwizzleBytes;        // slabs start on it
  static constexpr int kSmemBytes = kBBytes + STAGES * kUBytes + kAlign;
  static constexpr int kUnits = wgmma::kRowBytes / 16;          // 16-byte units per row
  static constexpr int kRowsPerRound = kBlockThreads / kUnits;  // rows per round of copies
  static constexpr int kBCopies = BN / kRowsPerRound;
  static constexpr int kUCopies = kMTile / kRowsPerRound;
  static_assert(BM % kMTile == 0 && STAGES >= 2, "tile");
  static_assert(kRowsPerRound % 8 == 0, "a thread copies rows of one swizzle phase");
  static_assert(BN % kRowsPerRound == 0 && kMTile % kRowsPerRound == 0, "whole rounds");
};

/// The column (inside the block's 256) that row `a` of the shared B slice
/// holds: bits 1-2 and 3-4 of `a` swapped (its own inverse).
__host__ __device__ constexpr int wgmma_expand_column(int a) {
  return (a & ~31) | (((a >> 1) & 3) << 3) | (((a >> 3) & 3) << 1) | (a & 1);
}
static_assert(wgmma_expand_column(2 * 1 + 8 * 2) == 8 * 1 + 2 * 2, "q and c swap");

template <class T, int BM, int STAGES, bool ADD>
__device__ __forceinline__ void tc_expand_wgmma_body(const Problem& p) {
  using Shape = WgmmaExpandShape<BM, STAGES>;
  constexpr int BN = Shape::BN, kMTile = Shape::kMTile, kRound = Shape::kRowsPerRound;
  constexpr int kColBlocks = Shape::kGroupCols / 32;  // 8 columns of each per lane
  using S = typename T::storage;
  __shared__ TokenList<> scratch;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  const int tid = static_cast<int>(threadIdx.x);
  const int group = tid / 128, warp = (tid % 128) / 32, lane = tid % 32;
  const int g = lane / 4, c = lane % 4;
  const std::uint32_t raw_base = async::smem_addr(smem_raw);
  const std::uint32_t b_base = raw_base + wgmma::swizzle_pad(raw_base);
  const std::uint32_t u_base = b_base + Shape::kBBytes;
  // Copies: thread tid moves unit cu of rows cr + i * kRound.
  const int cu = tid % Shape::kUnits, cr = tid / Shape::kUnits;
  const auto copy_dst = static_cast<std::uint32_t>(wgmma::swizzled(cr, cu));
  // 16-byte stores need every row's outputs 16-byte aligned (the columns
  // of a thread start at multiples of 8).
  const bool aligned = ((reinterpret_cast<std::uintptr_t>(p.out) |
                         static_cast<std::uintptr_t>(p.out_row_stride * sizeof(S))) &
                        15u) == 0;
  const bool scaled = p.scale != 1.0f;  // expand problems carry 1

  // Per-token form: the weights are asked for before the wait (metadata.cuh).
  for_each_tile<BM, BN, true>(
      p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
        const ColumnChunk cc = column_chunk(p, chunk, BN);
        const SliceArgs& sl = p.slice[cc.slice];
        const std::int64_t K = p.K;
        if (K > Shape::kMaxRank) return;  // not registered for this R (max_rank)
        // R % 8 == 0 (rank_step): a unit lies wholly inside R or past it.
        const int bytes = cu * 8 < K ? 16 : 0;
        const int at = bytes > 0 ? cu * 8 : 0;
        const int count = tile.count, m_tiles = (count + kMTile - 1) / kMTile;
        const S* const u = static_cast<const S*>(sl.in);
        auto copy_u = [&](int mt, int stage) {
          const std::uint32_t dst = u_base + static_cast<std::uint32_t>(stage * Shape::kUBytes);
#pragma unroll
          for (int i = 0; i < Shape::kUCopies; ++i) {
            const int r = mt * kMTile + cr + i * kRound;
            const S* row = u + tile.row(r < count ? r : count - 1) * sl.in_row_stride;
            async::copy16(
                dst + copy_dst + static_cast<std::uint32_t>(i * kRound * wgmma::kRowBytes),
                row + at, bytes);
          }
        };

        // Once the previous tile is done with shared memory: the B slice,
        // its rows permuted (wgmma_expand_column), in the first group of
        // copies with m-tile 0, then m-tiles 1 .. STAGES - 2 in a group each,
        // so that m-tile j is in group j (the refills in `issue` keep that).
        __syncthreads();
#pragma unroll
        for (int i = 0; i < Shape::kBCopies; ++i) {
          const int a = cr + i * kRound;
          std::int64_t n = cc.n0 + wgmma_expand_column(a);
          if (n >= cc.n_end) n = cc.n_end - 1;
          const S* row = static_cast<const S*>(sl.w) + l * sl.w_stride_l + n * sl.w_stride_n;
          async::copy16(
              b_base + copy_dst + static_cast<std::uint32_t>(i * kRound * wgmma::kRowBytes),
              row + at, bytes);
        }
#pragma unroll
        for (int s = 0; s < STAGES - 1; ++s) {
          if (s < m_tiles) copy_u(s, s);
          async::commit();
        }

        const std::uint32_t b_group =
            b_base + static_cast<std::uint32_t>(group * Shape::kGroupCols * wgmma::kRowBytes);
        // The operands' descriptors, advanced per stage and k16 step.
        const std::uint64_t u_desc = wgmma::descriptor(u_base);
        const std::uint64_t b_desc = wgmma::descriptor(b_group);
        S* const out = static_cast<S*>(p.out) + sl.out_col;
        const std::int64_t col0 = cc.n0 + group * Shape::kGroupCols + 8 * c;
        // This thread's 8 columns of each 32 (J): how many exist, whether
        // they take one 16-byte access.
        const std::int64_t left = cc.n_end - col0;
        const bool aligned_cols = aligned && (sl.out_col + col0) % 8 == 0;
        auto cols = [&](int J) {
          const std::int64_t here = left - 32 * J;
          return here <= 0 ? 0 : (here < 8 ? static_cast<int>(here) : 8);
        };
        auto vec = [&](int J) { return aligned_cols && cols(J) == 8; };
        // Rows 16 warp + g (+ 8) of m-tile mt (null: past the tile).
        auto row_of = [&](int mt, int h) -> S* {
          const int r = mt * kMTile + 16 * warp + g + 8 * h;
          return r < count ? out + tile.row(r) * p.out_row_stride + col0 : nullptr;
        };

        // Starts m-tile mt's wgmmas into d once its u rows are in shared
        // memory for every warp, then refills the stage of m-tile mt - 1,
        // whose wgmmas every warp has waited for before this barrier.
        auto issue = [&](int mt, float(&d)[64]) {
          async::wait<STAGES - 2>();
          wgmma::fence_async_shared();  // this thread's copies, to the wgmma proxy
          __syncthreads();
          // Byte offset of the stage from u_base.
          const auto a_tile = static_cast<std::uint32_t>((mt % STAGES) * Shape::kUBytes);
#pragma unroll
          for (int i = 0; i < 64; ++i) {
            d[i] = 0.0f;
            wgmma::pin(d[i]);
          }
          // All four k16 steps (zeros past R: no branch between the wgmmas).
          wgmma::fence();
#pragma unroll
          for (int kk = 0; kk < Shape::kMaxRank / 16; ++kk) {
            wgmma::mma_m64n128k16<T>(d, wgmma::advance(u_desc, a_tile + kk * 32),
                                     wgmma::advance(b_desc, kk * 32));
          }
          wgmma::commit();
          const int next = mt + STAGES - 1;
          if (next < m_tiles) copy_u(next, next % STAGES);
          async::commit();
        };
        // Stores m-tile mt from d (its wgmmas waited for), added to `old`
        // with add. Lane (g, c) holds, per 32 columns J, the 8 columns
        // 32 J + 8 c .. + 7 of its rows (the permuted B rows).
        auto finish = [&](int mt, float(&d)[64], const auto& old) {
#pragma unroll
          for (int i = 0; i < 64; ++i) wgmma::pin(d[i]);
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            S* const row = row_of(mt, h);
            if (row == nullptr) continue;
#pragma unroll
            for (int J = 0; J < kColBlocks; ++J) {
              if (cols(J) == 0) continue;
              float v[8];
#pragma unroll
              for (int q = 0; q < 4; ++q) {
#pragma unroll
                for (int e = 0; e < 2; ++e) v[2 * q + e] = d[16 * J + 4 * q + 2 * h + e];
              }
              if (scaled) {
#pragma unroll
                for (int m = 0; m < 8; ++m) v[m] *= p.scale;
              }
              if constexpr (ADD) {
#pragma unroll
                for (int m = 0; m < 8; ++m) v[m] += old[h][J].get(m);
              }
              // Evict-first without add (tc_expand.cuh says why).
              store8<T, !ADD>(row + 32 * J, vec(J), cols(J), v);
            }
          }
        };

#pragma unroll 1
        for (int mt = 0; mt < m_tiles; ++mt) {
          float d[64];
          issue(mt, d);
          // With add, the old outputs are loaded while the wgmmas run.
          struct NoOld {};
          std::conditional_t<ADD, Out8<T>[2][kColBlocks], NoOld> old;
          if constexpr (ADD) {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              S* const row = row_of(mt, h);
#pragma unroll
              for (int J = 0; J < kColBlocks; ++J) {
                old[h][J].load(row != nullptr && cols(J) > 0 ? row + 32 * J : nullptr, vec(J),
                               cols(J));
              }
            }
          }
          wgmma::wait<0>();
          finish(mt, d, old);
        }
        async::wait<0>();
      });
}

/// Bytes of dynamic shared memory of a wgmma expand kernel.
template <int BM, int STAGES>
inline constexpr int kWgmmaExpandSmem = WgmmaExpandShape<BM, STAGES>::kSmemBytes;

/// Blocks per SM a wgmma expand kernel is built for: 2 without add (128
/// registers: the 64 accumulators and the copies' addresses), 1 with add,
/// whose old outputs (32 registers) are in flight while the wgmmas run.
template <bool ADD>
inline constexpr int kWgmmaExpandBlocksPerSm = ADD ? 1 : 2;

template <class T, int BM, int STAGES, bool ADD>
__global__ void __launch_bounds__(kBlockThreads, kWgmmaExpandBlocksPerSm<ADD>)
    tc_expand_wgmma_kernel(const Problem p) {
  tc_expand_wgmma_body<T, BM, STAGES, ADD>(p);
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
