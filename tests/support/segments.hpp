// Builders of batch metadata (segments and per-token adapter ids) and the
// rows and status bits that metadata implies, computed independently of the
// library and of the reference.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace sgmv::test {

/// Host copy of a segment batch.
struct Segments {
  std::vector<std::int64_t> start;
  std::vector<std::int64_t> len;
  std::vector<std::int64_t> lora;
  std::int64_t max_seg_len = -1;  ///< as SegmentBatch::max_seg_len
  std::int64_t size() const { return static_cast<std::int64_t>(start.size()); }
  void add(std::int64_t s, std::int64_t n, std::int64_t l) {
    start.push_back(s);
    len.push_back(n);
    lora.push_back(l);
  }
};

/// Consecutive segments from row `first`, one per entry of `lengths`.
Segments consecutive_segments(const std::vector<std::int64_t>& lengths,
                              const std::vector<std::int64_t>& loras, std::int64_t first = 0);

/// How random_segments lays out a batch.
struct SegmentShape {
  std::int64_t min_len = 1;
  std::int64_t max_len = 8;
  double empty_fraction = 0.0;       ///< extra zero-length segments, per segment
  double no_adapter_fraction = 0.0;  ///< segments with adapter -1
  std::int64_t max_gap = 0;          ///< uncovered rows before each segment: 0..max_gap
  bool shuffle = false;              ///< unsorted segment order
};

/// Segments over rows [0, T) with adapters drawn from [0, L).
Segments random_segments(std::int64_t T, std::int64_t L, std::mt19937_64& rng,
                         const SegmentShape& shape);

/// Per-token adapter ids in [0, L), -1 with probability no_adapter_fraction.
std::vector<std::int64_t> random_token_lora(std::int64_t T, std::int64_t L, std::mt19937_64& rng,
                                            double no_adapter_fraction);

/// Rows an op writes (1) for this metadata: rows of valid segments with an
/// adapter in [0, L), up to max_seg_len rows each (T when negative).
std::vector<std::uint8_t> written_rows(std::int64_t T, std::int64_t L, const Segments& segs);
std::vector<std::uint8_t> written_rows(std::int64_t T, std::int64_t L,
                                       const std::vector<std::int64_t>& token_lora);

/// StatusBits the kernels must record for this metadata.
std::uint32_t expected_status(std::int64_t T, std::int64_t L, const Segments& segs);
std::uint32_t expected_status(std::int64_t T, std::int64_t L,
                              const std::vector<std::int64_t>& token_lora);

}  // namespace sgmv::test
