// The kernel variants of the CUDA/HIP backend, registered by family (one
// translation unit each, so the families compile in parallel).
#pragma once

#include <cstdint>

#include "sgmv/core/kernel_registry.hpp"

namespace sgmv::gpu {

void register_simt_shrink(detail::KernelRegistry& registry);
void register_simt_expand(detail::KernelRegistry& registry);
/// Tensor-core families: empty in builds without SGMV_CUDA_FAST_PATHS (HIP).
void register_tc_shrink_f16(detail::KernelRegistry& registry);
void register_tc_shrink_bf16(detail::KernelRegistry& registry);
void register_tc_expand(detail::KernelRegistry& registry);
void register_tc_expand_staged(detail::KernelRegistry& registry);
/// wgmma (sm_90a) shrink variants: empty unless the build targets sm_90.
void register_tc_shrink_wgmma(detail::KernelRegistry& registry);
/// wgmma (sm_90a) expand variants: empty unless the build targets sm_90.
void register_tc_expand_wgmma(detail::KernelRegistry& registry);
/// Whether this build registered the wgmma variants, shrink and expand (the
/// tile policy picks them only then, and only on devices of compute
/// capability 9.0).
bool have_wgmma();

/// Priorities: among variants that match a key, the most specialised wins.
inline constexpr int kPriorityGeneric = 0;  // any dtypes, any alignment (+1 for i32)
inline constexpr int kPrioritySimt = 10;    // in == w, 16-byte aligned (+1 for i32)
inline constexpr int kPriorityTensorCore = 20;

/// Dtype masks and alignment of the fast variants.
inline constexpr detail::DTypeSet only(DType t) { return detail::dtype_bit(t); }
inline constexpr std::uint8_t kAlignInW = detail::align_in | detail::align_w;

}  // namespace sgmv::gpu
