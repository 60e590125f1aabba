// Registers the tensor-core expand kernels (fp16 and bf16 u and B; any output
// dtype). CUDA only: the HIP build compiles this file to an empty registration.
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)
#include "backends/cuda_hip/launch.cuh"
#include "backends/cuda_hip/tiles.hpp"
#include "kernels/tc_expand.cuh"

namespace sgmv::gpu {
namespace {

static_assert(kTcExpandBM == kTcExpandRows && kTcExpandBN == kTcExpandCols);

template <class T>
detail::KernelVariant variant(const char* name) {
  detail::KernelVariant v = make_variant<&tc_expand_kernel<T>, kTcExpandRows, kTcExpandCols>(
      name, detail::OpKind::expand);
  v.in = v.w = only(T::dtype);
  v.align_required = kAlignInW;
  v.index = detail::IndexWidth::i64;  // row offsets are 64-bit, computed once per row
  v.tile = kTcExpandTile;
  v.priority = kPriorityTensorCore;
  return v;
}

}  // namespace

void register_tc_expand(detail::KernelRegistry& r) {
  r.add(variant<F16>("tc_expand<f16>"));
  r.add(variant<BF16>("tc_expand<bf16>"));
}

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_expand(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
