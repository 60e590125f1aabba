// Registers the tensor-core expand kernels (fp16 and bf16 u and B; any output
// dtype): one per K-in-registers width. CUDA only: the HIP build compiles
// this file to an empty registration.
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)
#include "backends/cuda_hip/launch.cuh"
#include "backends/cuda_hip/tiles.hpp"
#include "kernels/tc_expand.cuh"

namespace sgmv::gpu {
namespace {

static_assert(kTcExpandBN == kTcExpandCols);

template <class T, int BM, int KC, bool ADD>
detail::KernelVariant variant(const char* name) {
  detail::KernelVariant v = make_variant<&tc_expand_kernel<T, BM, KC, ADD>, BM, kTcExpandCols>(
      name, detail::OpKind::expand);
  v.add_mask = ADD ? 2 : 1;
  v.in = v.w = only(T::dtype);
  v.align_required = kAlignInW;
  v.index = detail::IndexWidth::i64;  // row offsets are 64-bit, computed once per row
  v.tile = tc_expand_tile(BM, KC);
  v.priority = kPriorityTensorCore;
  return v;
}

}  // namespace

/// The tiles here must be exactly those choose_tile() returns for expand.
void register_tc_expand(detail::KernelRegistry& r) {
  r.add(variant<F16, 64, 1, false>("tc_expand<f16,64,k32>"));
  r.add(variant<F16, 64, 2, false>("tc_expand<f16,64,k64>"));
  r.add(variant<F16, 32, 4, false>("tc_expand<f16,32,k128>"));
  r.add(variant<BF16, 64, 1, false>("tc_expand<bf16,64,k32>"));
  r.add(variant<BF16, 64, 2, false>("tc_expand<bf16,64,k64>"));
  r.add(variant<BF16, 32, 4, false>("tc_expand<bf16,32,k128>"));
  r.add(variant<F16, 64, 1, true>("tc_expand<f16,64,k32,add>"));
  r.add(variant<F16, 64, 2, true>("tc_expand<f16,64,k64,add>"));
  r.add(variant<F16, 32, 4, true>("tc_expand<f16,32,k128,add>"));
  r.add(variant<BF16, 64, 1, true>("tc_expand<bf16,64,k32,add>"));
  r.add(variant<BF16, 64, 2, true>("tc_expand<bf16,64,k64,add>"));
  r.add(variant<BF16, 32, 4, true>("tc_expand<bf16,32,k128,add>"));
}

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_expand(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
