// Tensor-core shrink (CUDA sm_80+, fp16/bf16 in and weights, fp32 accumulate).
//
// A block computes a BM x BN tile of y: BM rows (of one segment, or gathered
// tokens of one adapter) by BN of the R outputs. Its 8 warps form MW groups
// along the rows (BM / MW rows each) and KW = 8 / MW groups along K; the
// blocks of a cluster of CS (sm_90 only) split K further. Fragments come
// straight from global memory as 16-byte loads (see mma.cuh), x several
// chunks ahead of use (a register ring of depth D) and A one chunk ahead, so
// enough bytes stay in flight without shared-memory staging. Partial tiles
// are summed through shared memory (a tree over the KW groups), then across
// the cluster through distributed shared memory, and rounded once on store.
// y is overwritten: no atomics, no zeroed buffer.
#pragma once

#include <cstdint>

#include "kernels/cluster.cuh"
#include "kernels/metadata.cuh"
#include "kernels/mma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

/// Shape constants of one shrink kernel instance.
template <int BM, int BN, int MW, int CS>
struct ShrinkShape {
  static constexpr int kWarps = kBlockThreads / 32;
  static constexpr int KW = kWarps / MW;                  // warp groups along K
  static constexpr int RM = BM / MW;                      // rows per warp
  static constexpr int MT = RM / 16;                      // m16 tiles per warp
  static constexpr int NT = BN / 8;                       // n8 tiles
  static constexpr int D = (MT >= 2 && NT >= 8) ? 2 : 4;  // x prefetch depth (chunks)
  static constexpr int kSlots = KW > 1 ? KW / 2 : 1;      // partial tiles in shared memory
  static_assert(MW * KW == kWarps && RM % 16 == 0 && BN % 8 == 0, "tile");
  static_assert(kSlots * BM * BN * 4 <= 36 * 1024, "shared memory");
};

/// The kernel body; CS > 1 only in kernels compiled for sm_90 with
/// __cluster_dims__(CS, 1, 1) (tc_shrink_cluster_variants_sm90.cu).
template <class T, int BM, int BN, int MW, int CS>
__device__ __forceinline__ void tc_shrink_body(const Problem& p) {
  using Shape = ShrinkShape<BM, BN, MW, CS>;
  constexpr int KW = Shape::KW, MT = Shape::MT, NT = Shape::NT, D = Shape::D;
  using S = typename T::storage;
  __shared__ TokenList scratch;
  __shared__ float partial[Shape::kSlots][BM * BN];
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;
  const int mw = warp / KW, kq = warp % KW;
  const unsigned rank = CS > 1 ? cluster::rank() : 0u;

  for_each_tile<BM, BN, CS>(
      p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
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

        // This warp's 32-wide k chunks: c_first + i * KW for i < count, inside
        // this block's share [c_begin, c_end) of the ceil(K / 32) chunks.
        const std::int64_t K = p.K, chunks = ceil_div(K, 32);
        const std::int64_t per_block = ceil_div(chunks, CS);
        const std::int64_t c_begin = static_cast<std::int64_t>(rank) * per_block;
        const std::int64_t c_end = c_begin + per_block < chunks ? c_begin + per_block : chunks;
        const std::int64_t c_first = c_begin + kq;
        const std::int64_t count = c_first < c_end ? ceil_div(c_end - c_first, KW) : 0;
        const bool ragged = K % 32 != 0;

        auto load_x = [&](std::int64_t i, uint4(&xs)[MT][2]) {
          const std::int64_t ch = c_first + i * KW;
          const std::int64_t k = ch * 32 + 8 * c;
          const bool live = i < count, partial = ragged && ch == chunks - 1;
#pragma unroll
          for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              xs[mt][h] =
                  live ? load_chunk<T>(x_rows[mt][h], k, K, partial) : make_uint4(0, 0, 0, 0);
            }
          }
        };
        auto load_w = [&](std::int64_t i, uint4(&ws)[NT]) {
          const std::int64_t ch = c_first + i * KW;
          const std::int64_t k = ch * 32 + 8 * c;
          const bool live = i < count, partial = ragged && ch == chunks - 1;
#pragma unroll
          for (int nt = 0; nt < NT; ++nt) {
            ws[nt] = live ? load_chunk<T>(w_rows[nt], k, K, partial) : make_uint4(0, 0, 0, 0);
          }
        };

        float acc[MT][NT][4] = {};
        uint4 xr[D][MT][2], wa[NT], wb[NT];
