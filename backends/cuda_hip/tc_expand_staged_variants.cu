// Registers the tensor-core expand kernels whose block stages its B slice in
// shared memory (tc_expand.cuh, SMEM_B; tile option kTileStagedB): 128 rows
// x 2 groups of 256 columns, R up to 32 or 64, with and without the
// per-token carry; without add only (with add, decode_r64 took 10.6 us
// against 9.8 for the register tile on the H200, kernels/PERF_NOTES.md v17).
// CUDA only: the HIP build compiles this file to an empty registration.
#include "backends/cuda_hip/variants.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)
#include "backends/cuda_hip/tc_expand_variants.cuh"

namespace sgmv::gpu {

void register_tc_expand_staged(detail::KernelRegistry& r) {
#define SGMV_STAGED_AS(T, O, NAME, KW, CARRY, SUFFIX)                                          \
  r.add(tc_expand_variant<T, O, 128, KW, false, 2, CARRY, true>("tc_expand<" NAME ",128,k" #KW \
                                                                ",cg2" SUFFIX ",smem>"))
#define SGMV_STAGED(T, O, NAME, KW)          \
  SGMV_STAGED_AS(T, O, NAME, KW, false, ""); \
  SGMV_STAGED_AS(T, O, NAME, KW, true, ",carry")
#define SGMV_STAGED_TILES(T, O, NAME) \
  SGMV_STAGED(T, O, NAME, 32);        \
  SGMV_STAGED(T, O, NAME, 64)
  SGMV_STAGED_TILES(F16, F16, "f16");
  SGMV_STAGED_TILES(F16, F32, "f16>f32");
  SGMV_STAGED_TILES(BF16, BF16, "bf16");
  SGMV_STAGED_TILES(BF16, F32, "bf16>f32");
#undef SGMV_STAGED_TILES
#undef SGMV_STAGED
#undef SGMV_STAGED_AS
}

}  // namespace sgmv::gpu

#else
namespace sgmv::gpu {
void register_tc_expand_staged(detail::KernelRegistry&) {}
}  // namespace sgmv::gpu
#endif
