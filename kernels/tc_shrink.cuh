// Tensor-core shrink (CUDA sm_80+, fp16/bf16 in and weights, fp32 accumulate).
//
// A block computes a BM x BN tile of y: BM rows (of one segment, or gathered
// tokens of one adapter) by BN of the R outputs. Its 8 warps form MW groups
// along the rows (BM / MW rows each) and KW = 8 / MW groups along K.
// Fragments come straight from global memory as 16-byte loads (see mma.cuh):
// each warp issues the loads of U chunks before their mmas, so enough bytes
// stay in flight without shared-memory staging (the decode-sized calls, where
// this beats tc_shrink_staged.cuh). Partial tiles are summed through shared
// memory (a slot per group along K, added after one barrier:
// finish_shrink_tile, which also serves the staged kernels) and rounded once
// on store. y is overwritten: no atomics, no zeroed buffer.
//
// Latency, not bandwidth, bounds the decode-sized calls, and two changes to
// the chain of work after the loads paid on the H100 (kernels/PERF_NOTES.md
// v11): four independent chains of mmas in place of one (decode_r16 shrink
// 6.27-6.35 -> 5.96-5.99 us), and the partial tiles added in one step in
// place of a tree of three (every shrink: prefill_r16 15.0 -> 14.8, prefill_r64
// 19.4 -> 18.9, decode_r16 6.0 -> 5.8, decode_r64 10.25 -> 9.95).
#pragma once

#include <cstdint>

#include "kernels/async_copy.cuh"
#include "kernels/metadata.cuh"
#include "kernels/mma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

/// Shape constants of one shrink kernel instance.
template <int BM, int BN, int MW>
struct ShrinkShape {
  static constexpr int kWarps = kBlockThreads / 32;
  static constexpr int KW = kWarps / MW;  // warp groups along K
  static constexpr int RM = BM / MW;      // rows per warp
  static constexpr int MT = RM / 16;      // m16 tiles per warp
  static constexpr int NT = BN / 8;       // n8 tiles
  // 32-wide k chunks loaded per iteration: about 128 registers of loads,
  // except for the 16 x 8 decode tile (3 loads per chunk), which loads 16
  // (192 registers; 250 in all, no spills, on sm_90): a warp's whole share of
  // K = 4096 in one round of loads, one memory latency instead of two
  // (decode_r16 6.67 -> 6.48 us on the H100, kernels/PERF_NOTES.md v9).
  static constexpr int kLoadsPerChunk = 2 * MT + NT;
  static constexpr int U =
      kLoadsPerChunk <= 3
          ? 16
          : (32 / kLoadsPerChunk < 2 ? 2 : (32 / kLoadsPerChunk > 8 ? 8 : 32 / kLoadsPerChunk));
  static constexpr int kSlots = KW;  // partial tiles in shared memory, one per warp group along K
  static_assert(MW * KW == kWarps && RM % 16 == 0 && BN % 8 == 0, "tile");
  static_assert(kSlots * BM * BN * 4 <= 36 * 1024, "shared memory");
};

