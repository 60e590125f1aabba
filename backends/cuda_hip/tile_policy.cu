// The tile policy: which kernel family and block tile serve a call. Pure and
// cheap (it runs on every call, cache hit or not): a few comparisons on
// host-known sizes.
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "backends/cuda_hip/tiles.hpp"
#include "kernels/vendor.cuh"

namespace sgmv::gpu {
namespace {

using detail::LaunchKey;
using detail::MetaForm;
using detail::OpKind;
using detail::Problem;
using detail::TileConfig;

std::atomic<bool> g_cluster_variants{false};

#if defined(SGMV_CUDA_FAST_PATHS)
/// Tensor cores take fp16/bf16 in and weights of the same dtype, 16-byte aligned.
bool tensor_core_call(const LaunchKey& key) {
  const bool half_types = key.in_dtype == DType::f16 || key.in_dtype == DType::bf16;
  const std::uint8_t need = detail::align_in | detail::align_w;
  return half_types && key.w_dtype == key.in_dtype && (key.align & need) == need;
}

/// SGMV_CUDA_SHRINK_TILE="BM,BN,MW,CS" forces the tensor-core shrink tile
/// (read once; for benchmarking tiles against each other). A tile that no
/// variant implements falls back to the generic kernel.
struct TileOverride {
  bool set = false;
  TileConfig tile;
};
TileOverride read_override() {
  TileOverride o;
  const char* text = std::getenv("SGMV_CUDA_SHRINK_TILE");
  int bm = 0, bn = 0, mw = 0, cs = 0;
  if (text != nullptr && std::sscanf(text, "%d,%d,%d,%d", &bm, &bn, &mw, &cs) == 4 && bm > 0 &&
      bn > 0 && mw > 0 && cs > 0) {
    o.set = true;
    o.tile = tc_shrink_tile(bm, bn, mw, cs);
  }
  return o;
}

/// Shrink. Decode-sized work (one or a few rows per adapter): 16-row tiles,
/// narrow column chunks (more blocks). Prefill: 32-row tiles (A is re-read once
/// per tile) as wide as R up to 64. The cluster tiles (K split over the
/// blocks of an sm_90 cluster) are registered and correct but measured no
/// faster on the H100 so far (kernels/PERF_NOTES.md); they are chosen only
/// through SGMV_CUDA_SHRINK_TILE until they are.
TileConfig tc_shrink_tile_for(const Problem& p, const LaunchKey& key) {
  static const TileOverride forced = read_override();
  if (forced.set) return forced.tile;
  (void)key;
  const std::int64_t n = p.max_n;
  const bool short_rows = p.form == MetaForm::per_token || p.max_seg_len <= 16;
  // 8-column chunks up to R = 16 (twice the blocks: 9.95 us against 10.94 us
  // for 16 on decode_r16, H100, device-check run 3).
  if (short_rows) return tc_shrink_tile(16, n <= 16 ? 8 : 16, 1, 1);
  return tc_shrink_tile(32, n <= 16 ? 16 : (n <= 32 ? 32 : 64), 1, 1);
}

/// Expand: the whole of K (= R) in registers when R <= 64, else 128 at a time.
TileConfig tc_expand_tile_for(const Problem& p) {
  if (p.K <= 32) return tc_expand_tile(64, 1);
  if (p.K <= 64) return tc_expand_tile(64, 2);
  return tc_expand_tile(32, 4);
}
#endif

}  // namespace

void note_cluster_variants() { g_cluster_variants.store(true, std::memory_order_relaxed); }

TileConfig choose_tile(const Problem& p, const LaunchKey& key) {
#if defined(SGMV_CUDA_FAST_PATHS)
  if (tensor_core_call(key)) {
    return p.op == OpKind::shrink ? tc_shrink_tile_for(p, key) : tc_expand_tile_for(p);
  }
#endif
  (void)key;
  return p.op == OpKind::shrink ? kSimtShrinkTile : kSimtExpandTile;
}

}  // namespace sgmv::gpu
