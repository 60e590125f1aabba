// The tile policy: which kernel family and block tile serve a call. Pure and
// cheap (it runs on every call, cache hit or not): a few comparisons on
// host-known sizes.
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "backends/cuda_hip/tiles.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)
#include "kernels/tc_expand.cuh"  // kTcExpandBlocksPerSm
#endif

namespace sgmv::gpu {
namespace {

using detail::LaunchKey;
using detail::MetaForm;
using detail::OpKind;
using detail::Problem;
using detail::TileConfig;

std::atomic<bool> g_cluster_variants{false};

#if defined(SGMV_CUDA_FAST_PATHS)
/// Tensor cores take fp16/bf16 in and weights of the same dtype, 16-byte
/// aligned; the expand kernels write the input dtype or fp32, for R a
/// multiple of 8 (what their variants serve: KernelVariant::rank_step).
bool tensor_core_call(const LaunchKey& key) {
  const bool half_types = key.in_dtype == DType::f16 || key.in_dtype == DType::bf16;
  const std::uint8_t need = detail::align_in | detail::align_w;
  const bool expand_ok =
      key.op == OpKind::shrink || ((key.out_dtype == key.in_dtype || key.out_dtype == DType::f32) &&
                                   key.rank != 0 && key.rank % kTcExpandRankStep == 0);
  return half_types && expand_ok && key.w_dtype == key.in_dtype && (key.align & need) == need;
}

/// SGMV_CUDA_SHRINK_TILE forces the tensor-core shrink tile (read once; for
/// benchmarking tiles against each other): "s:BM,BN,KT,CS" a staged tile,
/// "BM,BN,MW,CS" a register-direct one. A tile that no variant implements
/// falls back to the generic kernel.
struct TileOverride {
  bool set = false;
  TileConfig tile;
};
TileOverride read_override() {
  TileOverride o;
  const char* text = std::getenv("SGMV_CUDA_SHRINK_TILE");
  if (text == nullptr) return o;
  const bool staged = text[0] == 's' && text[1] == ':';
  int bm = 0, bn = 0, third = 0, cs = 0;
  if (std::sscanf(staged ? text + 2 : text, "%d,%d,%d,%d", &bm, &bn, &third, &cs) == 4 && bm > 0 &&
      bn > 0 && third > 0 && cs > 0) {
    o.set = true;
    o.tile = staged ? tc_staged_shrink_tile(bm, bn, third, cs) : tc_shrink_tile(bm, bn, third, cs);
  }
  return o;
}

/// Device attribute kAttr of `device`, asked once per device (0 when the
/// query fails or the device is out of range).
template <SGMV_GPU_API(DeviceAttr) kAttr>
int device_attribute(int device) {
  static std::atomic<int> known[64] = {};  // 0: not asked yet; -1: asked, no answer
  if (device < 0 || device >= 64) return 0;
  int v = known[device].load(std::memory_order_relaxed);
  if (v == 0) {
    if (SGMV_GPU_API(DeviceGetAttribute)(&v, kAttr, device) != SGMV_GPU_API(Success) || v <= 0) {
      v = -1;
    }
    known[device].store(v, std::memory_order_relaxed);
  }
  return v > 0 ? v : 0;
}

/// Whether `device` runs thread-block clusters (compute capability 9.0+).
bool device_has_clusters(int device) {
  return device_attribute<SGMV_GPU_API(DevAttrComputeCapabilityMajor)>(device) >= 9;
}

/// Shrink. Decode-sized work (one or a few rows per adapter) is bound by
/// latency: register-direct 16-row tiles, 8 columns wide up to R = 16 (more
/// blocks), else 16 (device run 2: 16 x 16 beat 16 x 8 at R = 64). Prefill: staged
/// (cp.async) tiles; for R > 32 on sm_90, K split over a cluster of 2.
/// Choices measured on the H100 (kernels/PERF_NOTES.md, device-check runs).
TileConfig tc_shrink_tile_for(const Problem& p, const LaunchKey& key) {
  static const TileOverride forced = read_override();
  if (forced.set) return forced.tile;
  const std::int64_t n = p.max_n;
  const bool short_rows = p.form == MetaForm::per_token || p.max_seg_len <= 16;
  if (short_rows) return tc_shrink_tile(16, n <= 16 ? 8 : 16, 1, 1);
  if (n <= 16) return tc_staged_shrink_tile(16, 16, 256, 1);
  if (n <= 32) return tc_staged_shrink_tile(32, 32, 128, 1);
  const bool clusters =
      g_cluster_variants.load(std::memory_order_relaxed) && device_has_clusters(key.device);
  return tc_staged_shrink_tile(32, 64, 128, clusters ? 2 : 1);
}

/// SGMV_CUDA_EXPAND_TILE="BM,KW" or "BM,KW,CG" forces the tensor-core
/// expand tile (read once; for benchmarking).
TileOverride read_expand_override() {
  TileOverride o;
  const char* text = std::getenv("SGMV_CUDA_EXPAND_TILE");
  int bm = 0, kw = 0, cg = 1;
  const int n = text != nullptr ? std::sscanf(text, "%d,%d,%d", &bm, &kw, &cg) : 0;
  if (n >= 2 && bm > 0 && kw > 0 && cg > 0) {
    o.set = true;
    o.tile = tc_expand_tile(bm, kw, cg);
  }
  return o;
}

/// Whether `a` blocks fill their last wave (of `per_wave` blocks) better
/// than `b` blocks fill theirs, by more than 1/16: a / (waves_a * w) >
/// b / (waves_b * w) + 1/16, in integers.
bool fills_last_wave_better(std::int64_t a, std::int64_t b, std::int64_t per_wave) {
  const std::int64_t wa = (a + per_wave - 1) / per_wave, wb = (b + per_wave - 1) / per_wave;
  return 16 * a * wb > 16 * b * wa + wa * wb * per_wave;
}

/// Expand: the whole of K (= R) in registers when R <= 64 (the narrow
/// 16-wide form up to R = 16), else 128 at a time. On segments the narrow
/// form takes 64-row tiles when their last wave is fuller than that of
/// 128-row ones (H100, device runs 2-5: prefill_r16 at 3 blocks per SM
/// 18.2-18.4 us with 64 rows, 2.6 waves, against 19.9-20.4 us with 128,
/// 1.3 waves; qkv_r16, 3.9 and 1.9 waves, 24.9-25.9 against 24.6-25.1 us;
/// prefill_r16 with add, 2 blocks per SM, 3.9 and 1.9 waves, 34.6 against
/// 33.3 us).
TileConfig tc_expand_tile_for(const Problem& p, const LaunchKey& key) {
  static const TileOverride forced = read_expand_override();
  if (forced.set) return forced.tile;
  if (p.K <= 16) {
    const int per_sm = p.add ? kTcExpandBlocksPerSm<16, true> : kTcExpandBlocksPerSm<16, false>;
    const std::int64_t per_wave =
        per_sm * static_cast<std::int64_t>(
                     device_attribute<SGMV_GPU_API(DevAttrMultiProcessorCount)>(key.device));
    if (p.form == MetaForm::segments && per_wave > 0) {
      const std::int64_t chunks = column_chunks(p, kTcExpandBN);
      if (fills_last_wave_better(row_units(p, 64) * chunks, row_units(p, 128) * chunks, per_wave)) {
        return tc_expand_tile(64, 16);
      }
    }
    return tc_expand_tile(128, 16);
  }
  if (p.K <= 32) return tc_expand_tile(128, 32);
  if (p.K <= 64) return tc_expand_tile(128, 64);
  return tc_expand_tile(64, 128);
}
#endif

}  // namespace

void note_cluster_variants() { g_cluster_variants.store(true, std::memory_order_relaxed); }

TileConfig choose_tile(const Problem& p, const LaunchKey& key) {
#if defined(SGMV_CUDA_FAST_PATHS)
  if (tensor_core_call(key)) {
    return p.op == OpKind::shrink ? tc_shrink_tile_for(p, key) : tc_expand_tile_for(p, key);
  }
#endif
  (void)key;
  return p.op == OpKind::shrink ? kSimtShrinkTile : kSimtExpandTile;
}

}  // namespace sgmv::gpu
