// The SGMV operations. See docs/SEMANTICS (shared design) for the maths:
//   shrink: y[t, r]  = scale * sum_h x[t, h] * A[l, r, h]
//   expand: out[t, offset + n] = (add ? out[t, offset + n] : 0) + sum_r u[t, r] * B[l, n, r]
// for every row t covered by a segment (or token) whose adapter l >= 0. Rows
// with adapter -1, or covered by no segment, are left untouched.
//
// Every call validates its host-visible arguments first and throws
// Error(invalid_argument) naming the argument; a rejected call writes
// nothing. Calls are asynchronous on the Context's stream, with no host
// synchronisation, allocation or memset on the way (strict mode excepted).
#pragma once

#include <cstdint>

#include "sgmv/batch.hpp"
#include "sgmv/context.hpp"
#include "sgmv/tensor.hpp"

namespace sgmv {

/// Most slices one expand_multi call takes.
inline constexpr int kMaxSlices = 8;

/// shrink: x [T, H], A [L, R, H] (or [L, 1, R, H]), y [T, R]. y is
/// overwritten (it need not be zeroed).
void shrink(Context& ctx, const TensorView& x, const TensorView& A, const TensorView& y,
            const SegmentBatch& batch, float scale = 1.0f);
void shrink(Context& ctx, const TensorView& x, const TensorView& A, const TensorView& y,
            const TokenBatch& batch, float scale = 1.0f);

/// expand: u [T, R], B [L, N, R] (or [L, 1, N, R]), out [T, N].
void expand(Context& ctx, const TensorView& u, const TensorView& B, const TensorView& out,
            const SegmentBatch& batch, bool add);
void expand(Context& ctx, const TensorView& u, const TensorView& B, const TensorView& out,
            const TokenBatch& batch, bool add);

/// expand_slice: expand into columns [offset, offset + N) of out [T, W].
void expand_slice(Context& ctx, const TensorView& u, const TensorView& B, const TensorView& out,
                  const SegmentBatch& batch, std::int64_t offset, bool add);
void expand_slice(Context& ctx, const TensorView& u, const TensorView& B, const TensorView& out,
                  const TokenBatch& batch, std::int64_t offset, bool add);

/// One slice of a multi-slice expand: u [T, R], B [L, N_i, R], written at
/// columns [offset, offset + N_i) of the shared output.
struct ExpandSlice {
  TensorView u;
  TensorView B;
  std::int64_t offset = 0;
};

/// All slices in one launch; the same result as one expand_slice per slice.
/// Slices share dtypes and R; their column ranges must not overlap.
void expand_multi(Context& ctx, const ExpandSlice* slices, int num_slices, const TensorView& out,
                  const SegmentBatch& batch, bool add);
void expand_multi(Context& ctx, const ExpandSlice* slices, int num_slices, const TensorView& out,
                  const TokenBatch& batch, bool add);

}  // namespace sgmv
