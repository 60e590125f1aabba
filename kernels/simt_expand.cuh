// Portable expand-shaped kernel (short reduction K = R, many outputs n): each
// thread owns a few consecutive output columns and accumulates them over K for
// a few rows at a time. Serves every dtype combination (T = Dyn), and is the
// fast path of the HIP build and of fp32.
#pragma once

#include <cstdint>

#include "kernels/elements.cuh"
#include "kernels/metadata.cuh"
#include "kernels/simt_shrink.cuh"  // load_one

namespace sgmv::gpu {

/// Rows of one block tile, rows accumulated at once, columns per thread (per
/// vendor: SimtTile in vendor.cuh).
inline constexpr int kSimtExpandRows = SimtTile::kExpandRows;
inline constexpr int kSimtExpandRowStep = SimtTile::kExpandRowStep;
inline constexpr int kSimtExpandThreadCols = SimtTile::kExpandThreadCols;
inline constexpr int kSimtExpandCols = kBlockThreads * kSimtExpandThreadCols;

template <class T, class Index>
__device__ inline void simt_expand_body(const Problem& p) {
  constexpr int BM = kSimtExpandRows, MR = kSimtExpandRowStep, CV = kSimtExpandThreadCols;
  constexpr int V = T::kVec;
  __shared__ TokenList<> scratch;
  const int tid = static_cast<int>(threadIdx.x);

  for_each_tile<BM, kSimtExpandCols>(
      p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
        const ColumnChunk cc = column_chunk(p, chunk, kSimtExpandCols);
        const SliceArgs& sl = p.slice[cc.slice];
        const std::int64_t c0 = cc.n0 + static_cast<std::int64_t>(tid) * CV;
        const std::int64_t left = cc.n_end - c0;
        if (left <= 0) return;  // no block-wide synchronisation in this body
        const int cols = left < CV ? static_cast<int>(left) : CV;
        Index w_off[CV];
#pragma unroll
        for (int j = 0; j < CV; ++j) {
          w_off[j] = j < cols ? static_cast<Index>(l) * static_cast<Index>(sl.w_stride_l) +
                                    static_cast<Index>(c0 + j) * static_cast<Index>(sl.w_stride_n)
                              : Index(-1);
        }
        const std::int64_t vec_end = p.K - p.K % V;

        for (int r0 = 0; r0 < tile.count; r0 += MR) {
          Index in_off[MR];
#pragma unroll
          for (int i = 0; i < MR; ++i) {
            in_off[i] = r0 + i < tile.count ? static_cast<Index>(tile.row(r0 + i)) *
                                                  static_cast<Index>(sl.in_row_stride)
                                            : Index(-1);
          }
          float acc[MR][CV] = {};
          for (std::int64_t k = 0; k < vec_end; k += V) {
            // u widened once per step (the same address in every lane: a broadcast
            // load); weights stay packed and are widened once per use.
            float uv[MR][V];
            uint4 wr[CV];
#pragma unroll
            for (int i = 0; i < MR; ++i) {
              const uint4 raw =
                  in_off[i] >= 0 ? load_raw<T>(sl.in, p.in_dtype, static_cast<Index>(in_off[i] + k))
                                 : make_uint4(0u, 0u, 0u, 0u);
#pragma unroll
              for (int e = 0; e < V; ++e) uv[i][e] = element<T>(raw, e);
            }
#pragma unroll
            for (int j = 0; j < CV; ++j) {
              wr[j] = w_off[j] >= 0 ? load_raw<T>(sl.w, p.w_dtype, static_cast<Index>(w_off[j] + k))
                                    : make_uint4(0u, 0u, 0u, 0u);
            }
#pragma unroll
            for (int j = 0; j < CV; ++j) {
#pragma unroll
              for (int e = 0; e < V; ++e) {
                const float w = element<T>(wr[j], e);
#pragma unroll
                for (int i = 0; i < MR; ++i) acc[i][j] += uv[i][e] * w;
              }
            }
          }
          for (std::int64_t k = vec_end; k < p.K; ++k) {
#pragma unroll
            for (int i = 0; i < MR; ++i) {
              if (in_off[i] < 0) continue;
              const float u = load_one<T>(sl.in, p.in_dtype, static_cast<Index>(in_off[i] + k));
#pragma unroll
              for (int j = 0; j < CV; ++j) {
                if (w_off[j] >= 0) {
                  acc[i][j] += u * load_one<T>(sl.w, p.w_dtype, static_cast<Index>(w_off[j] + k));
                }
              }
            }
          }
#pragma unroll
          for (int i = 0; i < MR; ++i) {
            if (in_off[i] < 0) continue;
            const Index off =
                static_cast<Index>(tile.row(r0 + i)) * static_cast<Index>(p.out_row_stride) +
                static_cast<Index>(sl.out_col + c0);
            float old[CV] = {};
            if (p.add) load_out_chunk<CV>(p.out, p.out_dtype, off, cols, old);
            float v[CV];
#pragma unroll
            for (int j = 0; j < CV; ++j) v[j] = old[j] + p.scale * acc[i][j];
            store_out_chunk<CV>(p.out, p.out_dtype, off, cols, v);
          }
        }
      });
}

// The kernel only forwards its by-value parameter to the body by reference.
// Used directly (captured by the tile lambda, p.slice indexed by a run-time
// slice number), HIP-Clang kept a private copy of the whole Problem (568
// bytes) in scratch memory: 576 bytes per lane on gfx90a.
template <class T, class Index>
__global__ void __launch_bounds__(kBlockThreads, 1) simt_expand_kernel(const Problem p) {
  simt_expand_body<T, Index>(p);
}

}  // namespace sgmv::gpu
