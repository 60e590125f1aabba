// Registers the portable shrink kernels: dtype-templated (in == w, 16-byte
// aligned) and dtype-dynamic (any combination, any alignment), each with
// 32-bit and 64-bit index arithmetic. The tile is the vendor's (SimtTile in
// kernels/vendor.cuh: the wave64 tile on HIP), the one choose_tile returns.
#include <cstdint>
#include <type_traits>

#include "backends/cuda_hip/launch.cuh"
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/simt_shrink.cuh"

namespace sgmv::gpu {
namespace {

static_assert(kSimtShrinkBM == kSimtShrinkRows && kSimtShrinkBN == kSimtShrinkCols);

template <class T, class Index>
detail::KernelVariant variant(const char* name) {
  detail::KernelVariant v =
      make_variant<&simt_shrink_kernel<T, Index>, kSimtShrinkRows, kSimtShrinkCols>(
          name, detail::OpKind::shrink);
  const bool i32 = std::is_same_v<Index, std::int32_t>;
  v.index = i32 ? detail::IndexWidth::i32 : detail::IndexWidth::i64;
  if constexpr (std::is_same_v<T, Dyn>) {
    v.priority = kPriorityGeneric + (i32 ? 1 : 0);  // tile left "any": the fallback of every call
  } else {
    v.in = v.w = only(T::dtype);
    v.align_required = kAlignInW;
    v.tile = kSimtShrinkTile;
    v.priority = kPrioritySimt + (i32 ? 1 : 0);
  }
  return v;
}

}  // namespace

void register_simt_shrink(detail::KernelRegistry& r) {
  r.add(variant<F16, std::int32_t>("simt_shrink<f16,i32>"));
  r.add(variant<F16, std::int64_t>("simt_shrink<f16,i64>"));
  r.add(variant<BF16, std::int32_t>("simt_shrink<bf16,i32>"));
  r.add(variant<BF16, std::int64_t>("simt_shrink<bf16,i64>"));
  r.add(variant<F32, std::int32_t>("simt_shrink<f32,i32>"));
  r.add(variant<F32, std::int64_t>("simt_shrink<f32,i64>"));
  r.add(variant<Dyn, std::int32_t>("generic_shrink<i32>"));
  r.add(variant<Dyn, std::int64_t>("generic_shrink<i64>"));
}

}  // namespace sgmv::gpu
