// The tensor-core expand variants (fp16 and bf16 u and B; output in the
// input dtype or fp32, other outputs go to the SIMT kernel): one per tile
// (rows x K width held in registers) and value of add, for one index type.
// Each index type is registered from a translation unit of its own
// (tc_expand_i64_variants.cu, tc_expand_i32_variants.cu) so that the two
// compile in parallel. CUDA only.
#pragma once

#include <cstdint>
#include <type_traits>

#include "backends/cuda_hip/launch.cuh"
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/tc_expand.cuh"

namespace sgmv::gpu {

static_assert(kTcExpandBN == kTcExpandCols);

template <class T, class O, int BM, int KW, bool ADD, class Index>
detail::KernelVariant tc_expand_variant(const char* name) {
  constexpr bool i32 = std::is_same_v<Index, std::int32_t>;
  detail::KernelVariant v =
      make_variant<&tc_expand_kernel<T, O, BM, KW, ADD, Index>, BM, kTcExpandCols>(
          name, detail::OpKind::expand);
  v.add_mask = ADD ? 2 : 1;
  v.in = v.w = only(T::dtype);
  v.out = only(O::dtype);
  v.align_required = kAlignInW;
  // 32-bit offsets serve the calls whose every offset fits them, and win there.
  v.index = i32 ? detail::IndexWidth::i32 : detail::IndexWidth::i64;
  v.tile = tc_expand_tile(BM, KW);
  v.max_rank = ExpandK<T, KW>::kLoopsOverK ? 0 : KW;  // the narrower forms hold all of R
  v.rank_step = 8;  // whole 8- and 16-byte fragments (others: the SIMT kernel)
  v.priority = kPriorityTensorCore + (i32 ? 1 : 0);
  return v;
}

/// The tiles here must be exactly those choose_tile() returns for expand.
template <class Index>
void register_tc_expand_for(detail::KernelRegistry& r) {
  constexpr bool i32 = std::is_same_v<Index, std::int32_t>;
#define SGMV_EXPAND(T, O, NAME, BM, KW)                                                            \
  r.add(tc_expand_variant<T, O, BM, KW, false, Index>(                                             \
      i32 ? "tc_expand<" NAME "," #BM ",k" #KW ",i32>" : "tc_expand<" NAME "," #BM ",k" #KW ">")); \
  r.add(tc_expand_variant<T, O, BM, KW, true, Index>(                                              \
      i32 ? "tc_expand<" NAME "," #BM ",k" #KW ",add,i32>"                                         \
          : "tc_expand<" NAME "," #BM ",k" #KW ",add>"))
// Rows per block: 128, and 64 for the narrow form when its last wave is
// fuller (tile_policy.cu has the measurements).
#define SGMV_EXPAND_TILES(T, O, NAME) \
  SGMV_EXPAND(T, O, NAME, 64, 16);    \
  SGMV_EXPAND(T, O, NAME, 128, 16);   \
  SGMV_EXPAND(T, O, NAME, 128, 32);   \
  SGMV_EXPAND(T, O, NAME, 128, 64);   \
  SGMV_EXPAND(T, O, NAME, 64, 128)
  SGMV_EXPAND_TILES(F16, F16, "f16");
  SGMV_EXPAND_TILES(F16, F32, "f16>f32");
  SGMV_EXPAND_TILES(BF16, BF16, "bf16");
  SGMV_EXPAND_TILES(BF16, F32, "bf16>f32");
#undef SGMV_EXPAND_TILES
#undef SGMV_EXPAND
}

}  // namespace sgmv::gpu
