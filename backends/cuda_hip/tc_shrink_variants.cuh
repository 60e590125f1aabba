// The tensor-core shrink variants of one dtype: every tile the tile policy
// can choose. Included by one translation unit per dtype (and by the sm_90
// one for the cluster tiles).
#pragma once

#include "backends/cuda_hip/launch.cuh"
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/tc_shrink.cuh"

namespace sgmv::gpu {

template <KernelFn kKernel, class T, int BM, int BN, int MW, int CS>
detail::KernelVariant tc_shrink_variant(const char* name) {
  detail::KernelVariant v = make_variant<kKernel, BM, BN, CS>(name, detail::OpKind::shrink);
  v.in = v.w = only(T::dtype);
  v.align_required = kAlignInW;
  v.index = detail::IndexWidth::i64;  // row offsets are 64-bit, computed once per tile
  v.tile = tc_shrink_tile(BM, BN, MW, CS);
  v.priority = kPriorityTensorCore;
  return v;
}

template <class T, int BM, int BN, int MW>
detail::KernelVariant tc_shrink_variant(const char* name) {
  return tc_shrink_variant<&tc_shrink_kernel<T, BM, BN, MW>, T, BM, BN, MW, 1>(name);
}

/// The single-block tiles (every architecture); choose_tile() returns these
/// when clusters are not available.
template <class T>
void register_tc_shrink(detail::KernelRegistry& r) {
  constexpr bool bf16 = T::dtype == DType::bf16;
  r.add(tc_shrink_variant<T, 16, 8, 1>(bf16 ? "tc_shrink<bf16,16x8>" : "tc_shrink<f16,16x8>"));
  r.add(tc_shrink_variant<T, 16, 16, 1>(bf16 ? "tc_shrink<bf16,16x16>" : "tc_shrink<f16,16x16>"));
  r.add(tc_shrink_variant<T, 32, 16, 1>(bf16 ? "tc_shrink<bf16,32x16>" : "tc_shrink<f16,32x16>"));
  r.add(tc_shrink_variant<T, 32, 32, 1>(bf16 ? "tc_shrink<bf16,32x32>" : "tc_shrink<f16,32x32>"));
  r.add(tc_shrink_variant<T, 32, 64, 1>(bf16 ? "tc_shrink<bf16,32x64>" : "tc_shrink<f16,32x64>"));
}

}  // namespace sgmv::gpu
