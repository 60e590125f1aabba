// Tile values of the CUDA/HIP kernel families: the tile policy picks one per
// call (it is part of the launch key), and each variant is registered with
// the tile it implements. One header so the two cannot disagree.
#pragma once

#include "sgmv/core/launch_key.hpp"

namespace sgmv::gpu {

/// A tile value: rows x columns per block, k step, warps (of 32 lanes' worth:
/// every block has 256 threads), pipeline stages.
constexpr detail::TileConfig tile(int m, int n, int k) {
  detail::TileConfig t;
  t.block_m = static_cast<std::uint16_t>(m);
  t.block_n = static_cast<std::uint16_t>(n);
  t.block_k = static_cast<std::uint16_t>(k);
  t.warps = 8;
  t.stages = 1;
  return t;
}

// Portable SIMT kernels (simt_shrink.cuh, simt_expand.cuh); block_k 1 marks them.
inline constexpr int kSimtShrinkBM = 4, kSimtShrinkBN = 8;
inline constexpr int kSimtExpandBM = 16, kSimtExpandBN = 2048;
inline constexpr detail::TileConfig kSimtShrinkTile = tile(kSimtShrinkBM, kSimtShrinkBN, 1);
inline constexpr detail::TileConfig kSimtExpandTile = tile(kSimtExpandBM, kSimtExpandBN, 1);

// Tensor-core kernels (tc_shrink.cuh, tc_expand.cuh); block_k 32.
inline constexpr int kTcExpandBM = 64, kTcExpandBN = 256;
inline constexpr detail::TileConfig kTcExpandTile = tile(kTcExpandBM, kTcExpandBN, 32);
constexpr detail::TileConfig tc_shrink_tile(int bm, int bn) { return tile(bm, bn, 32); }

/// The tile policy of this backend (tile_policy.cu).
detail::TileConfig choose_tile(const detail::Problem& p, const detail::LaunchKey& key);

}  // namespace sgmv::gpu
