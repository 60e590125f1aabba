// The tensor-core shrink variants of one dtype: every (BM, BN) tile the tile
// policy can choose. Included by one translation unit per dtype.
#pragma once

#include "backends/cuda_hip/launch.cuh"
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/tc_shrink.cuh"

namespace sgmv::gpu {

template <class T, int BM, int BN>
detail::KernelVariant tc_shrink_variant(const char* name) {
  detail::KernelVariant v =
      make_variant<&tc_shrink_kernel<T, BM, BN>, BM, BN>(name, detail::OpKind::shrink);
  v.in = v.w = only(T::dtype);
  v.align_required = kAlignInW;
  v.index = detail::IndexWidth::i64;  // row offsets are 64-bit, computed once per tile
  v.tile = tc_shrink_tile(BM, BN);
  v.priority = kPriorityTensorCore;
  return v;
}

/// The tiles here must be exactly those choose_tile() returns for shrink.
template <class T>
void register_tc_shrink(detail::KernelRegistry& r) {
  constexpr bool bf16 = T::dtype == DType::bf16;
  r.add(tc_shrink_variant<T, 16, 8>(bf16 ? "tc_shrink<bf16,16x8>" : "tc_shrink<f16,16x8>"));
  r.add(tc_shrink_variant<T, 16, 16>(bf16 ? "tc_shrink<bf16,16x16>" : "tc_shrink<f16,16x16>"));
  r.add(tc_shrink_variant<T, 32, 16>(bf16 ? "tc_shrink<bf16,32x16>" : "tc_shrink<f16,32x16>"));
  r.add(tc_shrink_variant<T, 32, 32>(bf16 ? "tc_shrink<bf16,32x32>" : "tc_shrink<f16,32x32>"));
  r.add(tc_shrink_variant<T, 32, 64>(bf16 ? "tc_shrink<bf16,32x64>" : "tc_shrink<f16,32x64>"));
}

}  // namespace sgmv::gpu
