// Portable shrink-shaped kernel (long reduction K, few outputs n): the block's
// threads split K, every thread accumulates a tile of rows x outputs, and a
// block reduction sums the partials. Serves every dtype combination (T = Dyn),
// and is the fast path of the HIP build and of fp32.
#pragma once

#include <cstdint>

#include "kernels/elements.cuh"
#include "kernels/metadata.cuh"
#include "kernels/reduce.cuh"

namespace sgmv::gpu {

/// Rows and outputs of one block tile of the SIMT shrink (per vendor:
/// SimtTile in vendor.cuh).
inline constexpr int kSimtShrinkRows = SimtTile::kShrinkRows;
inline constexpr int kSimtShrinkCols = SimtTile::kShrinkCols;
static_assert((kSimtShrinkRows * kSimtShrinkCols & (kSimtShrinkRows * kSimtShrinkCols - 1)) == 0 &&
                  kSimtShrinkRows * kSimtShrinkCols <= kBlockThreads,
              "block_reduce: a power of two of outputs, at most one per thread");

template <class T, class Index>
__device__ inline float load_one(const void* base, DType dtype, Index off) {
  if constexpr (T::kVec == 1) {
    return load_dyn(base, dtype, off);
  } else {
    return T::to_float(static_cast<const typename T::storage*>(base)[off]);
  }
}

template <class T, class Index>
__device__ inline void simt_shrink_body(const Problem& p) {
  constexpr int MR = kSimtShrinkRows, NR = kSimtShrinkCols, V = T::kVec;
  __shared__ TokenList<> scratch;
  __shared__ float partial[(kBlockThreads / kWarpSize) * MR * NR];
  const int tid = static_cast<int>(threadIdx.x);

  for_each_tile<MR, NR>(p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
    const ColumnChunk cc = column_chunk(p, chunk, NR);
    const SliceArgs& sl = p.slice[cc.slice];
    Index in_off[MR], w_off[NR];  // element offsets of each row; -1: absent
#pragma unroll
    for (int i = 0; i < MR; ++i) {
      in_off[i] = i < tile.count
                      ? static_cast<Index>(tile.row(i)) * static_cast<Index>(sl.in_row_stride)
                      : Index(-1);
    }
#pragma unroll
    for (int j = 0; j < NR; ++j) {
      const std::int64_t n = cc.n0 + j;
      w_off[j] = n < cc.n_end ? static_cast<Index>(l) * static_cast<Index>(sl.w_stride_l) +
                                    static_cast<Index>(n) * static_cast<Index>(sl.w_stride_n)
                              : Index(-1);
    }

    float acc[MR * NR] = {};
    const std::int64_t vec_end = p.K - p.K % V;
    for (std::int64_t k = static_cast<std::int64_t>(tid) * V; k < vec_end;
         k += static_cast<std::int64_t>(kBlockThreads) * V) {
      // x widened once per step; weights stay packed and are widened per use.
      float xv[MR][V];
      uint4 wr[NR];
#pragma unroll
      for (int i = 0; i < MR; ++i) {
        const uint4 raw = in_off[i] >= 0
                              ? load_raw<T>(sl.in, p.in_dtype, static_cast<Index>(in_off[i] + k))
                              : make_uint4(0u, 0u, 0u, 0u);
#pragma unroll
        for (int e = 0; e < V; ++e) xv[i][e] = element<T>(raw, e);
      }
#pragma unroll
      for (int j = 0; j < NR; ++j) {
        wr[j] = w_off[j] >= 0 ? load_raw<T>(sl.w, p.w_dtype, static_cast<Index>(w_off[j] + k))
                              : make_uint4(0u, 0u, 0u, 0u);
      }
#pragma unroll
      for (int j = 0; j < NR; ++j) {
#pragma unroll
        for (int e = 0; e < V; ++e) {
          const float w = element<T>(wr[j], e);
#pragma unroll
          for (int i = 0; i < MR; ++i) acc[i * NR + j] += xv[i][e] * w;
        }
      }
    }
    // The last K % V elements, one per thread.
    for (std::int64_t k = vec_end + tid; k < p.K; k += kBlockThreads) {
#pragma unroll
      for (int i = 0; i < MR; ++i) {
        if (in_off[i] < 0) continue;
        const float x = load_one<T>(sl.in, p.in_dtype, static_cast<Index>(in_off[i] + k));
#pragma unroll
        for (int j = 0; j < NR; ++j) {
          if (w_off[j] >= 0) {
            acc[i * NR + j] += x * load_one<T>(sl.w, p.w_dtype, static_cast<Index>(w_off[j] + k));
          }
        }
      }
    }

    const float total = block_reduce<MR * NR>(acc, partial);
    if (tid < MR * NR) {
      const int i = tid / NR, j = tid % NR;
      if (i < tile.count && cc.n0 + j < cc.n_end) {
        const Index off = static_cast<Index>(tile.row(i)) * static_cast<Index>(p.out_row_stride) +
                          static_cast<Index>(sl.out_col + cc.n0 + j);
        float v = p.scale * total;
        if (p.add) v += load_dyn(p.out, p.out_dtype, off);
        store_dyn(p.out, p.out_dtype, off, v);
      }
    }
  });
}

// The kernel only forwards its by-value parameter to the body by reference.
// Used directly (captured by the tile lambda, p.slice indexed by a run-time
// slice number), HIP-Clang kept a private copy of the whole Problem (568
// bytes) in scratch memory: 576 bytes per lane on gfx90a.
template <class T, class Index>
__global__ void __launch_bounds__(kBlockThreads, 1) simt_shrink_kernel(const Problem p) {
  simt_shrink_body<T, Index>(p);
}

}  // namespace sgmv::gpu
