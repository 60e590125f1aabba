// Registers the tensor-core expand kernels with 64-bit element offsets
// (tc_expand_variants.cuh). CUDA only: the HIP build compiles this file to an
// empty registration.
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)
#include "backends/cuda_hip/tc_expand_variants.cuh"

namespace sgmv::gpu {
void register_tc_expand(detail::KernelRegistry& r) { register_tc_expand_for<std::int64_t>(r); }
}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_expand(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
