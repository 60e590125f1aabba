// The wave-fill arithmetic of the tile policies (sgmv/core/wave_fill.hpp):
// waves rounded up, fills compared exactly with the 1/16 margin, the earlier
// candidate kept on a near tie, and candidates without blocks never chosen.
#include <gtest/gtest.h>

#include <cstdint>

#include "sgmv/core/wave_fill.hpp"

namespace sgmv::detail {
namespace {

TileConfig tile_with_m(int m) {
  TileConfig t;
  t.block_m = static_cast<std::uint16_t>(m);
  return t;
}

TEST(WaveFill, SlotsRoundTheBlocksUpToWholeWaves) {
  EXPECT_EQ(wave_slots({tile_with_m(1), 1, 264}), 264);
  EXPECT_EQ(wave_slots({tile_with_m(1), 264, 264}), 264);
  EXPECT_EQ(wave_slots({tile_with_m(1), 265, 264}), 528);
  EXPECT_EQ(wave_slots({tile_with_m(1), 768, 396}), 792);
  EXPECT_EQ(wave_slots({tile_with_m(1), 0, 264}), 0);
  EXPECT_EQ(wave_slots({tile_with_m(1), 10, 0}), 0);
  // Past 32 bits, the 64-bit division.
  const std::int64_t big = (std::int64_t{1} << 33) + 5;
  EXPECT_EQ(wave_slots({tile_with_m(1), big, 1000}), (big / 1000 + 1) * 1000);
  EXPECT_EQ(wave_slots({tile_with_m(1), std::int64_t{3} << 32, std::int64_t{1} << 32}),
            std::int64_t{3} << 32);
}

TEST(WaveFill, ABetterFillMustWinByMoreThanASixteenth) {
  // 0.97 of a wave against 0.65.
  EXPECT_TRUE(fills_last_wave_better(256, 264, 256, 396));
  EXPECT_FALSE(fills_last_wave_better(256, 396, 256, 264));
  // Equal fills, and a fill better by exactly 1/16 (1/2 + 1/16 = 9/16): no.
  EXPECT_FALSE(fills_last_wave_better(100, 200, 100, 200));
  EXPECT_FALSE(fills_last_wave_better(9, 16, 8, 16));
  // Better by more than 1/16: yes.
  EXPECT_TRUE(fills_last_wave_better(10, 16, 8, 16));
  // A candidate without slots never wins and loses to one with some.
  EXPECT_FALSE(fills_last_wave_better(0, 0, 1, 264));
  EXPECT_TRUE(fills_last_wave_better(1, 264, 0, 0));
}

TEST(WaveFill, FullestLastWaveKeepsTheEarlierCandidateOnANearTie) {
  // The expand policy's three candidates for prefill_r16 on 132 SMs
  // (kernels/PERF_NOTES.md): 128 x 2 groups fills 0.97 of its one wave,
  // 128 x 1 0.65 of its one, 64 x 1 0.65 of its two.
  const WaveCandidate prefill[] = {
      {tile_with_m(128), 256, 264}, {tile_with_m(128), 256, 396}, {tile_with_m(64), 512, 396}};
  EXPECT_EQ(fullest_last_wave(prefill), 0u);
  // qkv_r16: 384 blocks of 128 x 2 fill 0.73 of two waves; 768 of 128 x 1
  // and 1536 of 64 x 1 both 0.97: the first of the two.
  const WaveCandidate qkv[] = {
      {tile_with_m(128), 384, 264}, {tile_with_m(128), 768, 396}, {tile_with_m(64), 1536, 396}};
  EXPECT_EQ(fullest_last_wave(qkv), 1u);
  // A later candidate wins only by the margin over the best so far.
  const WaveCandidate later[] = {
      {tile_with_m(1), 100, 200}, {tile_with_m(2), 105, 200}, {tile_with_m(3), 200, 200}};
  EXPECT_EQ(fullest_last_wave(later), 2u);
  // No blocks at all: the first.
  const WaveCandidate none[] = {{tile_with_m(1), 0, 264}, {tile_with_m(2), 0, 396}};
  EXPECT_EQ(fullest_last_wave(none), 0u);
}

}  // namespace
}  // namespace sgmv::detail
