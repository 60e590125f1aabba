// Registers the tensor-core expand kernels that hold B in registers (fp16
// and bf16 u and B; output in the input dtype or fp32, other outputs go to
// the SIMT kernel): one per K-in-registers width. CUDA only: the HIP build
// compiles this file to an empty registration.
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)
#include "backends/cuda_hip/tc_expand_variants.cuh"

namespace sgmv::gpu {

/// The tiles here must be exactly those choose_tile() returns for expand.
/// Each tile that serves per-token calls comes twice: as is, and carrying
/// tiles across the passes of a block's token scan (kTileCarry, for calls
/// whose ranges take several passes).
void register_tc_expand(detail::KernelRegistry& r) {
#define SGMV_EXPAND_AS(T, O, NAME, BM, KW, ADD, CG, CARRY, SUFFIX)                                \
  r.add(tc_expand_variant<T, O, BM, KW, ADD, CG, CARRY>("tc_expand<" NAME "," #BM ",k" #KW SUFFIX \
                                                        ">"))
#define SGMV_EXPAND_ONE(T, O, NAME, BM, KW, ADD, CG, SUFFIX)  \
  SGMV_EXPAND_AS(T, O, NAME, BM, KW, ADD, CG, false, SUFFIX); \
  SGMV_EXPAND_AS(T, O, NAME, BM, KW, ADD, CG, true, SUFFIX ",carry")
#define SGMV_EXPAND_CG(T, O, NAME, BM, KW, CG)               \
  SGMV_EXPAND_ONE(T, O, NAME, BM, KW, false, CG, ",cg" #CG); \
  SGMV_EXPAND_ONE(T, O, NAME, BM, KW, true, CG, ",cg" #CG ",add")
#define SGMV_EXPAND(T, O, NAME, BM, KW)              \
  SGMV_EXPAND_ONE(T, O, NAME, BM, KW, false, 1, ""); \
  SGMV_EXPAND_ONE(T, O, NAME, BM, KW, true, 1, ",add")
// Rows per block, K widths and column groups: see tc_expand_tile_for in
// tile_policy.cu (2 groups for R <= 64 measured slower; 4 groups of k16 and
// 256 rows of k64 only without add, where the policy takes them; 256 rows
// only in the segment form, so without the carry).
#define SGMV_EXPAND_TILES(T, O, NAME)                       \
  SGMV_EXPAND(T, O, NAME, 64, 16);                          \
  SGMV_EXPAND(T, O, NAME, 128, 16);                         \
  SGMV_EXPAND(T, O, NAME, 128, 32);                         \
  SGMV_EXPAND(T, O, NAME, 128, 64);                         \
  SGMV_EXPAND_AS(T, O, NAME, 256, 64, false, 1, false, ""); \
  SGMV_EXPAND(T, O, NAME, 64, 128);                         \
  SGMV_EXPAND_CG(T, O, NAME, 128, 16, 2);                   \
  SGMV_EXPAND_ONE(T, O, NAME, 128, 16, false, 4, ",cg4")
  SGMV_EXPAND_TILES(F16, F16, "f16");
  SGMV_EXPAND_TILES(F16, F32, "f16>f32");
  SGMV_EXPAND_TILES(BF16, BF16, "bf16");
  SGMV_EXPAND_TILES(BF16, F32, "bf16>f32");
#undef SGMV_EXPAND_TILES
#undef SGMV_EXPAND
#undef SGMV_EXPAND_CG
#undef SGMV_EXPAND_ONE
#undef SGMV_EXPAND_AS
}

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_expand(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