/// Row copies of the staged shrinks (tc_shrink_staged.cuh, tc_shrink_wgmma.cuh).
/// The x row of row i of the tile; rows past the tile read its last row
/// (their products land in outputs that are never stored).
template <class S>
__device__ __forceinline__ const S* tile_x_row(const SliceArgs& sl, const RowTile& tile, int i) {
  const int row = i < tile.count ? i : tile.count - 1;
  return static_cast<const S*>(sl.in) + tile.row(row) * sl.in_row_stride;
}
/// The A row of output cc.n0 + j of adapter l; rows past the chunk read its
/// last row (never stored either).
template <class S>
__device__ __forceinline__ const S* chunk_a_row(const SliceArgs& sl, std::int64_t l,
                                                const ColumnChunk& cc, int j) {
  const std::int64_t n = cc.n0 + j < cc.n_end ? cc.n0 + j : cc.n_end - 1;
  return static_cast<const S*>(sl.w) + l * sl.w_stride_l + n * sl.w_stride_n;
}
/// The rows this thread copies in every K step of a staged shrink: rows
/// cr + i * kRowsPerRound of the step's rows, the tile's BM x rows first,
/// then the chunk's A rows.
template <class S, int BM, int kRowsPerRound, int kCopies>
__device__ __forceinline__ void step_rows(const Problem& p, std::int64_t l, const ColumnChunk& cc,
                                          const RowTile& tile, int cr, const S* (&src)[kCopies]) {
  const SliceArgs& sl = p.slice[cc.slice];
#pragma unroll
  for (int i = 0; i < kCopies; ++i) {
    const int r = cr + i * kRowsPerRound;
    src[i] = r < BM ? tile_x_row<S>(sl, tile, r) : chunk_a_row<S>(sl, l, cc, r - BM);
  }
}
/// Starts this thread's copies of one K step of a staged shrink: of each of
/// its rows src[i] (step_rows: row cr + i * kRowsPerRound of the step's
/// kRows, cr < kRowsPerRound), the 16-byte unit at element `at`, `bytes` of
/// it read and the rest zero-filled, to shared address dst + i *
/// kRowsPerRound * kRowBytes. The tile's x rows (the first BM) go under
/// `x_policy` when `hint_x`.
template <int BM, int kRows, int kRowsPerRound, int kRowBytes, class S, int kCopies>
__device__ __forceinline__ void copy_step_rows(std::uint32_t dst, const S* const (&src)[kCopies],
                                               int cr, std::int64_t at, int bytes, bool hint_x,
                                               std::uint64_t x_policy) {
#pragma unroll
  for (int i = 0; i < kCopies; ++i) {
    const int r = cr + i * kRowsPerRound;
    if constexpr (kRows % kRowsPerRound != 0) {
      if (r >= kRows) break;  // last round, past the rows
    }
    // Whether row r is an x row: known at compile time when the x rows fill
    // whole rounds (cr < kRowsPerRound).
    const bool x_row = BM % kRowsPerRound == 0 ? i < BM / kRowsPerRound : r < BM;
    const std::uint32_t to = dst + static_cast<std::uint32_t>(i * kRowsPerRound * kRowBytes);
    if (hint_x && x_row) {
      async::copy16(to, src[i] + at, bytes, x_policy);
    } else {
      async::copy16(to, src[i] + at, bytes);  // A: re-read by the other row tiles
    }
  }
}
/// Bytes a 16-byte copy of 2-byte elements at element k of a row of K
/// reads: 16 inside K, fewer at its end, 0 past it (cp.async zero-fills the
/// rest).
__device__ __forceinline__ int unit_bytes(std::int64_t K, std::int64_t k) {
  const std::int64_t left = K - k;  // elements of this unit inside the row
  return left <= 0 ? 0 : (left >= 8 ? 16 : 2 * static_cast<int>(left));
}
/// K in steps of KT for the staged shrinks: `count` steps, the first
/// `whole` of which lie wholly inside K (whole 16-byte copies, no bound to
/// check); only a step that reaches past K copies fewer bytes.
template <int KT>
struct KSteps {
  std::int64_t K;
  int count, whole;
  __device__ explicit KSteps(std::int64_t k_len)
      : K(k_len),
        count(static_cast<int>(ceil_div(k_len, KT))),
        whole(static_cast<int>(k_len / KT)) {}
};
/// Starts this thread's copies of K step `step` of a staged shrink, whose
/// unit starts at element k of its rows (copy_step_rows): whole 16-byte
/// units with no bound in the steps wholly inside K; in the last, the bytes
/// of the unit inside K, zero-filled past it.
template <int BM, int kRows, int kRowsPerRound, int kRowBytes, int KT, class S, int kCopies>
__device__ __forceinline__ void copy_step(const KSteps<KT>& steps, int step, std::int64_t k,
                                          std::uint32_t dst, const S* const (&src)[kCopies], int cr,
                                          bool hint_x, std::uint64_t x_policy) {
  if (step < steps.whole) {
    copy_step_rows<BM, kRows, kRowsPerRound, kRowBytes>(dst, src, cr, k, 16, hint_x, x_policy);
    return;
  }
  const int bytes = unit_bytes(steps.K, k);
  const std::int64_t at = bytes > 0 ? k : 0;  // no bytes: any address in the row
  copy_step_rows<BM, kRows, kRowsPerRound, kRowBytes>(dst, src, cr, at, bytes, hint_x, x_policy);
}

