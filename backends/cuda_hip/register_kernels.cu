// backend::register_kernels for CUDA and HIP: every kernel family, then the
// tile policy. Called once, when the library initialises; touches no device.
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "sgmv/core/backend.hpp"

namespace sgmv::detail::backend {

void register_kernels(KernelRegistry& registry) {
  gpu::register_simt_shrink(registry);
  gpu::register_simt_expand(registry);
  gpu::register_tc_shrink_f16(registry);
  gpu::register_tc_shrink_bf16(registry);
  gpu::register_tc_expand(registry);
  gpu::register_tc_expand_staged(registry);
  gpu::register_tc_shrink_wgmma(registry);
  gpu::register_tc_expand_wgmma(registry);
  registry.set_tile_policy(&gpu::choose_tile);
}

}  // namespace sgmv::detail::backend
