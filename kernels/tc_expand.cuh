// Tensor-core expand (CUDA sm_80+, fp16/bf16 in and weights, fp32 accumulate):
// a block computes up to 64 rows x 256 output columns; each warp owns 32
// columns and walks the rows 16 at a time, K = R in 32-wide chunks.
//
// Output columns are permuted inside each warp's 32 so that lane (g, c) ends
// up holding 8 consecutive columns of its rows: B fragment column ν of n-tile
// j is physical column 8 * (ν / 2) + 2 j + ν % 2. Lanes then store 16 bytes
// (8 x 16-bit) per row, and a quad writes 64 contiguous bytes.
#pragma once

#include <cstdint>

#include "kernels/metadata.cuh"
#include "kernels/mma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

inline constexpr int kTcExpandRows = 64;
inline constexpr int kTcExpandCols = (kBlockThreads / 32) * 32;

template <class T>
__global__ void __launch_bounds__(kBlockThreads) tc_expand_kernel(const Problem p) {
  using S = typename T::storage;
  __shared__ TokenList scratch;
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;

  for_each_tile<kTcExpandRows, kTcExpandCols>(
      p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
        const ColumnChunk cc = column_chunk(p, chunk, kTcExpandCols);
        const SliceArgs& sl = p.slice[cc.slice];
        const std::int64_t wn0 = cc.n0 + warp * 32;
        if (wn0 >= cc.n_end) return;  // no block-wide synchronisation in this body
        const S* w_rows[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const std::int64_t n = wn0 + 8 * (g / 2) + 2 * j + (g & 1);
          w_rows[j] = n < cc.n_end
                          ? static_cast<const S*>(sl.w) + l * sl.w_stride_l + n * sl.w_stride_n
                          : nullptr;
        }
        const std::int64_t K = p.K, full = K / 32;
        const std::int64_t col0 = wn0 + 8 * c;  // this lane's 8 output columns
        const std::int64_t left = cc.n_end - col0;
        const int cols = left <= 0 ? 0 : (left < 8 ? static_cast<int>(left) : 8);

        for (int m0 = 0; m0 < tile.count; m0 += 16) {
          const S* u_rows[2];
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const int i = m0 + h * 8 + g;
            u_rows[h] = i < tile.count
                            ? static_cast<const S*>(sl.in) + tile.row(i) * sl.in_row_stride
                            : nullptr;
          }
          float acc[4][4] = {};
#pragma unroll 2
          for (std::int64_t kc = 0; kc < full; ++kc) {
            const std::int64_t k = kc * 32 + 8 * c;
            const uint4 a_lo = load16<T>(u_rows[0], k), a_hi = load16<T>(u_rows[1], k);
            uint4 b[4];
#pragma unroll
            for (int j = 0; j < 4; ++j) b[j] = load16<T>(w_rows[j], k);
#pragma unroll
            for (int j = 0; j < 4; ++j) mma_chunk32<T>(acc[j], a_lo, a_hi, b[j]);
          }
          std::int64_t k = full * 32;
          if (K - k >= 16) {
            const uint2 a_lo = load8<T>(u_rows[0], k + 4 * c),
                        a_hi = load8<T>(u_rows[1], k + 4 * c);
#pragma unroll
            for (int j = 0; j < 4; ++j)
              mma_chunk16<T>(acc[j], a_lo, a_hi, load8<T>(w_rows[j], k + 4 * c));
            k += 16;
          }
          if (k < K) {
            const uint2 a_lo = load8_guarded<T>(u_rows[0], k + 4 * c, K);
            const uint2 a_hi = load8_guarded<T>(u_rows[1], k + 4 * c, K);
#pragma unroll
            for (int j = 0; j < 4; ++j) {
              mma_chunk16<T>(acc[j], a_lo, a_hi, load8_guarded<T>(w_rows[j], k + 4 * c, K));
            }
          }
          if (cols == 0) continue;
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const int i = m0 + h * 8 + g;
            if (i >= tile.count) continue;
            const std::int64_t off = tile.row(i) * p.out_row_stride + sl.out_col + col0;
            float old[8] = {};
            if (p.add) load_out_chunk<8>(p.out, p.out_dtype, off, cols, old);
            float v[8];
#pragma unroll
            for (int m = 0; m < 8; ++m) v[m] = old[m] + p.scale * acc[m / 2][(m & 1) + 2 * h];
            store_out_chunk<8>(p.out, p.out_dtype, off, cols, v);
          }
        }
      });
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