/// acc += more, element by element: the sums of two independent chains of
/// mmas over the same m16 x n8 tiles.
template <int MT, int NT>
__device__ __forceinline__ void add_tiles(float (&acc)[MT][NT][4], const float (&more)[MT][NT][4]) {
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
#pragma unroll
      for (int q = 0; q < 4; ++q) acc[mt][nt][q] += more[mt][nt][q];
    }
  }
}

/// The last step of every tensor-core shrink tile: `partial` holds KW
/// partial BM x BN tiles (row-major, one per warp group along K); a thread
/// per element adds the KW slots (always in the same order), scales, rounds
/// once and stores the rows of the tile that exist. The caller synchronised
/// the block after writing the slots.
template <int BM, int BN, int KW>
__device__ __forceinline__ void sum_and_store_tile(const Problem& p, const RowTile& tile,
                                                   const ColumnChunk& cc, const float* partial) {
  const SliceArgs& sl = p.slice[cc.slice];
  constexpr int kElems = BM * BN;
  for (int e = static_cast<int>(threadIdx.x); e < kElems; e += kBlockThreads) {
    const int row = e / BN, col = e % BN;
    if (row >= tile.count || cc.n0 + col >= cc.n_end) continue;
    float sum = 0.0f;
#pragma unroll
    for (int q = 0; q < KW; ++q) sum += partial[q * kElems + e];
    const std::int64_t off = tile.row(row) * p.out_row_stride + sl.out_col + cc.n0 + col;
    float v = p.scale * sum;
    if (p.add) v += load_dyn(p.out, p.out_dtype, off);
    store_dyn(p.out, p.out_dtype, off, v);
  }
}

/// The end of every tensor-core shrink tile: the partial sums of the KW
/// warp groups along K (acc, in mma C-fragment layout, warp group mw of MW
/// along the rows) are added through shared memory `partial` (KW tiles of
/// BM x BN floats, one per group), scaled and rounded once on store. y is
/// overwritten. Uniform across the block: it synchronises.
template <int BM, int BN, int MW, int MT, int NT>
__device__ __forceinline__ void finish_shrink_tile(const Problem& p, const RowTile& tile,
                                                   const ColumnChunk& cc, float (&acc)[MT][NT][4],
                                                   float* partial) {
  constexpr int kWarps = kBlockThreads / 32, KW = kWarps / MW, RM = BM / MW;
  static_assert(RM == MT * 16, "each warp group holds MT m16 tiles");
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;
  const int mw = warp / KW, kq = warp % KW;

  // Each warp group along K writes its sums to a slot of its own (its rows,
  // mw, of slot kq); after one barrier, a thread per element adds the KW
  // slots, always in the same order.
  auto each_fragment = [&](auto&& f) {
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
      for (int nt = 0; nt < NT; ++nt) {
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          const int row = mw * RM + mt * 16 + g + (q >= 2 ? 8 : 0);
          const int col = nt * 8 + 2 * c + (q & 1);
          f(acc[mt][nt][q], row * BN + col);
        }
      }
    }
  };
  constexpr int kElems = BM * BN;
  __syncthreads();  // the previous user of `partial` is done with it
  float* const own = partial + kq * kElems;
  each_fragment([&](float v, int idx) { own[idx] = v; });
  __syncthreads();
  sum_and_store_tile<BM, BN, KW>(p, tile, cc, partial);
}

