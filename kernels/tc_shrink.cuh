// Tensor-core shrink (CUDA sm_80+, fp16/bf16 in and weights, fp32 accumulate):
// a block computes a BM x BN tile of y (rows of one segment or gathered
// tokens of one adapter, BN of the R outputs). Its 8 warps split K in
// 32-wide chunks, each accumulating the whole tile in registers from 16-byte
// global loads (see mma.cuh); a shared-memory reduction sums the warps and
// rounds once on store. y is overwritten: no atomics, no zeroed buffer.
#pragma once

#include <cstdint>

#include "kernels/metadata.cuh"
#include "kernels/mma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

template <class T, int BM, int BN>
__global__ void __launch_bounds__(kBlockThreads) tc_shrink_kernel(const Problem p) {
  constexpr int kWarps = kBlockThreads / 32;
  static_assert(kWarps == 8, "the reduction below pairs warps 4..7 with 0..3");
  static_assert(BM % 16 == 0 && BN % 8 == 0 && BM * BN <= 2048, "tile");
  constexpr int MT = BM / 16, NT = BN / 8;
  using S = typename T::storage;
  __shared__ TokenList scratch;
  __shared__ float partial[4][BM * BN];
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;

  for_each_tile<BM, BN>(p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
    const ColumnChunk cc = column_chunk(p, chunk, BN);
    const SliceArgs& sl = p.slice[cc.slice];
    const S* x_rows[MT][2];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int i = mt * 16 + h * 8 + g;
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

    float acc[MT][NT][4] = {};
    const std::int64_t K = p.K, full = K / 32;
    std::int64_t kc = warp;
    // Two chunks per iteration: all loads of both are issued before the mmas.
    for (; kc + kWarps < full; kc += 2 * kWarps) {
      const std::int64_t k0 = kc * 32 + 8 * c, k1 = k0 + kWarps * 32;
      uint4 xa[MT][2], xb[MT][2], wa[NT], wb[NT];
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          xa[mt][h] = load16<T>(x_rows[mt][h], k0);
          xb[mt][h] = load16<T>(x_rows[mt][h], k1);
        }
      }
#pragma unroll
      for (int nt = 0; nt < NT; ++nt) {
        wa[nt] = load16<T>(w_rows[nt], k0);
        wb[nt] = load16<T>(w_rows[nt], k1);
      }
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) {
          mma_chunk32<T>(acc[mt][nt], xa[mt][0], xa[mt][1], wa[nt]);
          mma_chunk32<T>(acc[mt][nt], xb[mt][0], xb[mt][1], wb[nt]);
        }
      }
    }
    if (kc < full) {
      const std::int64_t k0 = kc * 32 + 8 * c;
      uint4 xa[MT][2], wa[NT];
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        xa[mt][0] = load16<T>(x_rows[mt][0], k0);
        xa[mt][1] = load16<T>(x_rows[mt][1], k0);
      }
#pragma unroll
      for (int nt = 0; nt < NT; ++nt) wa[nt] = load16<T>(w_rows[nt], k0);
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) mma_chunk32<T>(acc[mt][nt], xa[mt][0], xa[mt][1], wa[nt]);
      }
    }
    // K % 32 tail, by the warp whose turn it would be.
    if (K > full * 32 && warp == static_cast<int>(full % kWarps)) {
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

    // Sum the 8 warps' tiles: 4..7 park theirs, 0..3 add theirs, all threads add the 4.
    __syncthreads();  // the previous tile's final reads of `partial` are done
    auto each_fragment = [&](auto&& f) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) {
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            const int row = mt * 16 + g + (q >= 2 ? 8 : 0), col = nt * 8 + 2 * c + (q & 1);
            f(acc[mt][nt][q], row * BN + col);
          }
        }
      }
    };
    if (warp >= 4) each_fragment([&](float v, int i) { partial[warp - 4][i] = v; });
    __syncthreads();
    if (warp < 4) each_fragment([&](float v, int i) { partial[warp][i] += v; });
    __syncthreads();
    for (int i = tid; i < BM * BN; i += kBlockThreads) {
      const int row = i / BN, col = i % BN;
      if (row < tile.count && cc.n0 + col < cc.n_end) {
        const std::int64_t off = tile.row(row) * p.out_row_stride + sl.out_col + cc.n0 + col;
        float v = p.scale * (partial[0][i] + partial[1][i] + partial[2][i] + partial[3][i]);
        if (p.add) v += load_dyn(p.out, p.out_dtype, off);
        store_dyn(p.out, p.out_dtype, off, v);
      }
    }
  });
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
