// Registers the tensor-core shrink kernels that split K over a thread-block
// cluster (sm_90): decode-sized work gets enough blocks in flight, and
// prefill tiles grow taller (A is re-read once per tile) without losing
// blocks. Built only for sm_90 targets (backends/cuda/CMakeLists.txt defines
// SGMV_CUDA_SM90_TU there); elsewhere, and under HIP, the registration is empty.
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS) && defined(SGMV_CUDA_SM90_TU)
#include "backends/cuda_hip/tc_shrink_variants.cuh"

namespace sgmv::gpu {
namespace {

template <class T, int BM, int BN, int MW, int CS>
__global__ void __cluster_dims__(CS, 1, 1) __launch_bounds__(kBlockThreads, 1)
    tc_shrink_cluster_kernel(const Problem p) {
  tc_shrink_body<T, BM, BN, MW, CS>(p);
}

template <class T, int BM, int BN, int MW, int CS>
detail::KernelVariant variant(const char* name) {
  return tc_shrink_variant<&tc_shrink_cluster_kernel<T, BM, BN, MW, CS>, T, BM, BN, MW, CS>(name);
}

template <class T>
void register_dtype(detail::KernelRegistry& r) {
  constexpr bool bf16 = T::dtype == DType::bf16;
  // Decode-sized: 16-row tiles, K split over 8 blocks.
  r.add(variant<T, 16, 16, 1, 8>(bf16 ? "tc_shrink_cluster<bf16,16x16,mw1,cs8>"
                                      : "tc_shrink_cluster<f16,16x16,mw1,cs8>"));
  r.add(variant<T, 16, 32, 1, 8>(bf16 ? "tc_shrink_cluster<bf16,16x32,mw1,cs8>"
                                      : "tc_shrink_cluster<f16,16x32,mw1,cs8>"));
  // Prefill: tall tiles, warps along the rows, K split over the cluster.
  r.add(variant<T, 128, 16, 8, 4>(bf16 ? "tc_shrink_cluster<bf16,128x16,mw8,cs4>"
                                       : "tc_shrink_cluster<f16,128x16,mw8,cs4>"));
  r.add(variant<T, 128, 64, 8, 4>(bf16 ? "tc_shrink_cluster<bf16,128x64,mw8,cs4>"
                                       : "tc_shrink_cluster<f16,128x64,mw8,cs4>"));
  r.add(variant<T, 64, 64, 4, 2>(bf16 ? "tc_shrink_cluster<bf16,64x64,mw4,cs2>"
                                      : "tc_shrink_cluster<f16,64x64,mw4,cs2>"));
  r.add(variant<T, 32, 64, 1, 2>(bf16 ? "tc_shrink_cluster<bf16,32x64,mw1,cs2>"
                                      : "tc_shrink_cluster<f16,32x64,mw1,cs2>"));
}

}  // namespace

void register_tc_shrink_cluster(detail::KernelRegistry& r) {
  register_dtype<BF16>(r);
  register_dtype<F16>(r);
  note_cluster_variants();
}

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_shrink_cluster(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
