// Turns the public arguments of each op into a Problem, rejecting every
// host-visible mistake with Error(invalid_argument) that names the argument
// and the values. Touches no device memory.
#pragma once

#include "sgmv/batch.hpp"
#include "sgmv/core/problem.hpp"
#include "sgmv/ops.hpp"
#include "sgmv/tensor.hpp"

namespace sgmv::detail {

/// A batch in either form, as the problem builders take it.
struct BatchArgs {
  MetaForm form = MetaForm::segments;
  const SegmentBatch* segments = nullptr;
  const TokenBatch* tokens = nullptr;
};
inline BatchArgs batch_args(const SegmentBatch& b) { return {MetaForm::segments, &b, nullptr}; }
inline BatchArgs batch_args(const TokenBatch& b) { return {MetaForm::per_token, nullptr, &b}; }

Problem make_shrink_problem(const TensorView& x, const TensorView& A, const TensorView& y,
                            const BatchArgs& batch, float scale);
Problem make_expand_problem(const ExpandSlice* slices, int num_slices, const TensorView& out,
                            const BatchArgs& batch, bool add);
/// make_expand_problem of the one slice {u, B, offset} (expand, expand_slice):
/// the same Problem and errors, without copying the views into an ExpandSlice.
Problem make_expand_problem(const TensorView& u, const TensorView& B, std::int64_t offset,
                            const TensorView& out, const BatchArgs& batch, bool add);

/// The same builders, with every check made in order, one at a time (the
/// builders above check an ordinary call in one branch-free pass and come
/// here for any other, so every message comes from these). Exposed for the
/// tests that compare the two paths.
Problem make_shrink_problem_exact(const TensorView& x, const TensorView& A, const TensorView& y,
                                  const BatchArgs& batch, float scale);
Problem make_expand_problem_exact(const ExpandSlice* slices, int num_slices, const TensorView& out,
                                  const BatchArgs& batch, bool add);

/// expand (no offset) writes the whole of out [T, N]: throws naming `out`
/// when out is wider (the caller meant expand_slice).
void require_whole_width(const Problem& problem);
/// expand()'s Problem: make_expand_problem of {u, B, 0}, then require_whole_width.
Problem make_whole_expand_problem(const TensorView& u, const TensorView& B, const TensorView& out,
                                  const BatchArgs& batch, bool add);

/// Strict mode: checks host copies of the metadata (seg_start/seg_len/lora
/// already on the host) and throws Error(device_fault) naming the first bad entry.
void check_metadata_on_host(const Problem& problem, const void* seg_start, const void* seg_len,
                            const void* lora);

}  // namespace sgmv::detail
