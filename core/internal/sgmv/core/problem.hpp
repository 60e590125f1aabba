// The normalised form of every op: one plain struct that validation fills,
// the launch key reads, and every backend's kernels receive by value.
//
// shrink and expand are the same segmented product
//   out[t, out_col + n] = (add ? out[t, out_col + n] : 0) + scale * sum_k in[t, k] * w[l, n, k]
// shrink: in = x, K = H, w = A, n = R, out = y.  expand: in = u, K = R, w = B, n = N.
// A multi-slice expand carries several (in, w, n, out_col) slices.
//
// Device-resident metadata rules, shared by every backend and the reference:
//  - segment s (segment form) is bad when seg_start < 0, seg_len < 0 or
//    seg_start + seg_len > T: the kernel ORs status_bad_segment into *status
//    (whatever its adapter id) and skips it;
//  - an adapter id outside [-1, L) ORs status_bad_adapter and skips the
//    segment (or token);
//  - adapter -1 skips the rows without a fault; only the first max_seg_len
//    rows of a segment are computed (no fault either).
#pragma once

#include <cstdint>

#include "sgmv/dtype.hpp"
#include "sgmv/ops.hpp"

namespace sgmv::detail {

enum class OpKind : std::uint8_t { shrink = 0, expand = 1 };
enum class MetaForm : std::uint8_t { segments = 0, per_token = 1 };
enum class IndexWidth : std::uint8_t { i32 = 0, i64 = 1 };

const char* name_of(OpKind op) noexcept;
const char* name_of(MetaForm form) noexcept;

/// One (input, weight, output column range) triple. Strides in elements; the
/// innermost dimension of in and w is contiguous. No member initialisers: a
/// default-initialised Problem leaves its slices unwritten (see slice).
struct SliceArgs {
  const void* in;  ///< [T, K], row t at in + t * in_row_stride
  const void* w;   ///< [L, n, K]
  std::int64_t in_row_stride;
  std::int64_t w_stride_l;
  std::int64_t w_stride_n;
  std::int64_t n;        ///< output columns of this slice
  std::int64_t out_col;  ///< first output column
};

struct Problem {
  OpKind op = OpKind::shrink;
  MetaForm form = MetaForm::segments;
  DType in_dtype = DType::f32;
  DType w_dtype = DType::f32;
  DType out_dtype = DType::f32;
  DType meta_dtype = DType::i32;
  bool add = false;
  int num_slices = 0;
  float scale = 1.0f;

  std::int64_t T = 0;      ///< rows of in and out
  std::int64_t K = 0;      ///< reduction length (H for shrink, R for expand)
  std::int64_t L = 0;      ///< adapters in w
  std::int64_t max_n = 0;  ///< largest n over the slices

  void* out = nullptr;  ///< [T, out_cols]
  std::int64_t out_row_stride = 0;
  std::int64_t out_cols = 0;

  /// Segment form: seg_start, seg_len and lora (lora_id) of S elements.
  /// Per-token form: seg_start = seg_len = nullptr, lora = token_lora, S = T.
  const void* seg_start = nullptr;
  const void* seg_len = nullptr;
  const void* lora = nullptr;
  std::int64_t S = 0;
  std::int64_t max_seg_len = 0;  ///< rows per segment the grid covers (1 in per-token form)

  std::uint32_t* status = nullptr;  ///< device status word (StatusBits), may be null

  /// slice[0, num_slices) are the call's; the rest are never read, and a
  /// default-initialised Problem (`Problem p;`) leaves them indeterminate, so
  /// that building a one-slice Problem on every call writes ~120 bytes rather
  /// than zeroing ~570 (`Problem p{}` zeroes them all).
  SliceArgs slice[kMaxSlices];

  /// The LoRA rank: the output width of shrink, the reduction length of expand.
  std::int64_t rank() const { return op == OpKind::shrink ? max_n : K; }
  /// True when there is nothing to compute (T == 0 or S == 0).
  bool empty() const { return T == 0 || S == 0 || num_slices == 0; }
};

}  // namespace sgmv::detail
