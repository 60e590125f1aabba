// Sums of per-thread partial vectors over a block, for kernels whose threads
// split the reduction dimension. Written for any warp width (32 or 64).
#pragma once

#include "kernels/vendor.cuh"

namespace sgmv::gpu {

/// Reduce-scatter over one warp: on return v[0] of lane `lane` holds the warp
/// sum of value index lane / (kWarpSize / V). Each halving step exchanges half
/// of the live values, so V values cost V - 1 + log2(kWarpSize / V) shuffles
/// instead of V * log2(kWarpSize).
/// One halving step of the reduce-scatter: C live values, exchanged across
/// lanes `offset` apart; the lower half of v keeps the kept values.
template <int C, int V>
__device__ inline void reduce_scatter_step(float (&v)[V], int offset, bool upper) {
  constexpr int h = C / 2;
#pragma unroll
  for (int i = 0; i < h; ++i) {
    // Read both, then select values: `upper ? v[i] : v[i + h]` selects
    // between two addresses, which kept v in scratch memory on gfx90a.
    const float lo = v[i], hi = v[i + h];
    const float send = upper ? lo : hi;
    const float keep = upper ? hi : lo;
    v[i] = keep + shfl_xor(send, offset);
  }
}

template <int C, int V>
__device__ inline void reduce_scatter_from(float (&v)[V], int offset, int lane) {
  if constexpr (C > 1) {
    reduce_scatter_step<C>(v, offset, (lane & offset) != 0);
    reduce_scatter_from<C / 2>(v, offset / 2, lane);
  } else {
    for (; offset >= 1; offset /= 2) v[0] += shfl_xor(v[0], offset);
  }
}

/// Reduce-scatter over one warp: on return v[0] of lane `lane` holds the warp
/// sum of value index lane / (kWarpSize / V). Each halving step exchanges half
/// of the live values, so V values cost V - 1 + log2(kWarpSize / V) shuffles
/// instead of V * log2(kWarpSize).
template <int V>
__device__ inline void warp_reduce_scatter(float (&v)[V]) {
  static_assert(V >= 1 && (V & (V - 1)) == 0 && V <= kWarpSize, "V: a power of two <= warp");
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  reduce_scatter_from<V>(v, kWarpSize / 2, lane);
}

/// Block sum of V values per thread. `scratch` holds (blockDim / warp) * V
/// floats. Returns, in threads tid < V, the block total of value index tid
/// (other threads get 0). Synchronises the block.
template <int V>
__device__ inline float block_reduce(float (&v)[V], float* scratch) {
  constexpr int kGroup = kWarpSize / V;  // lanes that end up holding the same value
  const int tid = static_cast<int>(threadIdx.x);
  const int warps = static_cast<int>(blockDim.x) / kWarpSize;
  warp_reduce_scatter<V>(v);
  __syncthreads();  // scratch may still be read from the previous call
  const int lane = tid & (kWarpSize - 1);
  if (lane % kGroup == 0) scratch[(tid / kWarpSize) * V + lane / kGroup] = v[0];
  __syncthreads();
  float total = 0.0f;
  if (tid < V) {
    for (int w = 0; w < warps; ++w) total += scratch[w * V + tid];
  }
  return total;
}

}  // namespace sgmv::gpu