/// The kernel body: one block per tile. CARRY: per-token tiles carried
/// across scan passes (TokenList).
template <class T, int BM, int BN, int MW, bool CARRY>
__device__ __forceinline__ void tc_shrink_body(const Problem& p) {
  using Shape = ShrinkShape<BM, BN, MW>;
  constexpr int KW = Shape::KW, MT = Shape::MT, NT = Shape::NT, U = Shape::U;
  using S = typename T::storage;
  __shared__ TokenList<CARRY> scratch;
  __shared__ float partial[Shape::kSlots][BM * BN];
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;
  const int mw = warp / KW, kq = warp % KW;

  for_each_tile<BM, BN>(p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
    const ColumnChunk cc = column_chunk(p, chunk, BN);
    const SliceArgs& sl = p.slice[cc.slice];
    const S* x_rows[MT][2];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int i = mw * Shape::RM + mt * 16 + h * 8 + g;
        x_rows[mt][h] = i < tile.count
                            ? static_cast<const S*>(sl.in) + tile.row(i) * sl.in_row_stride
                            : nullptr;
      }
    }
    const S* w_rows[NT];
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
      const std::int64_t n = cc.n0 + nt * 8 + g;
      w_rows[nt] = n < cc.n_end
                       ? static_cast<const S*>(sl.w) + l * sl.w_stride_l + n * sl.w_stride_n
                       : nullptr;
    }

    // Full 32-wide k chunks [0, full): warp group kq takes every KW-th,
    // U per iteration.
    const std::int64_t K = p.K, full = K / 32;
    // Four chains of mmas: the two halves of every chunk, of even and odd
    // chunks, add into sums of their own (part), so that an mma does not wait
    // for the one just before it (decode_r16 holds one m16 x n8 tile per warp).
    float part[4][MT][NT][4] = {};
    // U chunks per iteration, all loads before the mmas; the last iteration
    // may be partial (its dead chunks load nothing and multiply nothing).
    for (std::int64_t ch = kq; ch < full; ch += U * KW) {
      uint4 xs[U][MT][2], ws[U][NT];
#pragma unroll
      for (int u = 0; u < U; ++u) {
        const bool live = ch + u * KW < full;
        const std::int64_t k = (ch + u * KW) * 32 + 8 * c;
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            xs[u][mt][h] = load16<T>(live ? x_rows[mt][h] : nullptr, k);
          }
        }
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) ws[u][nt] = load16<T>(live ? w_rows[nt] : nullptr, k);
      }
#pragma unroll
      for (int u = 0; u < U; ++u) {
        if (ch + u * KW >= full) break;
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
          for (int nt = 0; nt < NT; ++nt) {
            mma_half32<T, 0>(part[2 * (u & 1)][mt][nt], xs[u][mt][0], xs[u][mt][1], ws[u][nt]);
            mma_half32<T, 1>(part[2 * (u & 1) + 1][mt][nt], xs[u][mt][0], xs[u][mt][1], ws[u][nt]);
          }
        }
      }
    }
    // (part 0 + part 1) + (part 2 + part 3), into part 0.
    add_tiles(part[0], part[1]);
    add_tiles(part[2], part[3]);
    add_tiles(part[0], part[2]);
    float(&acc)[MT][NT][4] = part[0];
    // The K % 32 tail, by one warp.
    if (K > full * 32 && kq == KW - 1) {
      std::int64_t k = full * 32;
      if (K - k >= 16) {
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          const uint2 a_lo = load8<T>(x_rows[mt][0], k + 4 * c);
          const uint2 a_hi = load8<T>(x_rows[mt][1], k + 4 * c);
#pragma unroll
          for (int nt = 0; nt < NT; ++nt) {
            mma_chunk16<T>(acc[mt][nt], a_lo, a_hi, load8<T>(w_rows[nt], k + 4 * c));
          }
        }
        k += 16;
      }
      if (k < K) {
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          const uint2 a_lo = load8_guarded<T>(x_rows[mt][0], k + 4 * c, K);
          const uint2 a_hi = load8_guarded<T>(x_rows[mt][1], k + 4 * c, K);
#pragma unroll
          for (int nt = 0; nt < NT; ++nt) {
            mma_chunk16<T>(acc[mt][nt], a_lo, a_hi, load8_guarded<T>(w_rows[nt], k + 4 * c, K));
          }
        }
      }
    }

    finish_shrink_tile<BM, BN, MW>(p, tile, cc, acc, &partial[0][0]);
  });
}

template <class T, int BM, int BN, int MW, bool CARRY>
__global__ void __launch_bounds__(kBlockThreads, 1) tc_shrink_kernel(const Problem p) {
  tc_shrink_body<T, BM, BN, MW, CARRY>(p);
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
