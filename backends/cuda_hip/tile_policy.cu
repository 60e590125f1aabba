// The tile policy: which kernel family and block tile serve a call. Pure and
// cheap (it runs on every call, cache hit or not): a few comparisons on
// host-known sizes.
#include "backends/cuda_hip/tiles.hpp"
#include "kernels/vendor.cuh"

namespace sgmv::gpu {
namespace {

using detail::LaunchKey;
using detail::MetaForm;
using detail::OpKind;
using detail::Problem;
using detail::TileConfig;

#if defined(SGMV_CUDA_FAST_PATHS)
/// Tensor cores take fp16/bf16 in and weights of the same dtype, 16-byte aligned.
bool tensor_core_call(const LaunchKey& key) {
  const bool half_types = key.in_dtype == DType::f16 || key.in_dtype == DType::bf16;
  const std::uint8_t need = detail::align_in | detail::align_w;
  return half_types && key.w_dtype == key.in_dtype && (key.align & need) == need;
}

/// Shrink: BN covers the rank (up to 64 per block). Long segments take 32-row
/// tiles (A is re-read per tile, so taller tiles read it less); decode-sized
/// work takes 16-row tiles and narrow column chunks, for more blocks.
TileConfig tc_shrink_tile_for(const Problem& p) {
  const std::int64_t n = p.max_n;
  const bool short_rows = p.form == MetaForm::per_token || p.max_seg_len <= 16;
  if (short_rows) return tc_shrink_tile(16, n <= 8 ? 8 : 16);
  return tc_shrink_tile(32, n <= 16 ? 16 : (n <= 32 ? 32 : 64));
}
#endif

}  // namespace

TileConfig choose_tile(const Problem& p, const LaunchKey& key) {
#if defined(SGMV_CUDA_FAST_PATHS)
  if (tensor_core_call(key)) return p.op == OpKind::shrink ? tc_shrink_tile_for(p) : kTcExpandTile;
#endif
  (void)key;
  return p.op == OpKind::shrink ? kSimtShrinkTile : kSimtExpandTile;
}

}  // namespace sgmv::gpu
