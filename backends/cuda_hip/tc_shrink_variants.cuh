// The tensor-core shrink variants of one dtype: every tile the tile policy
// can choose. Included by one translation unit per dtype (and by the sm_90a
// one for the wgmma tiles, which share tc_shrink_common).
#pragma once

#include "backends/cuda_hip/launch.cuh"
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/tc_shrink.cuh"
#include "kernels/tc_shrink_staged.cuh"

namespace sgmv::gpu {

/// Fields every tensor-core shrink variant shares.
inline detail::KernelVariant tc_shrink_common(detail::KernelVariant v, DType dtype,
                                              detail::TileConfig tile) {
  v.in = v.w = only(dtype);
  v.align_required = kAlignInW;
  v.index = detail::IndexWidth::i64;  // row offsets are 64-bit, computed once per tile
  v.tile = tile;
  v.priority = kPriorityTensorCore;
  return v;
}

template <class T, int BM, int BN, int MW>
detail::KernelVariant tc_shrink_variant(const char* name) {
  return tc_shrink_common(
      make_variant<&tc_shrink_kernel<T, BM, BN, MW>, BM, BN>(name, detail::OpKind::shrink),
      T::dtype, tc_shrink_tile(BM, BN, MW));
}

/// A staged (cp.async) shrink variant.
template <class T, int BM, int BN, int KT, int STAGES>
detail::KernelVariant tc_shrink_staged_variant(const char* name) {
  return tc_shrink_common(
      make_variant<&tc_shrink_staged_kernel<T, BM, BN, KT, STAGES>, BM, BN,
                   kStagedShrinkSmem<BM, BN, KT, STAGES>>(name, detail::OpKind::shrink),
      T::dtype, tc_staged_shrink_tile(BM, BN, KT));
}

/// The single-block tiles (every architecture): the ones choose_tile() returns.
template <class T>
void register_tc_shrink(detail::KernelRegistry& r) {
  constexpr bool bf16 = T::dtype == DType::bf16;
  // Loads straight into registers: decode-sized calls (latency-bound; these
  // beat the staged tiles there on the H100, kernels/PERF_NOTES.md).
  r.add(tc_shrink_variant<T, 16, 8, 1>(bf16 ? "tc_shrink<bf16,16x8>" : "tc_shrink<f16,16x8>"));
  r.add(tc_shrink_variant<T, 16, 16, 1>(bf16 ? "tc_shrink<bf16,16x16>" : "tc_shrink<f16,16x16>"));
  // Staged through shared memory (cp.async): prefill, and decode above
  // R = 32. Each shape comes in two depths along K: the second (twice KT,
  // twice the shared memory) serves grids of at most one block per SM.
#define SGMV_STAGED(BM, BN, KT)                                       \
  r.add(tc_shrink_staged_variant<T, BM, BN, KT, kStagedShrinkStages>( \
      bf16 ? "tc_shrink_staged<bf16," #BM "x" #BN ",k" #KT ">"        \
           : "tc_shrink_staged<f16," #BM "x" #BN ",k" #KT ">"))
  SGMV_STAGED(16, 16, 256);
  SGMV_STAGED(16, 16, 512);
  SGMV_STAGED(32, 32, 128);
  SGMV_STAGED(32, 32, 256);
  SGMV_STAGED(32, 64, 128);
  SGMV_STAGED(32, 64, 256);
#undef SGMV_STAGED
}

}  // namespace sgmv::gpu
