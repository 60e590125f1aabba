// The tile policy: which kernel family and block tile serve a call. Pure and
// cheap (it runs on every call, cache hit or not): a few comparisons on
// host-known sizes.
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "backends/cuda_hip/launch.cuh"  // programmatic_launch
#include "backends/cuda_hip/tiles.hpp"
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA
#include "sgmv/core/wave_fill.hpp"

#if defined(SGMV_CUDA_FAST_PATHS)
#include "backends/cuda_hip/tensor_map.hpp"  // tma_enabled
#include "backends/cuda_hip/variants.hpp"    // have_wgmma
#include "kernels/tc_expand.cuh"             // kTcExpandBlocksPerSm
#include "kernels/tc_expand_wgmma.cuh"       // kWgmmaExpandBlocksPerSm
#include "kernels/tc_shrink_staged.cuh"      // kStagedShrinkSmem
#include "kernels/tc_shrink_wgmma.cuh"       // kWgmmaShrinkSmem
#endif

namespace sgmv::gpu {
namespace {

using detail::LaunchKey;
using detail::MetaForm;
using detail::OpKind;
using detail::Problem;
using detail::TileConfig;

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
/// benchmarking tiles against each other): "s:BM,BN,KT" a staged tile,
/// "w:STAGES" a wgmma one (sm_90a builds, compute capability 9.0 devices),
/// "w:STAGES,BN" one of BN outputs (64 or 128), "we:..." the same with x
/// under an evict-first policy, "t:..." and "te:..." the same copied by TMA
/// (segment form), "BM,BN,MW" a register-direct one. A forced tile runs as
/// given, without the per-token carry (kTileCarry); one that no variant
/// implements falls back to the generic kernel.
struct TileOverride {
  bool set = false;
  TileConfig tile;
};
TileOverride read_override() {
  TileOverride o;
  const char* text = std::getenv("SGMV_CUDA_SHRINK_TILE");
  if (text == nullptr) return o;
  int stages = 0, outputs = kWgmmaShrinkBN;
  const bool tma = text[0] == 't', wgmma = text[0] == 'w' || tma;
  const bool evict_first = wgmma && text[1] == 'e';
  if (wgmma && std::sscanf(text + (evict_first ? 2 : 1), ":%d,%d", &stages, &outputs) >= 1 &&
      stages > 0 && outputs > 0) {
    o.set = true;
    o.tile = tc_wgmma_shrink_tile(outputs, stages, evict_first, tma);
    return o;
  }
  const bool staged = text[0] == 's' && text[1] == ':';
  int bm = 0, bn = 0, third = 0;
  if (std::sscanf(staged ? text + 2 : text, "%d,%d,%d", &bm, &bn, &third) == 3 && bm > 0 &&
      bn > 0 && third > 0) {
    o.set = true;
    o.tile = staged ? tc_staged_shrink_tile(bm, bn, third) : tc_shrink_tile(bm, bn, third);
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

/// Whether `device` has compute capability 9.0 or newer (programmatic
/// dependent launch).
bool compute_capability_9_or_newer(int device) {
  return device_attribute<SGMV_GPU_API(DevAttrComputeCapabilityMajor)>(device) >= 9;
}

/// Whether a shrink grid of `blocks` may take its deep variant on `device`:
/// it has at most one block per SM, so that a block has its SM's shared
/// memory to itself, and the device's shared memory per block holds the
/// variant's dynamic bytes (`deep_smem`) and the token list.
bool deep_shrink_fits(std::int64_t blocks, int deep_smem, int device) {
  const std::int64_t sms = device_attribute<SGMV_GPU_API(DevAttrMultiProcessorCount)>(device);
  const bool alone = sms > 0 && blocks <= sms;
  return alone && device_attribute<SGMV_GPU_API(DevAttrMaxSharedMemoryPerBlockOptin)>(device) >=
                      deep_smem + static_cast<int>(sizeof(TokenList<>));
}

/// The staged BM x BN shrink tile for p: K in steps of KT, or of 2 KT (the
/// deep variant: twice the bytes in flight per block) where
/// deep_shrink_fits. On the H100 (128 blocks on 132 SMs;
/// kernels/PERF_NOTES.md v9): prefill_r64 32 x 64 20.8 -> 19.4 us,
/// decode_r64 16 x 16 11.0 -> 10.5 us.
template <int BM, int BN, int KT>
TileConfig staged_shrink_tile(const Problem& p, int device) {
  constexpr int kDeepSmem = kStagedShrinkSmem<BM, BN, 2 * KT, kStagedShrinkStages>;
  const std::int64_t blocks = row_units(p, BM) * column_chunks(p, BN);
  return tc_staged_shrink_tile(BM, BN, deep_shrink_fits(blocks, kDeepSmem, device) ? 2 * KT : KT);
}

/// Whether `device` runs the wgmma kernels: this build has them (sm_90a
/// code) and the device has compute capability 9.0, the only one sm_90a
/// code runs on.
bool wgmma_runs(int device) {
  return have_wgmma() &&
         device_attribute<SGMV_GPU_API(DevAttrComputeCapabilityMajor)>(device) == 9 &&
         device_attribute<SGMV_GPU_API(DevAttrComputeCapabilityMinor)>(device) == 0;
}

/// The prefill tile of R > 32 on devices that run wgmma.
///
/// For R > 64, the tile of 128 outputs (one block per SM, x read once per
/// 128 outputs) where its grid has more than half as many blocks as SMs. On
/// the H100 (132 SMs, kernels/PERF_NOTES.md v13) against the 64-output
/// tiles: R = 128 25.94 -> 21.94 us (4096 tokens, 128 blocks), 57.6 -> 41.5
/// (8192), 21.77 -> 21.02 (2560, 80 blocks), R = 96 35.5 -> 30.0, R = 256
/// 49.0 -> 42.6; with 2048 tokens (64 blocks) 15.5 -> 20.5, so there the
/// 64-output tiles.
///
/// The 64-output tiles take 8 stages (193 KiB) where deep_shrink_fits, else
/// 4 (two blocks per SM). On the H100 against the staged 32 x 64 tiles
/// (kernels/PERF_NOTES.md v12): prefill_r64 18.94 -> 18.39 us, 2048 tokens
/// 16.74 -> 13.68, 8192 tokens 31.8 -> 30.85, R = 128 26.5 -> 26.25.
///
/// x goes under an L2 evict-first policy when the call has one column chunk
/// (so each x row is read once) and its grid has at least 3/4 as many
/// blocks as the device has SMs (deep tile) or 5/4 (the other, two blocks
/// per SM). On the H100 (132 SMs; kernels/PERF_NOTES.md v13, R = 64):
/// 104-128 blocks (deep) and 176-512 (not) gained 0.2-1.6 us (prefill_r64
/// 18.36 -> 17.67, 8192 tokens 30.8 -> 29.3), 64-96 and 136-160 blocks lost
/// 0.1-1.3 us. On the H200 (v15) the two stayed within 0.25 us of each
/// other on prefill_r64, one ahead or the other as the kernel changed: kept.
///
/// The operands go by TMA (segment form, where the driver encodes tensor
/// maps) except in the deep tile when every chunk is 64 rows of A: there, one
/// block of 64 outputs per SM, the TMA kernel's steps ran slower. On the
/// H200 (kernels/PERF_NOTES.md v16, device run 4, TMA against cp.async, us):
/// deep, R = 64: 4096 tokens 15.13 against 14.68, 1024 tokens 13.45 against
/// 12.12; deep, R = 48 (A rows past R, which TMA does not read and cp.async
/// re-reads as copies of row 47): 15.68 against 17.26; 4 stages, R = 64:
/// 8192 tokens 23.51 against 24.50, 16384 44.55 against 46.55; 128
/// outputs, R = 128: 18.83 against 19.27.
TileConfig wgmma_shrink_tile(const Problem& p, int device) {
  const bool tma = p.form == MetaForm::segments && tma_enabled();
  const std::int64_t sms = device_attribute<SGMV_GPU_API(DevAttrMultiProcessorCount)>(device);
  const std::int64_t row_tiles = row_units(p, kWgmmaShrinkBM);  // the same for every width
  if (p.max_n > kWgmmaShrinkBN && sms > 0 &&
      2 * row_tiles * column_chunks(p, kWgmmaShrinkWideBN) > sms) {
    return tc_wgmma_shrink_tile(kWgmmaShrinkWideBN, kWgmmaShrinkWideStages, false, tma);
  }
  constexpr int kDeepSmem =
      kWgmmaShrinkSmem<kWgmmaShrinkBM, kWgmmaShrinkBN, kWgmmaShrinkKT, kWgmmaShrinkStagesDeep>;
  const std::int64_t chunks = column_chunks(p, kWgmmaShrinkBN);
  const std::int64_t blocks = row_tiles * chunks;
  const bool deep = deep_shrink_fits(blocks, kDeepSmem, device);
  const bool fills = deep ? 4 * blocks >= 3 * sms : 4 * blocks >= 5 * sms;
  // TMA for the deep tile only where a chunk holds A rows past R.
  const bool rows_past_r = p.max_n % kWgmmaShrinkBN != 0;
  return tc_wgmma_shrink_tile(kWgmmaShrinkBN, deep ? kWgmmaShrinkStagesDeep : kWgmmaShrinkStages,
                              chunks == 1 && sms > 0 && fills, tma && (!deep || rows_past_r));
}

/// t, carrying per-token tiles across the passes of a block's token scan
/// where p's ranges take several (kTileCarry; t's family registers both
/// variants). One-pass calls (decode batches of up to 256 tokens, or ranges
/// of 256) take the kernel without the carry, which costs them time though
/// it carries nothing. On the H200 (kernels/PERF_NOTES.md v16, 32 adapters,
/// carrying against not): 1024 tokens, R = 16, expand 11.67 -> 7.84 us,
/// shrink 16.2 -> 13.9; 256 tokens 0.06-0.25 us slower.
TileConfig carry_where_it_pays(const Problem& p, TileConfig t) {
  return scans_several_passes(p, t.block_m)
             ? with_options(t, static_cast<std::uint16_t>(t.options | kTileCarry))
             : t;
}

/// Shrink. Decode-sized work (one or a few rows per adapter) is bound by
/// latency: register-direct 16-row tiles up to R = 32, 8 columns wide up to
/// R = 16 (more blocks), else 16; above R = 32 the staged 16 x 16 tile;
/// per-token tiles carried across scan passes where that pays.
/// Prefill: staged (cp.async) tiles (sm_90 cluster tiles that split K lost
/// at every rank once calls ran back to back with programmatic dependent
/// launch, and were removed); above R = 32 on compute capability 9.0,
/// the wgmma tile. Choices measured on the H100 (kernels/PERF_NOTES.md v8,
/// device runs 12, 14 and 15 of the sixth session; v9 for the deep
/// variants; v12 for wgmma).
TileConfig tc_shrink_tile_for(const Problem& p, int device) {
  static const TileOverride forced = read_override();
  if (forced.set) return forced.tile;
  const std::int64_t n = p.max_n;
  const bool short_rows = p.form == MetaForm::per_token || p.max_seg_len <= 16;
  if (short_rows) {
    return carry_where_it_pays(p, n <= 32 ? tc_shrink_tile(16, n <= 16 ? 8 : 16, 1)
                                          : staged_shrink_tile<16, 16, 256>(p, device));
  }
  if (n <= 16) return staged_shrink_tile<16, 16, 256>(p, device);
  if (n <= 32) return staged_shrink_tile<32, 32, 128>(p, device);
  if (wgmma_runs(device)) return wgmma_shrink_tile(p, device);
  return staged_shrink_tile<32, 64, 128>(p, device);
}

/// SGMV_CUDA_EXPAND_TILE="BM,KW" or "BM,KW,CG" forces the tensor-core
/// expand tile, "s:KW" the staged-B one (128 rows x 2 groups), "w:BM" the
/// wgmma one (read once; for benchmarking).
TileOverride read_expand_override() {
  TileOverride o;
  const char* text = std::getenv("SGMV_CUDA_EXPAND_TILE");
  int bm = 0, kw = 0, cg = 1;
  if (text != nullptr && text[0] == 'w' && std::sscanf(text, "w:%d", &bm) == 1 && bm > 0) {
    o.set = true;
    o.tile = tc_wgmma_expand_tile(bm);
    return o;
  }
  if (text != nullptr && text[0] == 's' && std::sscanf(text, "s:%d", &kw) == 1 && kw > 0) {
    o.set = true;
    o.tile = tc_expand_tile(128, kw, 2, false, true);
    return o;
  }
  const int n = text != nullptr ? std::sscanf(text, "%d,%d,%d", &bm, &kw, &cg) : 0;
  if (n >= 2 && bm > 0 && kw > 0 && cg > 0) {
    o.set = true;
    o.tile = tc_expand_tile(bm, kw, cg);
  }
  return o;
}

/// Of an expand tile of 256 rows and one of 128 (both 256 columns wide,
/// `per_sm` blocks per SM), the one whose grid for p fills its last wave on
/// the device best: 256 rows unless 128 rows' last wave is fuller by more
/// than 1/16 (fullest_last_wave); 128 rows where the SM count is unknown.
TileConfig expand_rows_by_wave(const Problem& p, const LaunchKey& key, TileConfig rows256,
                               TileConfig rows128, std::int64_t per_sm) {
  static_assert(kTcExpandBN == kWgmmaExpandBN, "both families' tiles are 256 columns wide");
  const std::int64_t sms = device_attribute<SGMV_GPU_API(DevAttrMultiProcessorCount)>(key.device);
  if (sms <= 0) return rows128;
  const std::int64_t chunks = column_chunks(p, kTcExpandBN);
  const detail::WaveCandidate candidates[] = {
      {rows256, row_units(p, 256) * chunks, per_sm * sms},
      {rows128, row_units(p, 128) * chunks, per_sm * sms},
  };
  return candidates[detail::fullest_last_wave(candidates)].tile;
}

/// Expand with 32 < R <= 64 (k64), segment form without add: 256 rows per
/// block where that grid fills its last wave as well as 128 rows' does
/// (within 1/16, as for the narrow form below): a block loads its B slice
/// (256 columns x R) once for twice the rows. Short calls keep 128 rows,
/// where 256 would leave SMs idle. On the H100 (device runs 3-4 of the
/// eighth session; kernels/PERF_NOTES.md v10): prefill_r64 17.7 us against
/// 18.7-18.8; with add, 256 rows took 47.7 us against 42.4, so adding calls
/// keep 128. The per-token form keeps 128 too: its blocks hold the tokens of
/// one adapter (a handful in decode), so 256 rows bring nothing there.
TileConfig k64_expand_tile(const Problem& p, const LaunchKey& key) {
  if (p.add || p.form != MetaForm::segments) return tc_expand_tile(128, 64);
  return expand_rows_by_wave(p, key, tc_expand_tile(256, 64), tc_expand_tile(128, 64),
                             kTcExpandBlocksPerSm<64, false, 1>);
}

/// Whether the wgmma expand (tc_expand_wgmma.cuh) takes p: the segment
/// form, output in the input dtype, a device that runs wgmma, and R in
/// [32, 64] without add, (32, 64] with. On the H100 (kernels/PERF_NOTES.md
/// v14, 8 x 512 tokens unless said, us, against the mma.sync tiles):
/// prefill_r64 17.36 -> 15.05, 8192 tokens 31.7 -> 27.4, 2048 tokens 10.5
/// -> 9.4, R = 48 16.8 -> 14.8, R = 32 15.6 -> 14.6, three slices of R = 64
/// (4096 + 2 x 1024 columns) 1856 -> 2290 GB/s; with add, prefill_r64 42.4
/// -> 35.0. It lost at R = 24 (15.3 against 14.85), with add at R = 32
/// (128 rows: 36.5 against 34.4) and in the per-token form (decode_r64 10.7
/// against 9.8), whose blocks hold a handful of rows.
bool wgmma_expand_call(const Problem& p, const LaunchKey& key) {
  const bool rank = p.K <= 64 && (p.add ? p.K > 32 : p.K >= 32);
  return rank && p.form == MetaForm::segments && key.out_dtype == key.in_dtype &&
         wgmma_runs(key.device);
}

/// The wgmma expand's rows per block: 256 where that grid fills its last
/// wave as well as 128 rows' does (as for k64_expand_tile).
TileConfig wgmma_expand_tile(const Problem& p, const LaunchKey& key) {
  return expand_rows_by_wave(
      p, key, tc_wgmma_expand_tile(256), tc_wgmma_expand_tile(128),
      p.add ? kWgmmaExpandBlocksPerSm<true> : kWgmmaExpandBlocksPerSm<false>);
}

/// Per-token expand of 16 < R <= 64 without add: the staged-B tile (two
/// groups of 256 columns per block, B in shared memory) where the register
/// tile's grid takes at least twice as many waves of blocks as its own;
/// else none (TileConfig::is_any). Both run 2 blocks per SM; a staged wave covers
/// twice the columns and took 1.7-1.9 times as long as a register wave on
/// the H200 (kernels/PERF_NOTES.md v17, 256 tokens, R = 64, us, register /
/// staged): 32 adapters (2 waves / 1) 9.24 / 8.28-8.36, 64 adapters (4 / 2)
/// 16.9 / 15.3, 48 adapters (3 / 2) 12.9 / 13.6, 17 adapters (2 / 1) 7.9 /
/// 8.27, 16 adapters (1 / 1) 5.85 / 7.8; R = 32 and 48 over 32 adapters
/// 7.25 / 5.47 and 8.7 / 7.3; 1024 tokens over 32 adapters 15.5 / 14.65.
TileConfig staged_b_expand_tile(const Problem& p, const LaunchKey& key) {
  static_assert(
      kTcExpandBlocksPerSm<32, false, 1> == kTcExpandBlocksPerSm<64, false, 1> &&
          kTcExpandBlocksPerSm<32, false, 2, true> == kTcExpandBlocksPerSm<64, false, 2, true>,
      "one wave count for R <= 32 and R <= 64");
  const std::int64_t sms = device_attribute<SGMV_GPU_API(DevAttrMultiProcessorCount)>(key.device);
  if (sms <= 0) return TileConfig{};
  const std::int64_t units = row_units(p, 128);
  const std::int64_t waves_registers =
      ceil_div(units * column_chunks(p, kTcExpandBN), kTcExpandBlocksPerSm<64, false, 1> * sms);
  const std::int64_t waves_staged = ceil_div(units * column_chunks(p, 2 * kTcExpandBN),
                                             kTcExpandBlocksPerSm<64, false, 2, true> * sms);
  if (waves_registers < 2 * waves_staged) return TileConfig{};
  return tc_expand_tile(128, p.K <= 32 ? 32 : 64, 2, false, true);
}

/// The mma.sync expand: the whole of K (= R) in registers when R <= 64
/// (the narrow 16-wide form up to R = 16), else 128 at a time.
///
/// The narrow form has four tiles: 128 rows x 4 column groups (without
/// add only) and x 2 groups (2 blocks per SM), 128 rows x 1 group and 64
/// rows x 1 group (3 per SM without add, 2 with). The policy takes the one
/// whose last wave is fullest, by more than 1/16; on a tie, the one with
/// fewer, larger blocks (listed first). 4 groups, with prefetched weights
/// (metadata.cuh): a per-token call of 512 tokens over 64 adapters 10.1 us
/// against 12.7 for 2 groups (both 0.97 of a wave); decode_r16 (4 groups:
/// 0.48 of a wave) 5.6 against 4.8 (device run 5 of the eighth session).
/// Earlier, on the H100 (132 SMs; device runs 2-5 of the fourth session,
/// 2 and 9 of the fifth):
///   prefill_r16  128 x 2 groups, 0.97 of a wave: 17.5 us; 64 x 1, 1.3
///                waves: 18.2 us; 128 x 1, 0.65 of a wave: 19.9-20.4 us
///   decode_r16   128 x 2 groups, 256 blocks, 0.97 of a wave: 9.0 us;
///                128 x 1, 1.3 waves: 10.1 us; 128 x 4 groups: 9.5 us
///   qkv_r16      128 x 1 and 64 x 1, 0.97 and 1.9 waves: 24.6-25.1 and
///                24.9-25.9 us; 128 x 2 groups, 1.45 waves: 25.9 us
///   with add     prefill_r16 128 x 1 33.3-33.9 us against 64 x 1
///                34.3-34.6 us (both fill their last wave) and 128 x 2
///                groups, 0.48 of a wave, 47.0 us; decode_r16 128 x 2
///                groups 11.1-11.2 us against 128 x 1 11.4-11.5 us
/// Wider R: 128 x 2 groups of k64 (at 1 block per SM: 204 registers) took
/// decode_r64 15.6 us against 13.9 us for 128 x 1, so R > 16 stays at one
/// group in registers (staged_b_expand_tile holds two in shared memory).
TileConfig mma_expand_tile(const Problem& p, const LaunchKey& key) {
  if (p.K <= 16) {
    const std::int64_t sms = device_attribute<SGMV_GPU_API(DevAttrMultiProcessorCount)>(key.device);
    if (sms <= 0) return tc_expand_tile(128, 16);  // the SM count is unknown
    const std::int64_t one_group =
        p.add ? kTcExpandBlocksPerSm<16, true, 1> : kTcExpandBlocksPerSm<16, false, 1>;
    const std::int64_t two_groups =
        p.add ? kTcExpandBlocksPerSm<16, true, 2> : kTcExpandBlocksPerSm<16, false, 2>;
    const std::int64_t units128 = row_units(p, 128), units64 = row_units(p, 64);
    const std::int64_t chunks256 = column_chunks(p, kTcExpandBN);
    // 4 groups have no adding variant: no blocks, never chosen.
    const std::int64_t four_group_blocks = p.add ? 0 : units128 * column_chunks(p, 4 * kTcExpandBN);
    const detail::WaveCandidate candidates[] = {
        {tc_expand_tile(128, 16, 4), four_group_blocks, kTcExpandBlocksPerSm<16, false, 4> * sms},
        {tc_expand_tile(128, 16, 2), units128 * column_chunks(p, 2 * kTcExpandBN),
         two_groups * sms},
        {tc_expand_tile(128, 16, 1), units128 * chunks256, one_group * sms},
        {tc_expand_tile(64, 16, 1), units64 * chunks256, one_group * sms},
    };
    return candidates[detail::fullest_last_wave(candidates)].tile;
  }
  if (p.K <= 64 && p.form == MetaForm::per_token && !p.add) {
    const TileConfig staged = staged_b_expand_tile(p, key);
    if (!staged.is_any()) return staged;
  }
  if (p.K <= 32) return tc_expand_tile(128, 32);
  if (p.K <= 64) return k64_expand_tile(p, key);
  return tc_expand_tile(64, 128);
}

/// Expand: where wgmma_expand_call (the segment form, 32 <= R <= 64,
/// compute capability 9.0), the wgmma expand, else the mma.sync tiles, per-
/// token tiles carried across scan passes where that pays. A forced tile
/// (SGMV_CUDA_EXPAND_TILE) runs as given, without the carry.
TileConfig tc_expand_tile_for(const Problem& p, const LaunchKey& key) {
  static const TileOverride forced = read_expand_override();
  if (forced.set) return forced.tile;
  if (wgmma_expand_call(p, key)) return wgmma_expand_tile(p, key);
  return carry_where_it_pays(p, mma_expand_tile(p, key));
}
#endif

}  // namespace

bool programmatic_launch(int device) {
#if defined(SGMV_CUDA_FAST_PATHS)
  static const bool enabled = [] {
    const char* text = std::getenv("SGMV_CUDA_PDL");
    return text == nullptr || text[0] != '0';
  }();
  return enabled && compute_capability_9_or_newer(device);
#else
  (void)device;
  return false;
#endif
}

TileConfig choose_tile(const Problem& p, const LaunchKey& key) {
#if defined(SGMV_CUDA_FAST_PATHS)
  if (tensor_core_call(key)) {
    return p.op == OpKind::shrink ? tc_shrink_tile_for(p, key.device) : tc_expand_tile_for(p, key);
  }
#endif
  (void)key;
  return p.op == OpKind::shrink ? kSimtShrinkTile : kSimtExpandTile;
}

}  // namespace sgmv::gpu
