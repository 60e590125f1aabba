// Registers the tensor-core expand kernels (fp16 and bf16 u and B; output
// in the input dtype or fp32, other outputs go to the SIMT kernel): one per
// K-in-registers width. CUDA only: the HIP build compiles this file to an
// empty registration.
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)
#include "backends/cuda_hip/launch.cuh"
#include "backends/cuda_hip/tiles.hpp"
#include "kernels/tc_expand.cuh"

namespace sgmv::gpu {
namespace {

static_assert(kTcExpandBN == kTcExpandCols);

template <class T, class O, int BM, int KW, bool ADD, int CG>
detail::KernelVariant variant(const char* name) {
  detail::KernelVariant v =
      make_variant<&tc_expand_kernel<T, O, BM, KW, ADD, CG>, BM, kTcExpandCols * CG>(
          name, detail::OpKind::expand);
  v.add_mask = ADD ? 2 : 1;
  v.in = v.w = only(T::dtype);
  v.out = only(O::dtype);
  v.align_required = kAlignInW;
  v.index = detail::IndexWidth::i64;  // row offsets are 64-bit, computed once per row
  v.tile = tc_expand_tile(BM, KW, CG);
  v.max_rank = ExpandK<T, KW>::kLoopsOverK ? 0 : KW;  // the narrower forms hold all of R
  v.rank_step = kTcExpandRankStep;
  v.priority = kPriorityTensorCore;
  return v;
}

}  // namespace

/// The tiles here must be exactly those choose_tile() returns for expand.
void register_tc_expand(detail::KernelRegistry& r) {
#define SGMV_EXPAND_CG(T, O, NAME, BM, KW, CG)                                               \
  r.add(variant<T, O, BM, KW, false, CG>("tc_expand<" NAME "," #BM ",k" #KW ",cg" #CG ">")); \
  r.add(variant<T, O, BM, KW, true, CG>("tc_expand<" NAME "," #BM ",k" #KW ",cg" #CG ",add>"))
#define SGMV_EXPAND(T, O, NAME, BM, KW)                                           \
  r.add(variant<T, O, BM, KW, false, 1>("tc_expand<" NAME "," #BM ",k" #KW ">")); \
  r.add(variant<T, O, BM, KW, true, 1>("tc_expand<" NAME "," #BM ",k" #KW ",add>"))
// Rows per block, K widths and column groups: see tc_expand_tile_for in
// tile_policy.cu (2 groups for R <= 64 measured slower; 4 groups of k16 and
// 256 rows of k64 only without add, where the policy takes them).
#define SGMV_EXPAND_TILES(T, O, NAME)                                     \
  SGMV_EXPAND(T, O, NAME, 64, 16);                                        \
  SGMV_EXPAND(T, O, NAME, 128, 16);                                       \
  SGMV_EXPAND(T, O, NAME, 128, 32);                                       \
  SGMV_EXPAND(T, O, NAME, 128, 64);                                       \
  r.add(variant<T, O, 256, 64, false, 1>("tc_expand<" NAME ",256,k64>")); \
  SGMV_EXPAND(T, O, NAME, 64, 128);                                       \
  SGMV_EXPAND_CG(T, O, NAME, 128, 16, 2);                                 \
  r.add(variant<T, O, 128, 16, false, 4>("tc_expand<" NAME ",128,k16,cg4>"))
  SGMV_EXPAND_TILES(F16, F16, "f16");
  SGMV_EXPAND_TILES(F16, F32, "f16>f32");
  SGMV_EXPAND_TILES(BF16, BF16, "bf16");
  SGMV_EXPAND_TILES(BF16, F32, "bf16>f32");
#undef SGMV_EXPAND_TILES
#undef SGMV_EXPAND
#undef SGMV_EXPAND_CG
}

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_expand(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
