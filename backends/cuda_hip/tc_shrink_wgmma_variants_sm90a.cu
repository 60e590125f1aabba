// Registers the shrink kernels on the warpgroup tensor-core instructions
// (wgmma, kernels/tc_shrink_wgmma.cuh): 32 rows x 64 outputs, the prefill
// tile of R > 32 on devices of compute capability 9.0. Built for the
// arch-specific sm_90a target alone (backends/cuda/CMakeLists.txt defines
// SGMV_CUDA_SM90A_TU there), whose code runs on 9.0 devices only; the tile
// policy and the tests ask for them there alone. Elsewhere, and under HIP,
// the registration is empty.
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS) && defined(SGMV_CUDA_SM90A_TU)
#include "backends/cuda_hip/tc_shrink_variants.cuh"
#include "kernels/tc_shrink_wgmma.cuh"

namespace sgmv::gpu {
namespace {

template <class T, int BN, int STAGES, bool kXEvictFirst>
detail::KernelVariant variant(const char* name) {
  constexpr int BM = kWgmmaShrinkBM, KT = kWgmmaShrinkKT;
  return tc_shrink_common(
      make_variant<&tc_shrink_wgmma_kernel<T, BM, BN, KT, STAGES, kXEvictFirst>, BM, BN,
                   kWgmmaShrinkSmem<BM, BN, KT, STAGES>>(name, detail::OpKind::shrink),
      T::dtype, tc_wgmma_shrink_tile(BN, STAGES, kXEvictFirst));
}

template <class T>
void register_dtype(detail::KernelRegistry& r) {
  constexpr bool bf16 = T::dtype == DType::bf16;
  // 64 outputs: the two depths the policy picks from, each with and without
  // x under an evict-first policy; 128 outputs: one depth, no hint (which
  // lost there; tile_policy.cu).
#define SGMV_WGMMA_VARIANT(BN, ST, XEF, SUFFIX)                                                \
  r.add(variant<T, BN, ST, XEF>(bf16 ? "tc_shrink_wgmma<bf16,32x" #BN ",k128,s" #ST SUFFIX ">" \
                                     : "tc_shrink_wgmma<f16,32x" #BN ",k128,s" #ST SUFFIX ">"))
  SGMV_WGMMA_VARIANT(64, 4, false, "");
  SGMV_WGMMA_VARIANT(64, 4, true, ",xef");
  SGMV_WGMMA_VARIANT(64, 8, false, "");
  SGMV_WGMMA_VARIANT(64, 8, true, ",xef");
  SGMV_WGMMA_VARIANT(128, 5, false, "");
#undef SGMV_WGMMA_VARIANT
  static_assert(kWgmmaShrinkStages == 4 && kWgmmaShrinkStagesDeep == 8 &&
                    kWgmmaShrinkWideStages == 5 && kWgmmaShrinkWideBN == 128,
                "the names above");
}

}  // namespace

void register_tc_shrink_wgmma(detail::KernelRegistry& r) {
  register_dtype<BF16>(r);
  register_dtype<F16>(r);
}

bool have_wgmma() { return true; }  // with the expand's (the same condition)

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_shrink_wgmma(detail::KernelRegistry&) {}
bool have_wgmma() { return false; }
}  // namespace sgmv::gpu
#endif
