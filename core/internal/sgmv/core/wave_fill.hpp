// How full the last wave of a grid is: the arithmetic of a tile policy that
// picks, among candidate tiles, the one whose blocks fill the device's
// concurrent slots best. Backend-neutral and host-only; it runs on every
// call whose policy uses it, so it divides once per candidate, side by side,
// and compares by multiplying.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sgmv/core/launch_key.hpp"  // TileConfig

namespace sgmv::detail {

/// A candidate tile, the blocks its grid has, and how many blocks one wave
/// holds (blocks per SM or CU x their count).
struct WaveCandidate {
  TileConfig tile;
  std::int64_t blocks = 0;
  std::int64_t per_wave = 0;
};

/// Slots of the waves a candidate needs: ceil(blocks / per_wave) x per_wave;
/// 0 when it has no blocks or no slots. A 32-bit division where the counts
/// fit (a fraction of a 64-bit one's cost on older x86 hosts).
inline std::int64_t wave_slots(const WaveCandidate& c) {
  if (c.blocks <= 0 || c.per_wave <= 0) return 0;
  const std::int64_t waves =
      c.blocks <= UINT32_MAX && c.per_wave <= UINT32_MAX
          ? static_cast<std::int64_t>(static_cast<std::uint32_t>(c.blocks - 1) /
                                      static_cast<std::uint32_t>(c.per_wave)) +
                1
          : (c.blocks - 1) / c.per_wave + 1;
  return waves * c.per_wave;
}

/// Whether a (blocks_a in slots_a) fills its last wave better than b, by more
/// than 1/16: blocks_a / slots_a > blocks_b / slots_b + 1 / 16, compared
/// multiplied out. A candidate without slots never wins, and loses to any
/// candidate with some.
inline bool fills_last_wave_better(std::int64_t blocks_a, std::int64_t slots_a,
                                   std::int64_t blocks_b, std::int64_t slots_b) {
  if (slots_a <= 0) return false;
  if (slots_b <= 0) return true;
  const double sa = static_cast<double>(slots_a), sb = static_cast<double>(slots_b);
  return 16.0 * static_cast<double>(blocks_a) * sb >
         16.0 * static_cast<double>(blocks_b) * sa + sa * sb;
}

/// The index of the candidate whose last wave is fullest, by more than 1/16
/// over the best before it (so on a near tie the one listed first). The
/// waves of all candidates are counted first: their divisions overlap.
template <std::size_t N>
std::size_t fullest_last_wave(const WaveCandidate (&candidates)[N]) {
  static_assert(N >= 1, "at least one candidate");
  std::int64_t slots[N];
  for (std::size_t i = 0; i < N; ++i) slots[i] = wave_slots(candidates[i]);
  std::size_t best = 0;
  for (std::size_t i = 1; i < N; ++i) {
    if (fills_last_wave_better(candidates[i].blocks, slots[i], candidates[best].blocks,
                               slots[best])) {
      best = i;
    }
  }
  return best;
}

}  // namespace sgmv::detail
