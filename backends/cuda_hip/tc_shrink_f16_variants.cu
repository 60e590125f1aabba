// Registers the tensor-core shrink kernels for f16 x and A (CUDA only; the
// HIP build compiles this file to an empty registration).
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)
#include "backends/cuda_hip/tc_shrink_variants.cuh"

namespace sgmv::gpu {
void register_tc_shrink_f16(detail::KernelRegistry& r) { register_tc_shrink<F16>(r); }
}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_shrink_f16(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
