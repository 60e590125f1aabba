// How the rows of a batch map to adapters. All arrays live in device memory
// and hold one index type per call (int32 or int64).
#pragma once

#include <cstdint>

#include "sgmv/tensor.hpp"

namespace sgmv {

/// Segment form (prefill): segment s covers rows
/// [seg_start[s], seg_start[s] + seg_len[s]) and uses adapter lora_id[s]
/// (-1: leave those rows untouched). Segments need not be sorted or cover
/// every row. Each array is a 1-D view of S elements.
struct SegmentBatch {
  TensorView seg_start;
  TensorView seg_len;
  TensorView lora_id;
  /// Upper bound on every seg_len[s], known on the host. The launch grid
  /// depends on it (not on the device values), so a captured graph stays
  /// valid while batch composition changes under it. Rows of a segment past
  /// this bound are not computed. Negative: use the token count T.
  std::int64_t max_seg_len = -1;
};

/// Per-token form (decode): row t uses adapter token_lora[t] (-1: untouched).
/// A 1-D view of T elements.
struct TokenBatch {
  TensorView token_lora;
};

}  // namespace sgmv
