// Registers the expand kernels on the warpgroup tensor-core instructions
// (wgmma, kernels/tc_expand_wgmma.cuh): BM rows x 256 columns, R <= 64,
// with and without add, output in the input dtype; the prefill expand of 32 < R <= 64
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

template <class T, int BM, bool ADD>
detail::KernelVariant variant(const char* name) {
  constexpr int ST = kWgmmaExpandStages;
  detail::KernelVariant v =
      make_variant<&tc_expand_wgmma_kernel<T, BM, ST, ADD>, BM, kWgmmaExpandBN,
                   kWgmmaExpandSmem<BM, ST>>(name, detail::OpKind::expand);
  v.add_mask = ADD ? 2 : 1;
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
#define SGMV_WGMMA_EXPAND(T, NAME, BM)                               \
  r.add(variant<T, BM, false>("tc_expand_wgmma<" NAME "," #BM ">")); \
  r.add(variant<T, BM, true>("tc_expand_wgmma<" NAME "," #BM ",add>"))
  SGMV_WGMMA_EXPAND(BF16, "bf16", 128);
  SGMV_WGMMA_EXPAND(BF16, "bf16", 256);
  SGMV_WGMMA_EXPAND(F16, "f16", 128);
  SGMV_WGMMA_EXPAND(F16, "f16", 256);
#undef SGMV_WGMMA_EXPAND
}

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_expand_wgmma(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
