// Sums of per-thread partial vectors over a block, for kernels whose threads
// split the reduction dimension. Written for any warp width (32 or 64) and
// any power-of-two vector length up to the block size: nothing here assumes
// a lane mask of a particular width.
#pragma once

#include "kernels/vendor.cuh"

namespace sgmv::gpu {

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

/// The steps for lane offsets kOffset, kOffset / 2, ..., 1: while more than
/// one value is live, halve them; then sum the one left over the remaining
/// offsets.
template <int C, int kOffset, int V>
__device__ inline void reduce_scatter_from(float (&v)[V], int lane) {
  if constexpr (kOffset >= 1) {
    if constexpr (C > 1) {
      reduce_scatter_step<C>(v, kOffset, (lane & kOffset) != 0);
      reduce_scatter_from<C / 2, kOffset / 2>(v, lane);
    } else {
      v[0] += shfl_xor(v[0], kOffset);
      reduce_scatter_from<1, kOffset / 2>(v, lane);
    }
  }
}

/// Values each lane holds after warp_reduce_scatter<V>.
template <int V>
inline constexpr int kScatterPerLane = V > kWarpSize ? V / kWarpSize : 1;

/// Reduce-scatter over one warp. With V <= kWarpSize, on return v[0] of lane
/// `lane` holds the warp sum of value index lane / (kWarpSize / V); with
/// V > kWarpSize, v[i] (i < V / kWarpSize) holds that of index
/// lane * (V / kWarpSize) + i. Each halving step exchanges half of the live
/// values, so V <= kWarpSize values cost V - 1 + log2(kWarpSize / V) shuffles
/// instead of V * log2(kWarpSize): one output per lane, all lanes busy, when
/// V == kWarpSize.
template <int V>
__device__ inline void warp_reduce_scatter(float (&v)[V]) {
  static_assert(V >= 1 && (V & (V - 1)) == 0, "V: a power of two");
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  reduce_scatter_from<V, kWarpSize / 2>(v, lane);
}

/// Block sum of V values per thread (V a power of two, at most blockDim).
/// `scratch` holds (blockDim / warp) * V floats. Returns, in threads tid < V,
/// the block total of value index tid (other threads get 0). Synchronises
/// the block.
template <int V>
__device__ inline float block_reduce(float (&v)[V], float* scratch) {
  constexpr int kPerLane = kScatterPerLane<V>;
  constexpr int kGroup = V >= kWarpSize ? 1 : kWarpSize / V;  // lanes holding the same values
  const int tid = static_cast<int>(threadIdx.x);
  const int warps = static_cast<int>(blockDim.x) / kWarpSize;
  warp_reduce_scatter<V>(v);
  __syncthreads();  // scratch may still be read from the previous call
  const int lane = tid & (kWarpSize - 1);
  if (lane % kGroup == 0) {
    float* mine = scratch + (tid / kWarpSize) * V + (lane / kGroup) * kPerLane;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) mine[i] = v[i];
  }
  __syncthreads();
  float total = 0.0f;
  if (tid < V) {
    for (int w = 0; w < warps; ++w) total += scratch[w * V + tid];
  }
  return total;
}

}  // namespace sgmv::gpu