#pragma unroll
        for (int s = 0; s < D; ++s) load_x(s, xr[s]);
        load_w(0, wa);
        for (std::int64_t i0 = 0; i0 < count; i0 += D) {
#pragma unroll
          for (int s = 0; s < D; ++s) {
            const std::int64_t i = i0 + s;
            if (i < count) {
              load_w(i + 1, wb);  // A one chunk ahead (mostly L2 / L1 hits)
#pragma unroll
              for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
                for (int nt = 0; nt < NT; ++nt) {
                  mma_chunk32<T>(acc[mt][nt], xr[s][mt][0], xr[s][mt][1], wa[nt]);
                }
              }
              load_x(i + D, xr[s]);  // refill the ring: x D chunks ahead
#pragma unroll
              for (int nt = 0; nt < NT; ++nt) wa[nt] = wb[nt];
            }
          }
        }

        // Sum over the KW warp groups: a tree through the partial slots. Each
        // warp writes and reads only its own rows (mw) of a slot.
        auto each_fragment = [&](auto&& f) {
#pragma unroll
          for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
            for (int nt = 0; nt < NT; ++nt) {
#pragma unroll
              for (int q = 0; q < 4; ++q) {
                const int row = mw * Shape::RM + mt * 16 + g + (q >= 2 ? 8 : 0);
                const int col = nt * 8 + 2 * c + (q & 1);
                f(acc[mt][nt][q], row * BN + col);
              }
            }
          }
        };
        __syncthreads();  // the previous tile's reads of `partial` are done
#pragma unroll
        for (int half = KW / 2; half >= 1; half /= 2) {
          if (kq >= half && kq < 2 * half) {
            float* slot = partial[kq - half];
            each_fragment([&](float v, int idx) { slot[idx] = v; });
          }
          __syncthreads();
          if (kq < half) {
            const float* slot = partial[kq];
            each_fragment([&](float& v, int idx) { v += slot[idx]; });
          }
          __syncthreads();
        }
        if (kq == 0) each_fragment([&](float v, int idx) { partial[0][idx] = v; });
        if constexpr (CS > 1) {
          cluster::sync();  // every block's tile sum is in its partial[0]
        } else {
          __syncthreads();
        }

        // Block `rank` of the cluster finishes elements [e0, e1) of the tile.
        constexpr int kElems = BM * BN, kPer = (kElems + CS - 1) / CS;
        const int e0 = static_cast<int>(rank) * kPer;
        const int e1 = e0 + kPer < kElems ? e0 + kPer : kElems;
        for (int e = e0 + tid; e < e1; e += kBlockThreads) {
          const int row = e / BN, col = e % BN;
          if (row >= tile.count || cc.n0 + col >= cc.n_end) continue;
          float sum = partial[0][e];
          if constexpr (CS > 1) {
#pragma unroll
            for (int b = 0; b < CS; ++b) {
              if (b != static_cast<int>(rank)) sum += cluster::load_remote(&partial[0][e], b);
            }
          }
          const std::int64_t off = tile.row(row) * p.out_row_stride + sl.out_col + cc.n0 + col;
          float v = p.scale * sum;
          if (p.add) v += load_dyn(p.out, p.out_dtype, off);
          store_dyn(p.out, p.out_dtype, off, v);
        }
        if constexpr (CS > 1)
          cluster::sync();  // keep partial[0] alive until every block has read it
      });
}

template <class T, int BM, int BN, int MW>
__global__ void __launch_bounds__(kBlockThreads) tc_shrink_kernel(const Problem p) {
  tc_shrink_body<T, BM, BN, MW, 1>(p);
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
