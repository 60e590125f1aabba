// Tile values of the CUDA/HIP kernel families: the tile policy picks one per
// call (it is part of the launch key), and each variant is registered with
// the tile it implements. One header so the two cannot disagree.
#pragma once

#include "kernels/metadata.cuh"  // kBlockThreads, SimtTile (vendor.cuh)
#include "sgmv/core/launch_key.hpp"

namespace sgmv::gpu {

/// A tile value: rows x columns per block, a k value, warps (every block has
/// 256 threads: 8 warps of 32 lanes' worth), pipeline stages.
constexpr detail::TileConfig tile(int m, int n, int k, int stages = 1) {
  detail::TileConfig t;
  t.block_m = static_cast<std::uint16_t>(m);
  t.block_n = static_cast<std::uint16_t>(n);
  t.block_k = static_cast<std::uint16_t>(k);
  t.warps = 8;
  t.stages = static_cast<std::uint8_t>(stages);
  return t;
}

// Portable SIMT kernels (simt_shrink.cuh, simt_expand.cuh); block_k 1 marks them.
// Per vendor (SimtTile in kernels/vendor.cuh): CUDA 4 x 8 and 16 x 2048; HIP
// (64-lane wavefronts) 4 x 16 and 16 x 2048. The variants register these
// tiles and the policy returns them, so the two cannot disagree.
inline constexpr int kSimtShrinkBM = SimtTile::kShrinkRows;
inline constexpr int kSimtShrinkBN = SimtTile::kShrinkCols;
inline constexpr int kSimtExpandBM = SimtTile::kExpandRows;
inline constexpr int kSimtExpandBN = kBlockThreads * SimtTile::kExpandThreadCols;
inline constexpr detail::TileConfig kSimtShrinkTile = tile(kSimtShrinkBM, kSimtShrinkBN, 1);
inline constexpr detail::TileConfig kSimtExpandTile = tile(kSimtExpandBM, kSimtExpandBN, 1);

/// Tile option of the register-direct and staged shrink tiles and of the
/// tensor-core expand tiles (the families whose tiles serve per-token
/// calls): per-token tiles are carried across the passes of a block's
/// token scan (TokenList in kernels/metadata.cuh). The policy sets it where
/// a call's ranges take more than one pass (scans_several_passes).
inline constexpr std::uint16_t kTileCarry = 4;
constexpr detail::TileConfig with_options(detail::TileConfig t, std::uint16_t options) {
  t.options = options;
  return t;
}

/// Tensor-core shrink (tc_shrink.cuh): BM x BN per block, MW warp groups
/// along the rows (block_k holds the rows per warp, BM / MW).
constexpr detail::TileConfig tc_shrink_tile(int bm, int bn, int mw, bool carry = false) {
  return with_options(tile(bm, bn, bm / mw), carry ? kTileCarry : 0);
}
/// Staged tensor-core shrink (tc_shrink_staged.cuh): BM x BN per block, K
/// in steps of KT (block_k; 64 or more, which tells these tiles from the ones
/// above); stages holds 1 (the pipeline depth is kStagedShrinkStages).
constexpr detail::TileConfig tc_staged_shrink_tile(int bm, int bn, int kt, bool carry = false) {
  return with_options(tile(bm, bn, kt), carry ? kTileCarry : 0);
}
/// The pipeline depth of every staged shrink variant (steps in shared
/// memory; STAGES - 1 of them in flight). A deeper pipeline is a longer KT.
inline constexpr int kStagedShrinkStages = 4;
/// wgmma shrink (tc_shrink_wgmma.cuh, sm_90a): 32 rows x 64 outputs (or
/// 128: kWgmmaShrinkWideBN), K in steps of 128, `stages` holding the
/// pipeline depth (4, 5 or 8: the staged tiles above hold 1 there, so the
/// two never meet), `options` the kTile bits below.
inline constexpr int kWgmmaShrinkBM = 32;
inline constexpr int kWgmmaShrinkBN = 64;
inline constexpr int kWgmmaShrinkWideBN = 128;
inline constexpr int kWgmmaShrinkKT = 128;
inline constexpr int kWgmmaShrinkStages = 4;      // 97 KiB: two blocks per SM
inline constexpr int kWgmmaShrinkStagesDeep = 8;  // 193 KiB: grids of one block per SM
inline constexpr int kWgmmaShrinkWideStages = 5;  // 128 outputs: 201 KiB, one block per SM
/// Tile options of these: x is copied under an L2 evict-first policy; the
/// operands are copied by TMA (segment form; kernels/tc_shrink_wgmma_tma.cuh).
inline constexpr std::uint16_t kTileXEvictFirst = 1;
inline constexpr std::uint16_t kTileTma = 2;
constexpr detail::TileConfig tc_wgmma_shrink_tile(int bn, int stages, bool x_evict_first,
                                                  bool tma = false) {
  detail::TileConfig t = tile(kWgmmaShrinkBM, bn, kWgmmaShrinkKT, stages);
  return with_options(
      t, static_cast<std::uint16_t>((x_evict_first ? kTileXEvictFirst : 0) | (tma ? kTileTma : 0)));
}
/// Tensor-core expand (tc_expand.cuh): BM rows x CG groups of 256 columns
/// per block (block_n: 256 CG), K held in registers KW at a time (block_k:
/// 16, 32, 64 or 128), or with option kTileStagedB (KW 32 or 64, two
/// groups) the block's B slice staged in shared memory.
inline constexpr int kTcExpandBN = 256;
inline constexpr std::uint16_t kTileStagedB = 8;
/// Its variants serve ranks that are multiples of this (whole 8- and 16-byte
/// fragments; KernelVariant::rank_step); other ranks take the SIMT kernel.
inline constexpr int kTcExpandRankStep = 8;
constexpr detail::TileConfig tc_expand_tile(int bm, int kw, int cg = 1, bool carry = false,
                                            bool staged_b = false) {
  return with_options(
      tile(bm, kTcExpandBN * cg, kw),
      static_cast<std::uint16_t>((carry ? kTileCarry : 0) | (staged_b ? kTileStagedB : 0)));
}

/// wgmma expand (tc_expand_wgmma.cuh, sm_90a): BM rows x 256 columns, all
/// of R (<= 64) in one slab (block_k 64), u m-tiles `stages` deep (the
/// tiles above hold 1 there, so the two never meet). Output in the input
/// dtype; each variant serves add or no add (two per row count).
inline constexpr int kWgmmaExpandBN = 256;
inline constexpr int kWgmmaExpandStages = 4;
constexpr detail::TileConfig tc_wgmma_expand_tile(int bm) {
  return tile(bm, kWgmmaExpandBN, 64, kWgmmaExpandStages);
}

/// The tile policy of this backend (tile_policy.cu).
detail::TileConfig choose_tile(const detail::Problem& p, const detail::LaunchKey& key);

}  // namespace sgmv::gpu
