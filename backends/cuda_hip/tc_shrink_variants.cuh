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

template <class T, int BM, int BN, int MW, bool CARRY = false>
detail::KernelVariant tc_shrink_variant(const char* name) {
  return tc_shrink_common(
      make_variant<&tc_shrink_kernel<T, BM, BN, MW, CARRY>, BM, BN>(name, detail::OpKind::shrink),
      T::dtype, tc_shrink_tile(BM, BN, MW, CARRY));
}

/// A staged (cp.async) shrink variant.
template <class T, int BM, int BN, int KT, int STAGES, bool CARRY = false>
detail::KernelVariant tc_shrink_staged_variant(const char* name) {
  return tc_shrink_common(
      make_variant<&tc_shrink_staged_kernel<T, BM, BN, KT, STAGES, CARRY>, BM, BN,
                   kStagedShrinkSmem<BM, BN, KT, STAGES>>(name, detail::OpKind::shrink),
      T::dtype, tc_staged_shrink_tile(BM, BN, KT, CARRY));
}

/// The single-block tiles (every architecture): the ones choose_tile()
/// returns. The tiles that serve per-token calls (16 rows) come twice: as
/// is, and carrying tiles across the passes of a block's token scan
/// (kTileCarry, for calls whose ranges take several passes).
template <class T>
void register_tc_shrink(detail::KernelRegistry& r) {
  constexpr bool bf16 = T::dtype == DType::bf16;
  // Loads straight into registers: decode-sized calls (latency-bound; these
  // beat the staged tiles there on the H100, kernels/PERF_NOTES.md).
#define SGMV_DIRECT(BM, BN)                                                                  \
  r.add(tc_shrink_variant<T, BM, BN, 1>(bf16 ? "tc_shrink<bf16," #BM "x" #BN ">"             \
                                             : "tc_shrink<f16," #BM "x" #BN ">"));           \
  r.add(tc_shrink_variant<T, BM, BN, 1, true>(bf16 ? "tc_shrink<bf16," #BM "x" #BN ",carry>" \
                                                   : "tc_shrink<f16," #BM "x" #BN ",carry>"))
  SGMV_DIRECT(16, 8);
  SGMV_DIRECT(16, 16);
#undef SGMV_DIRECT
  // Staged through shared memory (cp.async): prefill, and decode above
  // R = 32. Each shape comes in two depths along K: the second (twice KT,
  // twice the shared memory) serves grids of at most one block per SM.
#define SGMV_STAGED_AS(BM, BN, KT, CARRY, SUFFIX)                            \
  r.add(tc_shrink_staged_variant<T, BM, BN, KT, kStagedShrinkStages, CARRY>( \
      bf16 ? "tc_shrink_staged<bf16," #BM "x" #BN ",k" #KT SUFFIX ">"        \
           : "tc_shrink_staged<f16," #BM "x" #BN ",k" #KT SUFFIX ">"))
#define SGMV_STAGED(BM, BN, KT) SGMV_STAGED_AS(BM, BN, KT, false, "")
  SGMV_STAGED(16, 16, 256);
  SGMV_STAGED_AS(16, 16, 256, true, ",carry");
  SGMV_STAGED(16, 16, 512);
  SGMV_STAGED_AS(16, 16, 512, true, ",carry");
  SGMV_STAGED(32, 32, 128);
  SGMV_STAGED(32, 32, 256);
  SGMV_STAGED(32, 64, 128);
  SGMV_STAGED(32, 64, 256);
#undef SGMV_STAGED
#undef SGMV_STAGED_AS
}

}  // namespace sgmv::gpu
