// Tensor-core expand (CUDA sm_80+, fp16/bf16 in and weights, fp32 accumulate):
// a block computes up to BM rows x 256 output columns; each warp owns 32
// columns. K = R is short, so a warp loads its whole B slice (32 columns x
// up to 32 * KC of K) and the u rows of every m16 tile of the block at once,
// in registers: one round of load latency per tile, then only mma and stores.
// Larger R loops over K in steps of 32 * KC.
//
// Output columns are permuted inside each warp's 32 so that lane (g, c) ends
// up holding 8 consecutive columns of its rows: B fragment column ν of n-tile
// j is physical column 8 * (ν / 2) + 2 j + ν % 2. Each m16 tile of products
// (scaled, fp32) is written to shared memory, then the block stores it row by
// row: a warp writes one row's 256 columns (512 contiguous bytes for 16-bit
// outputs) per instruction, and reads the old values the same way when it adds.
#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/metadata.cuh"
#include "kernels/mma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

inline constexpr int kTcExpandCols = (kBlockThreads / 32) * 32;

/// ADD: out += product (Problem::add); a template parameter so that the
/// registers holding the old values exist only in the kernels that read them.
template <class T, int BM, int KC, bool ADD>
__global__ void __launch_bounds__(kBlockThreads, KC <= 2 ? 2 : 1)
    tc_expand_kernel(const Problem p) {
  using S = typename T::storage;
  constexpr int MT = BM / 16;
  __shared__ TokenList scratch;
  // Two m16 tiles of products (double-buffered: one barrier per tile). The
  // row stride is padded by 16 bytes so that rows g and g + 1 of a quarter
  // warp's 32-byte writes fall in different banks.
  constexpr int kStride = kTcExpandCols + 4;
  __shared__ __align__(16) float staged[2][16][kStride];
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;

  for_each_tile<BM, kTcExpandCols>(
      p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
        const ColumnChunk cc = column_chunk(p, chunk, kTcExpandCols);
        const SliceArgs& sl = p.slice[cc.slice];
        const std::int64_t wn0 = cc.n0 + warp * 32;  // warps past n_end load zeros
        const S* w_rows[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const std::int64_t n = wn0 + 8 * (g / 2) + 2 * j + (g & 1);
          w_rows[j] = n < cc.n_end
                          ? static_cast<const S*>(sl.w) + l * sl.w_stride_l + n * sl.w_stride_n
                          : nullptr;
        }
        const S* u_rows[MT][2];
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const int i = mt * 16 + h * 8 + g;
            u_rows[mt][h] = i < tile.count
                                ? static_cast<const S*>(sl.in) + tile.row(i) * sl.in_row_stride
                                : nullptr;
          }
        }
        const int live_mt = (tile.count + 15) / 16;  // m16 tiles holding rows
        __syncthreads();  // the previous tile's stores are done with `staged`

        const std::int64_t K = p.K;

        // The store of m16 tile mt: products to shared memory, one barrier,
        // then thread tid writes 8 columns of rows tid / 32 and tid / 32 + 8.
        const int store_col = lane * 8;  // the 8 columns this thread stores
        const std::int64_t store_left = cc.n_end - (cc.n0 + store_col);
        const int store_cols =
            store_left <= 0 ? 0 : (store_left < 8 ? static_cast<int>(store_left) : 8);
        auto store_tile = [&](int mt, const float(&acc)[4][4]) {
          float(&buf)[16][kStride] = staged[mt & 1];
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            float* dst = &buf[h * 8 + g][warp * 32 + 8 * c];
            float v[8];
#pragma unroll
            for (int m = 0; m < 8; ++m) v[m] = p.scale * acc[m / 2][(m & 1) + 2 * h];
            reinterpret_cast<float4*>(dst)[0] = make_float4(v[0], v[1], v[2], v[3]);
            reinterpret_cast<float4*>(dst)[1] = make_float4(v[4], v[5], v[6], v[7]);
          }
          __syncthreads();
          if (store_cols == 0) return;
          float old[2][8] = {};
          std::int64_t off[2] = {0, 0};
          bool live[2];
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const int i = mt * 16 + h * 8 + warp;
            live[h] = i < tile.count;
            if (live[h]) off[h] = tile.row(i) * p.out_row_stride + sl.out_col + cc.n0 + store_col;
          }
          if constexpr (ADD) {
        // Both rows' old values before either store (stores could alias them,
        // so the compiler would not hoist these loads itself).
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              if (live[h]) load_out_chunk<8>(p.out, p.out_dtype, off[h], store_cols, old[h]);
            }
          }
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            if (!live[h]) continue;
            const float* src = &buf[h * 8 + warp][store_col];
            const float4 lo = reinterpret_cast<const float4*>(src)[0];
            const float4 hi = reinterpret_cast<const float4*>(src)[1];
            const float v[8] = {old[h][0] + lo.x, old[h][1] + lo.y, old[h][2] + lo.z,
                                old[h][3] + lo.w, old[h][4] + hi.x, old[h][5] + hi.y,
                                old[h][6] + hi.z, old[h][7] + hi.w};
            store_out_chunk<8>(p.out, p.out_dtype, off[h], store_cols, v);
          }
        };
        auto load_a = [&](auto whole, int mt, std::int64_t k0, uint4(&a)[2][KC]) {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
#pragma unroll
            for (int kc = 0; kc < KC; ++kc) {
              a[h][kc] =
                  load16_upto<T, decltype(whole)::value>(u_rows[mt][h], k0 + kc * 32 + 8 * c, K);
            }
          }
        };
        auto load_b = [&](auto whole, std::int64_t k0, uint4(&b)[KC][4]) {
#pragma unroll
          for (int kc = 0; kc < KC; ++kc) {
#pragma unroll
            for (int j = 0; j < 4; ++j) {
              b[kc][j] = load16_upto<T, decltype(whole)::value>(w_rows[j], k0 + kc * 32 + 8 * c, K);
            }
          }
        };
        auto mma_all = [&](float(&acc)[4][4], const uint4(&a)[2][KC], const uint4(&b)[KC][4]) {
#pragma unroll
          for (int kc = 0; kc < KC; ++kc) {
#pragma unroll
            for (int j = 0; j < 4; ++j) mma_chunk32<T>(acc[j], a[0][kc], a[1][kc], b[kc][j]);
          }
        };

        // Two instantiations: R a multiple of 8 (plain 16-byte loads), or not.
        auto run = [&](auto whole) {
          if (K <= 32 * KC) {
            // The usual case: B and each m-tile's u fit in registers; the next
            // m-tile's u is loaded while this one is multiplied and stored.
            uint4 b[KC][4], a_next[2][KC];
            load_b(whole, 0, b);
            load_a(whole, 0, 0, a_next);
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
              if (mt >= live_mt) break;
              uint4 a[2][KC];
#pragma unroll
              for (int h = 0; h < 2; ++h) {
#pragma unroll
                for (int kc = 0; kc < KC; ++kc) a[h][kc] = a_next[h][kc];
              }
              if (mt + 1 < MT && mt + 1 < live_mt) load_a(whole, mt + 1, 0, a_next);
              float acc[4][4] = {};
              mma_all(acc, a, b);
              store_tile(mt, acc);
            }
          } else {
            // R > 32 * KC (not what the tile policy picks this variant for, but
            // served all the same): K in steps, B reloaded per m-tile (from L1).
            for (int mt = 0; mt < live_mt; ++mt) {
              float acc[4][4] = {};
              for (std::int64_t k0 = 0; k0 < K; k0 += 32 * KC) {
                uint4 a[2][KC], b[KC][4];
                load_b(whole, k0, b);
                load_a(whole, mt, k0, a);
                mma_all(acc, a, b);
              }
              store_tile(mt, acc);
            }
          }
        };
        if (K % 8 == 0) {
          run(std::true_type{});
        } else {
          run(std::false_type{});
        }
      });
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
