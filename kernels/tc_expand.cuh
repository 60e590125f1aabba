// Tensor-core expand (CUDA sm_80+, fp16/bf16 in and weights, fp32 accumulate):
// a block computes up to BM rows x 256 output columns; each warp owns 32
// columns. K = R is short, so a warp keeps its whole B slice (32 columns x up
// to 32 * KC of K) in registers for all the rows of its tile, and walks the
// rows 16 at a time with the u rows of the next D m16 tiles already in
// flight: after the first round of loads, only mma, conversion and stores.
// Larger R loops over K in steps of 32 * KC.
//
// Output columns are permuted inside each warp's 32 so that lane (g, c) ends
// up holding 8 consecutive columns of its rows: B fragment column v of n-tile
// j is physical column 8 * (v / 2) + 2 j + v % 2. A thread therefore stores
// (and, when adding, loads) 16 bytes of 16-bit outputs per row straight from
// its accumulators: no shared memory, no barrier between the m16 tiles. The
// output dtype is a template parameter (the variants cover the input dtype
// and fp32; other outputs go to the SIMT kernel).

#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/metadata.cuh"
#include "kernels/mma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

inline constexpr int kTcExpandCols = (kBlockThreads / 32) * 32;

/// Blocks per SM the expand kernel of K width KC is built for (its registers).
template <int KC>
inline constexpr int kTcExpandBlocksPerSm = KC <= 2 ? 2 : 1;

/// 8 consecutive outputs of type O at `dst`: one or two 16-byte accesses when
/// VEC (all 8 in range, 16-byte aligned), else element by element below `count`.
template <class O>
__device__ inline void load_out8(const typename O::storage* src, bool vec, int count,
                                 float (&v)[8]) {
  if (vec) {
    if constexpr (O::kVec == 8) {
      load_vec<O>(src, v);
    } else {
      float lo[4], hi[4];
      load_vec<O>(src, lo);
      load_vec<O>(src + 4, hi);
#pragma unroll
      for (int m = 0; m < 4; ++m) v[m] = lo[m], v[4 + m] = hi[m];
    }
    return;
  }
#pragma unroll
  for (int m = 0; m < 8; ++m) v[m] = m < count ? O::to_float(src[m]) : 0.0f;
}

template <class O>
__device__ inline void store_out8(typename O::storage* dst, bool vec, int count,
                                  const float (&v)[8]) {
  if (vec) {
    if constexpr (O::kVec == 8) {
      std::uint32_t w[4];
#pragma unroll
      for (int m = 0; m < 4; ++m) {
        w[m] = O::dtype == DType::bf16 ? pack_bf16x2(v[2 * m], v[2 * m + 1])
                                       : pack_f16x2(v[2 * m], v[2 * m + 1]);
      }
      *reinterpret_cast<uint4*>(dst) = make_uint4(w[0], w[1], w[2], w[3]);
    } else {
      reinterpret_cast<float4*>(dst)[0] = make_float4(v[0], v[1], v[2], v[3]);
      reinterpret_cast<float4*>(dst)[1] = make_float4(v[4], v[5], v[6], v[7]);
    }
    return;
  }
#pragma unroll
  for (int m = 0; m < 8; ++m) {
    if (m < count) dst[m] = O::from_float(v[m]);
  }
}

