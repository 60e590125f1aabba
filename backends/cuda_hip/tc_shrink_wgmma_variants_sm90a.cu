// Registers the shrink kernels on the warpgroup tensor-core instructions
// (wgmma, kernels/tc_shrink_wgmma.cuh): 32 rows x 64 outputs, the prefill
// tile of R > 32 on devices of compute capability 9.0, each with operands
// copied by cp.async and (segment form) by TMA
// (kernels/tc_shrink_wgmma_tma.cuh). Built for the
// arch-specific sm_90a target alone (backends/cuda/CMakeLists.txt defines
// SGMV_CUDA_SM90A_TU there), whose code runs on 9.0 devices only; the tile
// policy and the tests ask for them there alone. Elsewhere, and under HIP,
// the registration is empty.
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS) && defined(SGMV_CUDA_SM90A_TU)
#include <cstring>

#include "backends/cuda_hip/tc_shrink_variants.cuh"
#include "backends/cuda_hip/tensor_map.hpp"
#include "kernels/tc_shrink_wgmma.cuh"
#include "kernels/tc_shrink_wgmma_tma.cuh"

namespace sgmv::gpu {
namespace {

static_assert(sizeof(TmaShrinkParams) <= detail::kRawLaunchParamBytes, "RawLaunch::param");

/// The parameter of the TMA kernel for p: its maps, encoded now, and p.
/// False where the maps cannot serve p (encode_shrink_maps).
template <int BM, int BN>
bool tma_params(const Problem& p, TmaShrinkParams* params) {
  if (!encode_shrink_maps(p, BM, BN, &params->x, &params->a)) return false;
  std::memcpy(static_cast<void*>(&params->p), &p, sizeof(Problem));
  return true;
}

/// Launches the TMA kernel kTma for p, or the cp.async kernel kCopy of the
/// same tile where the maps cannot serve p.
template <auto kTma, KernelFn kCopy, int BM, int BN, int SMEM>
void launch_tma(const Problem& p, const detail::TileConfig& tile, const detail::LaunchEnv& env) {
  if (p.empty()) return;  // nothing to launch: no maps to encode
  TmaShrinkParams params;
  if (!tma_params<BM, BN>(p, &params)) {
    launch<kCopy, BM, BN, SMEM>(p, tile, env);
    return;
  }
  launch_with<kTma, BM, BN, SMEM>(p, &params, env);
}

/// KernelVariant::describe of launch_tma: the launch it makes for p, its
/// parameter included.
template <auto kTma, KernelFn kCopy, int BM, int BN, int SMEM>
bool describe_tma(const Problem& p, const detail::TileConfig& tile, detail::RawLaunch* raw) {
  TmaShrinkParams params;
  if (!tma_params<BM, BN>(p, &params))
    return describe_for_caller<kCopy, BM, BN, SMEM>(p, tile, raw);
  if (!describe_for_caller<kTma, BM, BN, SMEM>(p, tile, raw)) return false;
  std::memcpy(raw->param, static_cast<const void*>(&params), sizeof(params));
  raw->param_bytes = sizeof(params);
  return true;
}

/// The variant of BN outputs and STAGES stages, its operands copied by TMA
/// (segment form only) or by cp.async.
template <class T, int BN, int STAGES, bool kXEvictFirst, bool kTma>
detail::KernelVariant variant(const char* name) {
  constexpr int BM = kWgmmaShrinkBM, KT = kWgmmaShrinkKT;
  constexpr int kSmem = kWgmmaShrinkSmem<BM, BN, KT, STAGES>;
  constexpr KernelFn kCopy = &tc_shrink_wgmma_kernel<T, BM, BN, KT, STAGES, kXEvictFirst>;
  detail::KernelVariant v = make_variant<kCopy, BM, BN, kSmem>(name, detail::OpKind::shrink);
  if constexpr (kTma) {
    constexpr auto kTmaKernel = &tc_shrink_wgmma_tma_kernel<T, BM, BN, KT, STAGES, kXEvictFirst>;
    v.launch = &launch_tma<kTmaKernel, kCopy, BM, BN, kSmem>;
    v.describe = &describe_tma<kTmaKernel, kCopy, BM, BN, kSmem>;
    v.forms = 1u << static_cast<int>(detail::MetaForm::segments);
  }
  return tc_shrink_common(v, T::dtype, tc_wgmma_shrink_tile(BN, STAGES, kXEvictFirst, kTma));
}

template <class T>
void register_dtype(detail::KernelRegistry& r) {
  constexpr bool bf16 = T::dtype == DType::bf16;
  // 64 outputs: the two depths the policy picks from, each with and without
  // x under an evict-first policy; 128 outputs: one depth, no hint (which
  // lost there; tile_policy.cu). Each copies by cp.async and by TMA.
#define SGMV_WGMMA_VARIANT(BN, ST, XEF, SUFFIX)                          \
  r.add(variant<T, BN, ST, XEF, false>(                                  \
      bf16 ? "tc_shrink_wgmma<bf16,32x" #BN ",k128,s" #ST SUFFIX ">"     \
           : "tc_shrink_wgmma<f16,32x" #BN ",k128,s" #ST SUFFIX ">"));   \
  r.add(variant<T, BN, ST, XEF, true>(                                   \
      bf16 ? "tc_shrink_wgmma<bf16,32x" #BN ",k128,s" #ST SUFFIX ",tma>" \
           : "tc_shrink_wgmma<f16,32x" #BN ",k128,s" #ST SUFFIX ",tma>"))
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
