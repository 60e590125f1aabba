// Registers the expand kernels on the warpgroup tensor-core instructions
// (wgmma, kernels/tc_expand_wgmma.cuh): BM rows x 256 columns, R <= 64,
// without add, output in the input dtype; the prefill expand of 32 < R <= 64
// on devices of compute capability 9.0. Built for the arch-specific sm_90a
// target alone, like tc_shrink_wgmma_variants_sm90a.cu; elsewhere, and
// under HIP, the registration is empty.
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS) && defined(SGMV_CUDA_SM90A_TU)
#include "backends/cuda_hip/launch.cuh"
#include "kernels/tc_expand_wgmma.cuh"

namespace sgmv::gpu {
namespace {

static_assert(kWgmmaExpandBN == WgmmaExpandShape<64, kWgmmaExpandStages>::BN);

template <class T, int BM>
detail::KernelVariant variant(const char* name) {
  constexpr int ST = kWgmmaExpandStages;
  detail::KernelVariant v = make_variant<&tc_expand_wgmma_kernel<T, BM, ST>, BM, kWgmmaExpandBN,
                                         kWgmmaExpandSmem<BM, ST>>(name, detail::OpKind::expand);
  v.add_mask = 1;  // without add only
  v.in = v.w = v.out = only(T::dtype);
  v.align_required = kAlignInW;
  v.index = detail::IndexWidth::i64;  // row offsets are 64-bit
  v.tile = tc_wgmma_expand_tile(BM);
  v.max_rank = WgmmaExpandShape<BM, ST>::kMaxRank;
  v.rank_step = kTcExpandRankStep;  // whole 16-byte units of R
  v.priority = kPriorityTensorCore;
  return v;
}

}  // namespace

void register_tc_expand_wgmma(detail::KernelRegistry& r) {
  r.add(variant<BF16, 128>("tc_expand_wgmma<bf16,128>"));
  r.add(variant<BF16, 256>("tc_expand_wgmma<bf16,256>"));
  r.add(variant<F16, 128>("tc_expand_wgmma<f16,128>"));
  r.add(variant<F16, 256>("tc_expand_wgmma<f16,256>"));
}

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_expand_wgmma(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