/// O: the output element type (F16, BF16 or F32). ADD: out += product
/// (Problem::add); a template parameter so that the registers holding the old
/// values exist only in the kernels that read them.
template <class T, class O, int BM, int KC, bool ADD>
__global__ void __launch_bounds__(kBlockThreads, kTcExpandBlocksPerSm<KC>)
    tc_expand_kernel(const Problem p) {
  using S = typename T::storage;
  constexpr int D = KC == 1 ? 2 : 1;  // m16 tiles of u in flight ahead of the mma
  static_assert(BM % 16 == 0 && BM <= kScanChunk, "BM");
  __shared__ TokenList scratch;
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;

  for_each_tile<BM, kTcExpandCols>(
      p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
        const ColumnChunk cc = column_chunk(p, chunk, kTcExpandCols);
        if (cc.n0 + warp * 32 >= cc.n_end) return;  // no columns for this warp (no barrier below)
        const SliceArgs& sl = p.slice[cc.slice];
        const S* w_rows[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const std::int64_t n = cc.n0 + warp * 32 + 8 * (g / 2) + 2 * j + (g & 1);
          w_rows[j] = n < cc.n_end
                          ? static_cast<const S*>(sl.w) + l * sl.w_stride_l + n * sl.w_stride_n
                          : nullptr;
        }
        const std::int64_t K = p.K;
        const int live_mt = (tile.count + 15) / 16;  // m16 tiles holding rows
        // This thread's 8 output columns: [col, col + cols) of the slice.
        const std::int64_t col = cc.n0 + warp * 32 + 8 * c;
        const std::int64_t left = cc.n_end - col;
        const int cols = left <= 0 ? 0 : (left < 8 ? static_cast<int>(left) : 8);

        auto u_row = [&](int i) -> const S* {
          return i < tile.count ? static_cast<const S*>(sl.in) + tile.row(i) * sl.in_row_stride
                                : nullptr;
        };
        // Guarded 16-byte loads: zeros past K (R % 8 != 0 costs a compare per load).
        auto load_a = [&](int mt, std::int64_t k0, uint4(&a)[2][KC]) {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const S* row = u_row(mt * 16 + h * 8 + g);  // past the tile: nullptr
#pragma unroll
            for (int kc = 0; kc < KC; ++kc) {
              a[h][kc] = load16_guarded<T>(row, k0 + kc * 32 + 8 * c, K);
            }
          }
        };
        auto load_b = [&](std::int64_t k0, uint4(&b)[KC][4]) {
#pragma unroll
          for (int kc = 0; kc < KC; ++kc) {
#pragma unroll
            for (int j = 0; j < 4; ++j) {
              b[kc][j] = load16_guarded<T>(w_rows[j], k0 + kc * 32 + 8 * c, K);
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

        // Rows g and g + 8 of m16 tile mt: scaled, added to the old values
        // (all loaded before any store: rows could alias), rounded once.
        auto store_tile = [&](bool vec, int mt, const float(&acc)[4][4]) {
          using OS = typename O::storage;
          OS* dst[2];
          float v[2][8];
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const int i = mt * 16 + h * 8 + g;
            dst[h] =
                i < tile.count && cols > 0
                    ? static_cast<OS*>(p.out) + tile.row(i) * p.out_row_stride + sl.out_col + col
                    : nullptr;
#pragma unroll
            for (int m = 0; m < 8; ++m) v[h][m] = p.scale * acc[m / 2][(m & 1) + 2 * h];
          }
          if constexpr (ADD) {
            float old[2][8];
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              if (dst[h] != nullptr) load_out8<O>(dst[h], vec, cols, old[h]);
            }
#pragma unroll
            for (int h = 0; h < 2; ++h) {
#pragma unroll
              for (int m = 0; m < 8; ++m) v[h][m] += dst[h] != nullptr ? old[h][m] : 0.0f;
            }
          }
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            if (dst[h] != nullptr) store_out8<O>(dst[h], vec, cols, v[h]);
          }
        };

        // 16-byte accesses need the whole 8 columns, 16-byte aligned in every row.
        const auto align =
            reinterpret_cast<std::uintptr_t>(p.out) |
            static_cast<std::uintptr_t>(p.out_row_stride * sizeof(typename O::storage)) |
            static_cast<std::uintptr_t>((sl.out_col + col) * sizeof(typename O::storage));
        const bool vec = cols == 8 && (align & 15u) == 0;
        if (K <= 32 * KC) {
          // The usual case: B in registers for every row of the tile; u of
          // the next D m16 tiles in flight while this one is multiplied.
          uint4 b[KC][4], ring[D][2][KC];
          load_b(0, b);
#pragma unroll
          for (int d = 0; d < D; ++d) load_a(d, 0, ring[d]);
          for (int base = 0; base < live_mt; base += D) {
#pragma unroll
            for (int d = 0; d < D; ++d) {
              const int mt = base + d;
              if (mt < live_mt) {
                float acc[4][4] = {};
                mma_all(acc, ring[d], b);
                load_a(mt + D, 0, ring[d]);  // rows past the tile: no access
                store_tile(vec, mt, acc);
              }
            }
          }
        } else {
          // R > 32 * KC (not what the tile policy picks this variant for, but
          // served all the same): K in steps, B reloaded per m-tile (from L1).
          for (int mt = 0; mt < live_mt; ++mt) {
            float acc[4][4] = {};
            for (std::int64_t k0 = 0; k0 < K; k0 += 32 * KC) {
              uint4 a[2][KC], b[KC][4];
              load_b(k0, b);
              load_a(mt, k0, a);
              mma_all(acc, a, b);
            }
            store_tile(vec, mt, acc);
          }
        }
      });
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
