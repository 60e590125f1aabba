#include "sgmv/core/validate.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "sgmv/error.hpp"

namespace sgmv::detail {
namespace {

// Every check below runs on every op call. The success path builds no string
// and computes each tensor's extent once: a failing check passes the pieces
// of its message to fail(), which alone (out of line, cold) formats them.

/// An argument's name as messages spell it: "u", or "slices[2].u" when the
/// call has several slices.
struct ArgName {
  const char* base = "";
  int slice = -1;  ///< >= 0: the argument of slices[slice]
};

/// A tensor's shape in a message: "[5, 37]".
struct ShapeOf {
  const TensorView& view;
};

void append(std::string& s, const char* text) { s += text; }
void append(std::string& s, const ArgName& name) {
  if (name.slice >= 0) {
    s += "slices[";
    s += std::to_string(name.slice);
    s += "].";
  }
  s += name.base;
}
void append(std::string& s, const ShapeOf& shape) {
  s += '[';
  for (int d = 0; d < shape.view.rank; ++d) {
    if (d != 0) s += ", ";
    s += std::to_string(shape.view.shape[d]);
  }
  s += ']';
}
template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
void append(std::string& s, T value) {
  s += std::to_string(value);
}

/// Throws Error(invalid_argument) with the concatenation of `parts` (C
/// strings, ArgName, ShapeOf, integers in decimal).
template <typename... Parts>
[[noreturn]] [[gnu::cold]] [[gnu::noinline]] void fail(const Parts&... parts) {
  std::string message;
  (append(message, parts), ...);
  throw Error(ErrorCode::invalid_argument, message);
}

/// Checked a * b + c for non-negative operands; false on overflow.
bool mul_add(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t* r) {
  std::int64_t p;
  if (__builtin_mul_overflow(a, b, &p)) return false;
  return !__builtin_add_overflow(p, c, r);
}

/// Number of elements from the first to one past the last addressable element.
std::int64_t span_of(const ArgName& name, const TensorView& v) {
  std::int64_t span = 1;
  for (int d = 0; d < v.rank; ++d) {
    if (v.shape[d] == 0) return 0;
    if (!mul_add(v.shape[d] - 1, v.stride[d], span, &span)) {
      fail(name, ": shape ", ShapeOf{v}, " with its strides overflows 64-bit element offsets");
    }
  }
  std::int64_t bytes;
  if (!mul_add(span, static_cast<std::int64_t>(size_of(v.dtype)), 0, &bytes)) {
    fail(name, ": shape ", ShapeOf{v}, " overflows 64-bit byte offsets");
  }
  return span;
}

/// Common checks of one tensor argument: rank, extents, strides, contiguity,
/// pointer. Returns the view's span in elements (span_of), for the overlap
/// checks.
std::int64_t check_view(const ArgName& name, const TensorView& v, int rank_a, int rank_b,
                        const char* layout) {
  if (v.rank != rank_a && v.rank != rank_b) {
    fail(name, ": expected ", layout, ", got a rank-", v.rank, " tensor");
  }
  for (int d = 0; d < v.rank; ++d) {
    if (v.shape[d] < 0) {
      fail(name, ": negative extent ", v.shape[d], " in dimension ", d, " (shape ", ShapeOf{v},
           ")");
    }
    if (v.stride[d] < 0) fail(name, ": negative stride ", v.stride[d], " in dimension ", d);
  }
  const int last = v.rank - 1;
  if (v.shape[last] > 1 && v.stride[last] != 1) {
    fail(name, ": the inner dimension must be contiguous (stride 1), got stride ", v.stride[last]);
  }
  // A null pointer: its span (and any overflow of it) is reported before the
  // alignment check, as a null pointer is always aligned.
  const bool null = v.data == nullptr;
  const std::int64_t null_span = null ? span_of(name, v) : 0;
  if (null && null_span > 0) {
    fail(name, ": null data pointer with non-zero extent (shape ", ShapeOf{v}, ")");
  }
  // Element sizes are powers of two: a mask, not a division. (An invalid
  // dtype has size 0, so every non-null pointer fails here rather than
  // dividing by zero.)
  const auto address = reinterpret_cast<std::uintptr_t>(v.data);
  if ((address & (size_of(v.dtype) - 1)) != 0) {
    fail(name, ": data pointer ", address, " is not aligned to its element size (",
         size_of(v.dtype), " bytes for ", name_of(v.dtype), ")");
  }
  return null ? null_span : span_of(name, v);
}

void check_float(const ArgName& name, const TensorView& v) {
  if (!is_floating(v.dtype)) {
    fail(name, ": dtype ", name_of(v.dtype), " is not a floating type (f16, bf16, f32)");
  }
}

/// Rows of an output must not alias each other.
void check_output_rows(const ArgName& name, const TensorView& v) {
  if (v.shape[0] > 1 && v.stride[0] < v.shape[1]) {
    fail(name, ": row stride ", v.stride[0], " is smaller than the row width ", v.shape[1],
         "; rows would overlap");
  }
}

/// The bytes a checked view covers, [begin, end), from its span in elements;
/// computed once per view for all of its overlap checks.
struct ByteRange {
  std::uintptr_t begin = 0, end = 0;
};
ByteRange bytes_of(const TensorView& v, std::int64_t span) {
  const auto begin = reinterpret_cast<std::uintptr_t>(v.data);
  return {begin, begin + static_cast<std::uintptr_t>(span) * size_of(v.dtype)};
}
/// Two non-empty byte ranges that share a byte.
bool overlap(const ByteRange& a, const ByteRange& b) {
  return a.begin < a.end && b.begin < b.end && a.begin < b.end && b.begin < a.end;
}
void check_disjoint(const ArgName& in_name, const ByteRange& a, const ArgName& out_name,
                    const ByteRange& b) {
  if (overlap(a, b)) {
    fail(in_name, " and ", out_name, " overlap in memory (", in_name, " spans ", a.end - a.begin,
         " bytes at ", a.begin, ", ", out_name, " ", b.end - b.begin, " bytes at ", b.begin, ")");
  }
}

/// LoRA weights: [L, rows, K] or [L, 1, rows, K].
struct Weights {
  std::int64_t L = 0, rows = 0, K = 0, stride_l = 0, stride_row = 0;
  std::int64_t span = 0;  ///< of the view, in elements
};
Weights weights_of(const ArgName& name, const TensorView& v, const char* layout) {
  const std::int64_t span = check_view(name, v, 3, 4, layout);
  check_float(name, v);
  if (v.rank == 4) {
    if (v.shape[1] != 1) {
      fail(name, ": a rank-4 weight must have extent 1 in dimension 1, got shape ", ShapeOf{v});
    }
    return {v.shape[0], v.shape[2], v.shape[3], v.stride[0], v.stride[2], span};
  }
  return {v.shape[0], v.shape[1], v.shape[2], v.stride[0], v.stride[1], span};
}

/// The shrink Problem's fields from validated views (both validation paths;
/// W: their weight description, with L, rows, stride_l and stride_row).
template <class W>
void fill_shrink(Problem& p, const TensorView& x, const TensorView& A, const TensorView& y,
                 const W& a, float scale) {
  p.op = OpKind::shrink;
  p.in_dtype = x.dtype;
  p.w_dtype = A.dtype;
  p.out_dtype = y.dtype;
  p.scale = scale;
  p.T = x.shape[0];
  p.K = x.shape[1];
  p.L = a.L;
  p.max_n = a.rows;
  p.out = y.data;
  p.out_row_stride = y.stride[0];
  p.out_cols = a.rows;
  p.num_slices = 1;
  p.slice[0] = SliceArgs{x.data, A.data, x.stride[0], a.stride_l, a.stride_row, a.rows, 0};
}

/// The expand Problem's output fields (both validation paths; the slices
/// and the fields they set follow).
void fill_expand_output(Problem& p, const TensorView& out, bool add, int num_slices) {
  p.op = OpKind::expand;
  p.add = add;
  p.out_dtype = out.dtype;
  p.T = out.shape[0];
  p.out = out.data;
  p.out_row_stride = out.stride[0];
  p.out_cols = out.shape[1];
  p.num_slices = num_slices;
}

/// `what` must be >= 1; the message reads "<name><what> must be >= 1, got <value>".
void require_positive(const ArgName& name, const char* what, std::int64_t value) {
  if (value < 1) fail(name, what, " must be >= 1, got ", value);
}

std::int64_t check_index_array(const char* name, const TensorView& v, std::int64_t expected,
                               DType expected_dtype) {
  const std::int64_t span = check_view({name}, v, 1, 1, "a 1-D index array");
  if (!is_index(v.dtype)) {
    fail(name, ": dtype ", name_of(v.dtype), " is not an index type (i32 or i64)");
  }
  if (v.dtype != expected_dtype) {
    fail(name, ": dtype ", name_of(v.dtype), " differs from the batch's ", name_of(expected_dtype),
         " (one index type per call)");
  }
  if (v.shape[0] != expected) {
    fail(name, ": has ", v.shape[0], " elements, expected ", expected);
  }
  return span;
}

/// The metadata views of a call (three in segment form, one per token).
struct Metadata {
  ByteRange bytes[3];
  int count = 0;
};

/// Fills the metadata fields of p (T already set) and returns the bytes of the
/// metadata views.
Metadata set_batch(Problem& p, const BatchArgs& batch) {
  Metadata meta;
  if (batch.form == MetaForm::segments) {
    if (batch.segments == nullptr) fail("batch: null SegmentBatch");
    const SegmentBatch& b = *batch.segments;
    if (b.seg_start.rank != 1) {
      fail("seg_start: expected a 1-D index array, got a rank-", b.seg_start.rank, " tensor");
    }
    const std::int64_t S = b.seg_start.shape[0];
    const DType dt = b.seg_start.dtype;
    meta.bytes[0] = bytes_of(b.seg_start, check_index_array("seg_start", b.seg_start, S, dt));
    meta.bytes[1] = bytes_of(b.seg_len, check_index_array("seg_len", b.seg_len, S, dt));
    meta.bytes[2] = bytes_of(b.lora_id, check_index_array("lora_id", b.lora_id, S, dt));
    meta.count = 3;
    p.form = MetaForm::segments;
    p.meta_dtype = b.seg_start.dtype;
    p.S = S;
    p.seg_start = b.seg_start.data;
    p.seg_len = b.seg_len.data;
    p.lora = b.lora_id.data;
    p.max_seg_len = b.max_seg_len < 0 ? p.T : std::min(b.max_seg_len, p.T);
  } else {
    if (batch.tokens == nullptr) fail("batch: null TokenBatch");
    const TokenBatch& b = *batch.tokens;
    if (b.token_lora.rank != 1) {
      fail("token_lora: expected a 1-D index array, got a rank-", b.token_lora.rank, " tensor");
    }
    meta.bytes[0] = bytes_of(
        b.token_lora, check_index_array("token_lora", b.token_lora, p.T, b.token_lora.dtype));
    meta.count = 1;
    p.form = MetaForm::per_token;
    p.meta_dtype = b.token_lora.dtype;
    p.S = p.T;
    p.lora = b.token_lora.data;
    p.max_seg_len = 1;
  }
  return meta;
}

const char* const kMetaNames[2][3] = {{"seg_start", "seg_len", "lora_id"}, {"token_lora", "", ""}};

void check_metadata_disjoint(const Problem& p, const Metadata& meta, const ArgName& out_name,
                             const ByteRange& out) {
  for (int i = 0; i < meta.count; ++i) {
    check_disjoint({kMetaNames[static_cast<int>(p.form)][i]}, meta.bytes[i], out_name, out);
  }
}

}  // namespace

Problem make_shrink_problem_exact(const TensorView& x, const TensorView& A, const TensorView& y,
                                  const BatchArgs& batch, float scale) {
  const ArgName x_name{"x"}, a_name{"A"}, y_name{"y"};
  const ByteRange x_bytes = bytes_of(x, check_view(x_name, x, 2, 2, "x as [T, H]"));
  check_float(x_name, x);
  const Weights a = weights_of(a_name, A, "A as [L, R, H] or [L, 1, R, H]");
  const ByteRange y_bytes = bytes_of(y, check_view(y_name, y, 2, 2, "y as [T, R]"));
  check_float(y_name, y);
  check_output_rows(y_name, y);
  const std::int64_t T = x.shape[0], H = x.shape[1];
  require_positive(x_name, ": hidden size H", H);
  require_positive(a_name, ": rank R", a.rows);
  if (a.K != H) fail("A: hidden size ", a.K, " does not match x's H = ", H);
  if (y.shape[0] != T) fail("y: has ", y.shape[0], " rows, x has T = ", T);
  if (y.shape[1] != a.rows) fail("y: has ", y.shape[1], " columns, A has rank R = ", a.rows);
  if (y.dtype != DType::f32 && y.dtype != x.dtype) {
    fail("y: dtype ", name_of(y.dtype), " must be f32 or x's dtype ", name_of(x.dtype));
  }

  Problem p;
  fill_shrink(p, x, A, y, a, scale);

  const Metadata meta = set_batch(p, batch);
  check_disjoint(x_name, x_bytes, y_name, y_bytes);
  check_disjoint(a_name, bytes_of(A, a.span), y_name, y_bytes);
  check_metadata_disjoint(p, meta, y_name, y_bytes);
  return p;
}

Problem make_expand_problem_exact(const ExpandSlice* slices, int num_slices, const TensorView& out,
                                  const BatchArgs& batch, bool add) {
  if (num_slices < 1 || num_slices > kMaxSlices) {
    fail("num_slices: ", num_slices, " is outside [1, ", kMaxSlices, "]");
  }
  if (slices == nullptr) fail("slices: null pointer with num_slices = ", num_slices);
  const ArgName out_name{"out"};
  const ByteRange out_bytes = bytes_of(out, check_view(out_name, out, 2, 2, "out as [T, W]"));
  check_float(out_name, out);
  check_output_rows(out_name, out);
  const std::int64_t T = out.shape[0], W = out.shape[1];
  const bool single = num_slices == 1;

  Problem p;
  fill_expand_output(p, out, add, num_slices);
  for (int i = 0; i < num_slices; ++i) {
    const ExpandSlice& s = slices[i];
    const int index = single ? -1 : i;
    const ArgName u_name{"u", index}, b_name{"B", index}, off_name{"offset", index};
    const ByteRange u_bytes = bytes_of(s.u, check_view(u_name, s.u, 2, 2, "u as [T, R]"));
    check_float(u_name, s.u);
    const Weights b = weights_of(b_name, s.B, "B as [L, N, R] or [L, 1, N, R]");
    const std::int64_t R = s.u.shape[1];
    require_positive(u_name, ": rank R", R);
    require_positive(b_name, ": output features N", b.rows);
    if (s.u.shape[0] != T) fail(u_name, ": has ", s.u.shape[0], " rows, out has T = ", T);
    if (b.K != R) fail(b_name, ": rank ", b.K, " does not match ", u_name, "'s R = ", R);
    if (s.offset < 0) fail(off_name, ": negative offset ", s.offset);
    if (s.offset > W - b.rows) {
      fail(off_name, " + N = ", s.offset, " + ", b.rows, " exceeds out's width W = ", W);
    }
    if (i == 0) {
      p.in_dtype = s.u.dtype;
      p.w_dtype = s.B.dtype;
      p.K = R;
      p.L = b.L;
    } else {
      if (s.u.dtype != p.in_dtype) {
        fail(u_name, ": dtype ", name_of(s.u.dtype), " differs from slices[0].u's ",
             name_of(p.in_dtype));
      }
      if (s.B.dtype != p.w_dtype) {
        fail(b_name, ": dtype ", name_of(s.B.dtype), " differs from slices[0].B's ",
             name_of(p.w_dtype));
      }
      if (R != p.K) fail(u_name, ": rank R = ", R, " differs from slices[0]'s R = ", p.K);
      if (b.L != p.L) fail(b_name, ": has ", b.L, " adapters, slices[0].B has L = ", p.L);
    }
    for (int j = 0; j < i; ++j) {
      const SliceArgs& o = p.slice[j];
      if (s.offset < o.out_col + o.n && o.out_col < s.offset + b.rows) {
        fail("slices[", j, "] and slices[", i, "] write overlapping columns [", o.out_col, ", ",
             o.out_col + o.n, ") and [", s.offset, ", ", s.offset + b.rows, ")");
      }
    }
    p.slice[i] =
        SliceArgs{s.u.data, s.B.data, s.u.stride[0], b.stride_l, b.stride_row, b.rows, s.offset};
    p.max_n = std::max(p.max_n, b.rows);
    check_disjoint(u_name, u_bytes, out_name, out_bytes);
    check_disjoint(b_name, bytes_of(s.B, b.span), out_name, out_bytes);
  }

  const Metadata meta = set_batch(p, batch);
  check_metadata_disjoint(p, meta, out_name, out_bytes);
  return p;
}

namespace {

// ---------------------------------------------------------------------------
// The fast path. Nearly every call is valid and ordinary: non-null, non-empty
// views of modest extents. For such a call the fast path evaluates every
// condition of the exact path above, straight through: no message parts, no
// calls, no branch per check (each condition is OR-ed into one flag: measured
// faster than a predicted branch per check), and one bound covers every
// extent, stride and offset at once. It builds the same Problem. Anything
// else (a mistake, an empty or null view, an extent, stride or offset of 2^28
// or more) leaves it to the exact path, which repeats every check in order
// and throws the first failure's message, or builds the Problem itself.
// Messages therefore come from the exact path alone, and the fast path need
// only be sound: it accepts a call only when the exact path accepts it, with
// the same Problem. tests/unit/validate_fast_test.cpp compares the two on
// mutated calls.

/// Extents, strides and offsets below this bound keep every span, byte count
/// and column sum of the fast path far from int64 overflow.
constexpr std::uint64_t kFastLimit = std::uint64_t{1} << 28;
static_assert(kMaxRank * (kFastLimit - 1) * (kFastLimit - 1) + 1 <= INT64_MAX / 8,
              "a fast-path span in bytes must fit int64");

struct FastCheck {
  bool bad = false;
  /// The OR of every bounded value (extents minus one, strides, offsets):
  /// below kFastLimit exactly when each of them is in [0, kFastLimit).
  std::uint64_t magnitude = 0;

