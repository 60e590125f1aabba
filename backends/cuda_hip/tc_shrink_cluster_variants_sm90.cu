// Registers the staged tensor-core shrink kernels that split K over a
// thread-block cluster (sm_90): twice the blocks of a prefill tile without
// re-reading A more often. The tile policy no longer picks them (single
// blocks were faster at R = 32, 64 and 128 once calls ran back to back with
// programmatic dependent launch, kernels/PERF_NOTES.md v8); they stay for
// SGMV_CUDA_SHRINK_TILE="s:32,64,128,2" and are tested with every other
// variant. Built only for sm_90 targets
// (backends/cuda/CMakeLists.txt defines SGMV_CUDA_SM90_TU there); elsewhere,
// and under HIP, the registration is empty.
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS) && defined(SGMV_CUDA_SM90_TU)
#include "backends/cuda_hip/tc_shrink_variants.cuh"

namespace sgmv::gpu {
namespace {

template <class T, int BM, int BN, int KT, int STAGES, int CS>
__global__ void __cluster_dims__(CS, 1, 1) __launch_bounds__(kBlockThreads, 2)
    tc_shrink_staged_cluster_kernel(const Problem p) {
  tc_shrink_staged_body<T, BM, BN, KT, STAGES, CS>(p);
}

template <class T, int BM, int BN, int KT, int STAGES, int CS>
detail::KernelVariant variant(const char* name) {
  return tc_shrink_staged_variant<&tc_shrink_staged_cluster_kernel<T, BM, BN, KT, STAGES, CS>, T,
                                  BM, BN, KT, STAGES, CS>(name);
}

template <class T>
void register_dtype(detail::KernelRegistry& r) {
  constexpr bool bf16 = T::dtype == DType::bf16;
#define SGMV_CLUSTER(BM, BN, KT, ST, CS)                                                  \
  r.add(variant<T, BM, BN, KT, ST, CS>(                                                   \
      bf16 ? "tc_shrink_staged_cluster<bf16," #BM "x" #BN ",k" #KT ",s" #ST ",cs" #CS ">" \
           : "tc_shrink_staged_cluster<f16," #BM "x" #BN ",k" #KT ",s" #ST ",cs" #CS ">"))
  // K split over 2 blocks of 32 x 64. Decode-sized cluster tiles (K over 4
  // or 8 blocks), taller prefill tiles, longer K steps and small tiles at
  // 3-4 blocks per SM all measured slower (kernels/PERF_NOTES.md).
  SGMV_CLUSTER(32, 64, 128, 4, 2);
#undef SGMV_CLUSTER
}

}  // namespace

void register_tc_shrink_cluster(detail::KernelRegistry& r) {
  register_dtype<BF16>(r);
  register_dtype<F16>(r);
}

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_shrink_cluster(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
