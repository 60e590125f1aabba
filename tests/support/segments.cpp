#include "support/segments.hpp"

#include <algorithm>
#include <numeric>

#include "sgmv/error.hpp"

namespace sgmv::test {

Segments consecutive_segments(const std::vector<std::int64_t>& lengths,
                              const std::vector<std::int64_t>& loras, std::int64_t first) {
  Segments s;
  std::int64_t row = first;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    s.add(row, lengths[i], loras[i % loras.size()]);
    row += lengths[i];
  }
  return s;
}

Segments random_segments(std::int64_t T, std::int64_t L, std::mt19937_64& rng,
                         const SegmentShape& shape) {
  std::uniform_int_distribution<std::int64_t> len_dist(shape.min_len, shape.max_len);
  std::uniform_int_distribution<std::int64_t> gap_dist(0, shape.max_gap);
  std::uniform_int_distribution<std::int64_t> lora_dist(0, L - 1);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  Segments s;
  std::int64_t row = 0;
  while (row < T) {
    row += gap_dist(rng);
    if (row >= T) break;
    if (u01(rng) < shape.empty_fraction) s.add(row, 0, lora_dist(rng));
    const std::int64_t n = std::min(len_dist(rng), T - row);
    const std::int64_t l = u01(rng) < shape.no_adapter_fraction ? -1 : lora_dist(rng);
    s.add(row, n, l);
    row += n;
  }
  if (shape.shuffle) {
    std::vector<std::size_t> order(s.start.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), rng);
    Segments shuffled;
    for (std::size_t i : order) shuffled.add(s.start[i], s.len[i], s.lora[i]);
    shuffled.max_seg_len = s.max_seg_len;
    s = shuffled;
  }
  return s;
}

std::vector<std::int64_t> random_token_lora(std::int64_t T, std::int64_t L, std::mt19937_64& rng,
                                            double no_adapter_fraction) {
  std::uniform_int_distribution<std::int64_t> lora_dist(0, L - 1);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(T));
  for (auto& id : ids) id = u01(rng) < no_adapter_fraction ? -1 : lora_dist(rng);
  return ids;
}

namespace {
bool segment_in_bounds(std::int64_t T, std::int64_t start, std::int64_t len) {
  return start >= 0 && len >= 0 && start <= T && len <= T - start;
}
}  // namespace

std::vector<std::uint8_t> written_rows(std::int64_t T, std::int64_t L, const Segments& segs) {
  std::vector<std::uint8_t> rows(static_cast<std::size_t>(T), 0);
  const std::int64_t bound = segs.max_seg_len < 0 ? T : segs.max_seg_len;
  for (std::int64_t s = 0; s < segs.size(); ++s) {
    const auto i = static_cast<std::size_t>(s);
    if (!segment_in_bounds(T, segs.start[i], segs.len[i])) continue;
    if (segs.lora[i] < 0 || segs.lora[i] >= L) continue;
    const std::int64_t n = std::min(segs.len[i], bound);
    for (std::int64_t r = 0; r < n; ++r) rows[static_cast<std::size_t>(segs.start[i] + r)] = 1;
  }
  return rows;
}

std::vector<std::uint8_t> written_rows(std::int64_t T, std::int64_t L,
                                       const std::vector<std::int64_t>& token_lora) {
  std::vector<std::uint8_t> rows(static_cast<std::size_t>(T), 0);
  for (std::int64_t t = 0; t < T; ++t) {
    const std::int64_t l = token_lora[static_cast<std::size_t>(t)];
    rows[static_cast<std::size_t>(t)] = l >= 0 && l < L ? 1 : 0;
  }
  return rows;
}

std::uint32_t expected_status(std::int64_t T, std::int64_t L, const Segments& segs) {
  std::uint32_t bits = status_ok;
  for (std::int64_t s = 0; s < segs.size(); ++s) {
    const auto i = static_cast<std::size_t>(s);
    if (!segment_in_bounds(T, segs.start[i], segs.len[i])) bits |= status_bad_segment;
    if (segs.lora[i] < -1 || segs.lora[i] >= L) bits |= status_bad_adapter;
  }
  return bits;
}

std::uint32_t expected_status(std::int64_t T, std::int64_t L,
                              const std::vector<std::int64_t>& token_lora) {
  (void)T;
  std::uint32_t bits = status_ok;
  for (std::int64_t l : token_lora) {
    if (l < -1 || l >= L) bits |= status_bad_adapter;
  }
  return bits;
}

}  // namespace sgmv::test