  void require(bool ok) { bad |= !ok; }
  void bound(std::uint64_t value) { magnitude |= value; }
  bool passed() const { return !bad && magnitude < kFastLimit; }
};

/// a - b and a + b without signed overflow for any operands; exact whenever
/// the fast path passes (all operands bounded).
std::int64_t wrapping_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

/// check_view for a view of rank kRank with every extent >= 1 and a non-null
/// data pointer; returns the view's bytes (bytes_of).
template <int kRank>
[[gnu::always_inline]] inline ByteRange fast_view(FastCheck& c, const TensorView& v) {
  c.require(v.rank == kRank);
  std::uint64_t span = 1;
  for (int d = 0; d < kRank; ++d) {
    // An extent below 1 wraps to a huge value here: one bound for both.
    const std::uint64_t extent_less_one = static_cast<std::uint64_t>(v.shape[d]) - 1;
    const auto stride = static_cast<std::uint64_t>(v.stride[d]);
    c.bound(extent_less_one);
    c.bound(stride);
    span += extent_less_one * stride;
  }
  c.require(v.shape[kRank - 1] == 1 || v.stride[kRank - 1] == 1);
  const auto address = reinterpret_cast<std::uintptr_t>(v.data);
  const std::size_t size = size_of(v.dtype);
  c.require(address != 0);
  c.require((address & (size - 1)) == 0);
  return {address, address + span * size};
}

/// weights_of on the fast path.
struct FastWeights {
  std::int64_t L = 0, rows = 0, K = 0, stride_l = 0, stride_row = 0;
  ByteRange bytes;
};
[[gnu::always_inline]] inline FastWeights fast_weights(FastCheck& c, const TensorView& v) {
  c.require(is_floating(v.dtype));
  if (v.rank == 4) {
    c.require(v.shape[1] == 1);
    return {v.shape[0], v.shape[2], v.shape[3], v.stride[0], v.stride[2], fast_view<4>(c, v)};
  }
  return {v.shape[0], v.shape[1], v.shape[2], v.stride[0], v.stride[1], fast_view<3>(c, v)};
}

/// check_output_rows on the fast path (extents >= 1).
bool fast_rows_apart(const TensorView& v) { return v.shape[0] <= 1 || v.stride[0] >= v.shape[1]; }

/// set_batch and check_metadata_disjoint on the fast path: fills the metadata
/// fields of p (T already set); false (and p half filled) for a null batch.
[[gnu::always_inline]] inline bool fast_batch(FastCheck& c, Problem& p, const BatchArgs& batch,
                                              const ByteRange& out) {
  if (batch.form == MetaForm::segments) {
    if (batch.segments == nullptr) return false;
    const SegmentBatch& b = *batch.segments;
    const std::int64_t S = b.seg_start.shape[0];
    const DType dt = b.seg_start.dtype;
    c.require(is_index(dt));
    for (const TensorView* v : {&b.seg_start, &b.seg_len, &b.lora_id}) {
      c.require(!overlap(fast_view<1>(c, *v), out));
      c.require(v->dtype == dt);
      c.require(v->shape[0] == S);
    }
    p.form = MetaForm::segments;
    p.meta_dtype = dt;
    p.S = S;
    p.seg_start = b.seg_start.data;
    p.seg_len = b.seg_len.data;
    p.lora = b.lora_id.data;
    p.max_seg_len = b.max_seg_len < 0 ? p.T : std::min(b.max_seg_len, p.T);
    return true;
  }
  if (batch.tokens == nullptr) return false;
  const TensorView& v = batch.tokens->token_lora;
  c.require(!overlap(fast_view<1>(c, v), out));
  c.require(is_index(v.dtype));
  c.require(v.shape[0] == p.T);
  p.form = MetaForm::per_token;
  p.meta_dtype = v.dtype;
  p.S = p.T;
  p.lora = v.data;
  p.max_seg_len = 1;
  return true;
}

/// make_shrink_problem_exact's checks and Problem on the fast path; false when
/// the call needs the exact path.
bool fast_shrink(Problem& p, const TensorView& x, const TensorView& A, const TensorView& y,
                 const BatchArgs& batch, float scale) {
  FastCheck c;
  const ByteRange x_bytes = fast_view<2>(c, x);
  c.require(is_floating(x.dtype));
  const FastWeights a = fast_weights(c, A);
  const ByteRange y_bytes = fast_view<2>(c, y);
  c.require(is_floating(y.dtype));
  c.require(fast_rows_apart(y));
  const std::int64_t T = x.shape[0], H = x.shape[1];
  c.require(a.K == H);
  c.require(y.shape[0] == T);
  c.require(y.shape[1] == a.rows);
  c.require(y.dtype == DType::f32 || y.dtype == x.dtype);
  c.require(!overlap(x_bytes, y_bytes));
  c.require(!overlap(a.bytes, y_bytes));

  fill_shrink(p, x, A, y, a, scale);
  return fast_batch(c, p, batch, y_bytes) && c.passed();
}

/// The slices of an expand call as fast_expand reads them: an array of
/// ExpandSlice (expand_multi), or one slice whose views are the caller's own
/// (expand, expand_slice: no copy of them into an ExpandSlice).
struct SliceArray {
  const ExpandSlice* slices;
  int count;
  const TensorView& u(int i) const { return slices[i].u; }
  const TensorView& B(int i) const { return slices[i].B; }
  std::int64_t offset(int i) const { return slices[i].offset; }
};
struct OneSlice {
  const TensorView& u_;
  const TensorView& B_;
  std::int64_t offset_;
  static constexpr int count = 1;
  const TensorView& u(int) const { return u_; }
  const TensorView& B(int) const { return B_; }
  std::int64_t offset(int) const { return offset_; }
};

/// make_expand_problem_exact's checks and Problem on the fast path (slices
/// already known to number 1 to kMaxSlices).
template <typename Slices>
[[gnu::always_inline]] inline bool fast_expand(Problem& p, const Slices& slices,
                                               const TensorView& out, const BatchArgs& batch,
                                               bool add) {
  FastCheck c;
  const ByteRange out_bytes = fast_view<2>(c, out);
  c.require(is_floating(out.dtype));
  c.require(fast_rows_apart(out));
  const std::int64_t T = out.shape[0], W = out.shape[1];

  fill_expand_output(p, out, add, slices.count);
  // Slice 0 sets the types, rank and adapters every slice must share.
  p.in_dtype = slices.u(0).dtype;
  p.w_dtype = slices.B(0).dtype;
  p.K = slices.u(0).shape[1];
  p.L = slices.B(0).shape[0];
  for (int i = 0; i < slices.count; ++i) {
    const TensorView& u = slices.u(i);
    const TensorView& B = slices.B(i);
    const std::int64_t offset = slices.offset(i);
    const ByteRange u_bytes = fast_view<2>(c, u);
    c.require(is_floating(u.dtype));
    const FastWeights b = fast_weights(c, B);
    const std::int64_t R = u.shape[1];
    c.require(u.shape[0] == T);
    c.require(b.K == R);
    c.bound(static_cast<std::uint64_t>(offset));
    c.require(offset <= wrapping_sub(W, b.rows));
    c.require(u.dtype == p.in_dtype);
    c.require(B.dtype == p.w_dtype);
    c.require(R == p.K);
    c.require(b.L == p.L);
    const std::int64_t end = wrapping_add(offset, b.rows);
    for (int j = 0; j < i; ++j) {
      const SliceArgs& o = p.slice[j];
      c.require(!(offset < wrapping_add(o.out_col, o.n) && o.out_col < end));
    }
    p.slice[i] = SliceArgs{u.data, B.data, u.stride[0], b.stride_l, b.stride_row, b.rows, offset};
    p.max_n = std::max(p.max_n, b.rows);
    c.require(!overlap(u_bytes, out_bytes));
    c.require(!overlap(b.bytes, out_bytes));
  }
  return fast_batch(c, p, batch, out_bytes) && c.passed();
}

}  // namespace

Problem make_shrink_problem(const TensorView& x, const TensorView& A, const TensorView& y,
                            const BatchArgs& batch, float scale) {
  Problem p;
  if (!fast_shrink(p, x, A, y, batch, scale)) p = make_shrink_problem_exact(x, A, y, batch, scale);
  return p;
}

Problem make_expand_problem(const ExpandSlice* slices, int num_slices, const TensorView& out,
                            const BatchArgs& batch, bool add) {
  Problem p;
  if (num_slices < 1 || num_slices > kMaxSlices || slices == nullptr ||
      !fast_expand(p, SliceArray{slices, num_slices}, out, batch, add)) {
    p = make_expand_problem_exact(slices, num_slices, out, batch, add);
  }
  return p;
}

Problem make_expand_problem(const TensorView& u, const TensorView& B, std::int64_t offset,
                            const TensorView& out, const BatchArgs& batch, bool add) {
  Problem p;
  if (!fast_expand(p, OneSlice{u, B, offset}, out, batch, add)) {
    const ExpandSlice slice{u, B, offset};
    p = make_expand_problem_exact(&slice, 1, out, batch, add);
  }
  return p;
}

void require_whole_width(const Problem& p) {
  if (p.out_cols != p.slice[0].n) {
    fail("out: has W = ", p.out_cols, " columns but B has N = ", p.slice[0].n,
         " (expand writes out [T, N]; use expand_slice for a column slice)");
  }
}

Problem make_whole_expand_problem(const TensorView& u, const TensorView& B, const TensorView& out,
                                  const BatchArgs& batch, bool add) {
  Problem p = make_expand_problem(u, B, 0, out, batch, add);
  require_whole_width(p);
  return p;
}

namespace {
std::int64_t load_index(const void* data, DType dtype, std::int64_t i) {
  return dtype == DType::i32 ? static_cast<const std::int32_t*>(data)[i]
                             : static_cast<const std::int64_t*>(data)[i];
}
[[noreturn]] void fault(const std::string& message) {
  throw Error(ErrorCode::device_fault, message);
}
}  // namespace

void check_metadata_on_host(const Problem& p, const void* seg_start, const void* seg_len,
                            const void* lora) {
  const char* lora_name = p.form == MetaForm::segments ? "lora_id" : "token_lora";
  for (std::int64_t s = 0; s < p.S; ++s) {
    const std::int64_t l = load_index(lora, p.meta_dtype, s);
    if (l < -1 || l >= p.L) {
      fault(std::string(lora_name) + "[" + std::to_string(s) + "] = " + std::to_string(l) +
            " is outside [-1, L = " + std::to_string(p.L) + ")");
    }
    if (p.form != MetaForm::segments) continue;
    const std::int64_t start = load_index(seg_start, p.meta_dtype, s);
    const std::int64_t len = load_index(seg_len, p.meta_dtype, s);
    if (start < 0 || len < 0 || start > p.T || len > p.T - start) {
      fault("segment " + std::to_string(s) + ": seg_start = " + std::to_string(start) +
            ", seg_len = " + std::to_string(len) + " reach outside [0, T = " + std::to_string(p.T) +
            ")");
    }
  }
}

}  // namespace sgmv::detail
