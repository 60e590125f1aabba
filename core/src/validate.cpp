#include "sgmv/core/validate.hpp"

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>

#include "sgmv/error.hpp"

namespace sgmv::detail {
namespace {

[[noreturn]] void fail(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, message);
}

std::string shape_of(const TensorView& v) {
  std::ostringstream s;
  s << '[';
  for (int d = 0; d < v.rank; ++d) s << (d ? ", " : "") << v.shape[d];
  s << ']';
  return s.str();
}

/// Checked a * b + c for non-negative operands; false on overflow.
bool mul_add(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t* r) {
  std::int64_t p;
  if (__builtin_mul_overflow(a, b, &p)) return false;
  return !__builtin_add_overflow(p, c, r);
}

/// Number of elements from the first to one past the last addressable element.
std::int64_t span_of(const std::string& name, const TensorView& v) {
  std::int64_t span = 1;
  for (int d = 0; d < v.rank; ++d) {
    if (v.shape[d] == 0) return 0;
    if (!mul_add(v.shape[d] - 1, v.stride[d], span, &span)) {
      fail(name + ": shape " + shape_of(v) + " with its strides overflows 64-bit element offsets");
    }
  }
  std::int64_t bytes;
  if (!mul_add(span, static_cast<std::int64_t>(size_of(v.dtype)), 0, &bytes)) {
    fail(name + ": shape " + shape_of(v) + " overflows 64-bit byte offsets");
  }
  return span;
}

/// Common checks of one tensor argument: rank, extents, strides, contiguity, pointer.
void check_view(const std::string& name, const TensorView& v, int rank_a, int rank_b,
                const char* layout) {
  if (v.rank != rank_a && v.rank != rank_b) {
    fail(name + ": expected " + layout + ", got a rank-" + std::to_string(v.rank) + " tensor");
  }
  for (int d = 0; d < v.rank; ++d) {
    if (v.shape[d] < 0) {
      fail(name + ": negative extent " + std::to_string(v.shape[d]) + " in dimension " +
           std::to_string(d) + " (shape " + shape_of(v) + ")");
    }
    if (v.stride[d] < 0) {
      fail(name + ": negative stride " + std::to_string(v.stride[d]) + " in dimension " +
           std::to_string(d));
    }
  }
  const int last = v.rank - 1;
  if (v.shape[last] > 1 && v.stride[last] != 1) {
    fail(name + ": the inner dimension must be contiguous (stride 1), got stride " +
         std::to_string(v.stride[last]));
  }
  if (v.data == nullptr && span_of(name, v) > 0) {
    fail(name + ": null data pointer with non-zero extent (shape " + shape_of(v) + ")");
  }
  if (reinterpret_cast<std::uintptr_t>(v.data) % size_of(v.dtype) != 0) {
    fail(name + ": data pointer " + std::to_string(reinterpret_cast<std::uintptr_t>(v.data)) +
         " is not aligned to its element size (" + std::to_string(size_of(v.dtype)) +
         " bytes for " + name_of(v.dtype) + ")");
  }
  span_of(name, v);
}

void check_float(const std::string& name, const TensorView& v) {
  if (!is_floating(v.dtype)) {
    fail(name + ": dtype " + name_of(v.dtype) + " is not a floating type (f16, bf16, f32)");
  }
}

/// Rows of an output must not alias each other.
void check_output_rows(const std::string& name, const TensorView& v) {
  if (v.shape[0] > 1 && v.stride[0] < v.shape[1]) {
    fail(name + ": row stride " + std::to_string(v.stride[0]) + " is smaller than the row width " +
         std::to_string(v.shape[1]) + "; rows would overlap");
  }
}

struct ByteRange {
  std::uintptr_t begin = 0, end = 0;
};
ByteRange bytes_of(const std::string& name, const TensorView& v) {
  const std::int64_t span = span_of(name, v);
  const auto begin = reinterpret_cast<std::uintptr_t>(v.data);
  return {begin, begin + static_cast<std::uintptr_t>(span) * size_of(v.dtype)};
}
void check_disjoint(const std::string& in_name, const TensorView& in, const std::string& out_name,
                    const TensorView& out) {
  const ByteRange a = bytes_of(in_name, in), b = bytes_of(out_name, out);
  if (a.begin < a.end && b.begin < b.end && a.begin < b.end && b.begin < a.end) {
    fail(in_name + " and " + out_name + " overlap in memory (" + in_name + " spans " +
         std::to_string(a.end - a.begin) + " bytes at " + std::to_string(a.begin) + ", " +
         out_name + " " + std::to_string(b.end - b.begin) + " bytes at " + std::to_string(b.begin) +
         ")");
  }
}

/// LoRA weights: [L, rows, K] or [L, 1, rows, K].
struct Weights {
  std::int64_t L = 0, rows = 0, K = 0, stride_l = 0, stride_row = 0;
};
Weights weights_of(const std::string& name, const TensorView& v, const char* layout) {
  check_view(name, v, 3, 4, layout);
  check_float(name, v);
  if (v.rank == 4) {
    if (v.shape[1] != 1) {
      fail(name + ": a rank-4 weight must have extent 1 in dimension 1, got shape " + shape_of(v));
    }
    return {v.shape[0], v.shape[2], v.shape[3], v.stride[0], v.stride[2]};
  }
  return {v.shape[0], v.shape[1], v.shape[2], v.stride[0], v.stride[1]};
}

void require_positive(const std::string& what, std::int64_t value) {
  if (value < 1) fail(what + " must be >= 1, got " + std::to_string(value));
}

void check_index_array(const std::string& name, const TensorView& v, std::int64_t expected,
                       DType expected_dtype) {
  check_view(name, v, 1, 1, "a 1-D index array");
  if (!is_index(v.dtype)) {
    fail(name + ": dtype " + name_of(v.dtype) + " is not an index type (i32 or i64)");
  }
  if (v.dtype != expected_dtype) {
    fail(name + ": dtype " + name_of(v.dtype) + " differs from the batch's " +
         name_of(expected_dtype) + " (one index type per call)");
  }
  if (v.shape[0] != expected) {
    fail(name + ": has " + std::to_string(v.shape[0]) + " elements, expected " +
         std::to_string(expected));
  }
}

/// Fills the metadata fields of p (T already set) and returns the metadata views.
void set_batch(Problem& p, const BatchArgs& batch, const TensorView* meta[3], int* meta_count) {
  *meta_count = 0;
  if (batch.form == MetaForm::segments) {
    if (batch.segments == nullptr) fail("batch: null SegmentBatch");
    const SegmentBatch& b = *batch.segments;
    if (b.seg_start.rank != 1) {
      fail("seg_start: expected a 1-D index array, got a rank-" + std::to_string(b.seg_start.rank) +
           " tensor");
    }
    const std::int64_t S = b.seg_start.shape[0];
    check_index_array("seg_start", b.seg_start, S, b.seg_start.dtype);
    check_index_array("seg_len", b.seg_len, S, b.seg_start.dtype);
    check_index_array("lora_id", b.lora_id, S, b.seg_start.dtype);
    p.form = MetaForm::segments;
    p.meta_dtype = b.seg_start.dtype;
    p.S = S;
    p.seg_start = b.seg_start.data;
    p.seg_len = b.seg_len.data;
    p.lora = b.lora_id.data;
    p.max_seg_len = b.max_seg_len < 0 ? p.T : std::min(b.max_seg_len, p.T);
    meta[0] = &b.seg_start;
    meta[1] = &b.seg_len;
    meta[2] = &b.lora_id;
    *meta_count = 3;
  } else {
    if (batch.tokens == nullptr) fail("batch: null TokenBatch");
    const TokenBatch& b = *batch.tokens;
    if (b.token_lora.rank != 1) {
      fail("token_lora: expected a 1-D index array, got a rank-" +
           std::to_string(b.token_lora.rank) + " tensor");
    }
    check_index_array("token_lora", b.token_lora, p.T, b.token_lora.dtype);
    p.form = MetaForm::per_token;
    p.meta_dtype = b.token_lora.dtype;
    p.S = p.T;
    p.lora = b.token_lora.data;
    p.max_seg_len = 1;
    meta[0] = &b.token_lora;
    *meta_count = 1;
  }
}

const char* const kMetaNames[2][3] = {{"seg_start", "seg_len", "lora_id"}, {"token_lora", "", ""}};

void check_metadata_disjoint(const Problem& p, const TensorView* const meta[3], int count,
                             const std::string& out_name, const TensorView& out) {
  for (int i = 0; i < count; ++i) {
    check_disjoint(kMetaNames[static_cast<int>(p.form)][i], *meta[i], out_name, out);
  }
}

}  // namespace

Problem make_shrink_problem(const TensorView& x, const TensorView& A, const TensorView& y,
                            const BatchArgs& batch, float scale) {
  check_view("x", x, 2, 2, "x as [T, H]");
  check_float("x", x);
  const Weights a = weights_of("A", A, "A as [L, R, H] or [L, 1, R, H]");
  check_view("y", y, 2, 2, "y as [T, R]");
  check_float("y", y);
  check_output_rows("y", y);
  const std::int64_t T = x.shape[0], H = x.shape[1];
  require_positive("x: hidden size H", H);
  require_positive("A: rank R", a.rows);
  if (a.K != H) {
    fail("A: hidden size " + std::to_string(a.K) + " does not match x's H = " + std::to_string(H));
  }
  if (y.shape[0] != T) {
    fail("y: has " + std::to_string(y.shape[0]) + " rows, x has T = " + std::to_string(T));
  }
  if (y.shape[1] != a.rows) {
    fail("y: has " + std::to_string(y.shape[1]) +
         " columns, A has rank R = " + std::to_string(a.rows));
  }
  if (y.dtype != DType::f32 && y.dtype != x.dtype) {
    fail(std::string("y: dtype ") + name_of(y.dtype) + " must be f32 or x's dtype " +
         name_of(x.dtype));
  }

  Problem p;
  p.op = OpKind::shrink;
  p.in_dtype = x.dtype;
  p.w_dtype = A.dtype;
  p.out_dtype = y.dtype;
  p.scale = scale;
  p.T = T;
  p.K = H;
  p.L = a.L;
  p.max_n = a.rows;
  p.out = y.data;
  p.out_row_stride = y.stride[0];
  p.out_cols = a.rows;
  p.num_slices = 1;
  p.slice[0] = SliceArgs{x.data, A.data, x.stride[0], a.stride_l, a.stride_row, a.rows, 0};

  const TensorView* meta[3] = {};
  int meta_count = 0;
  set_batch(p, batch, meta, &meta_count);
  check_disjoint("x", x, "y", y);
  check_disjoint("A", A, "y", y);
  check_metadata_disjoint(p, meta, meta_count, "y", y);
  return p;
}

Problem make_expand_problem(const ExpandSlice* slices, int num_slices, const TensorView& out,
                            const BatchArgs& batch, bool add) {
  if (num_slices < 1 || num_slices > kMaxSlices) {
    fail("num_slices: " + std::to_string(num_slices) + " is outside [1, " +
         std::to_string(kMaxSlices) + "]");
  }
  if (slices == nullptr)
    fail("slices: null pointer with num_slices = " + std::to_string(num_slices));
  check_view("out", out, 2, 2, "out as [T, W]");
  check_float("out", out);
  check_output_rows("out", out);
  const std::int64_t T = out.shape[0], W = out.shape[1];
  const bool single = num_slices == 1;
  auto name = [single](int i, const char* what) {
    return single ? std::string(what) : "slices[" + std::to_string(i) + "]." + what;
  };

  Problem p;
  p.op = OpKind::expand;
  p.add = add;
  p.out_dtype = out.dtype;
  p.T = T;
  p.out = out.data;
  p.out_row_stride = out.stride[0];
  p.out_cols = W;
  p.num_slices = num_slices;
  for (int i = 0; i < num_slices; ++i) {
    const ExpandSlice& s = slices[i];
    const std::string u_name = name(i, "u"), b_name = name(i, "B"), off_name = name(i, "offset");
    check_view(u_name, s.u, 2, 2, "u as [T, R]");
    check_float(u_name, s.u);
    const Weights b = weights_of(b_name, s.B, "B as [L, N, R] or [L, 1, N, R]");
    const std::int64_t R = s.u.shape[1];
    require_positive(u_name + ": rank R", R);
    require_positive(b_name + ": output features N", b.rows);
    if (s.u.shape[0] != T) {
      fail(u_name + ": has " + std::to_string(s.u.shape[0]) +
           " rows, out has T = " + std::to_string(T));
    }
    if (b.K != R) {
      fail(b_name + ": rank " + std::to_string(b.K) + " does not match " + u_name +
           "'s R = " + std::to_string(R));
    }
    if (s.offset < 0) fail(off_name + ": negative offset " + std::to_string(s.offset));
    if (s.offset > W - b.rows) {
      fail(off_name + " + N = " + std::to_string(s.offset) + " + " + std::to_string(b.rows) +
           " exceeds out's width W = " + std::to_string(W));
    }
    if (i == 0) {
      p.in_dtype = s.u.dtype;
      p.w_dtype = s.B.dtype;
      p.K = R;
      p.L = b.L;
    } else {
      if (s.u.dtype != p.in_dtype) {
        fail(u_name + ": dtype " + name_of(s.u.dtype) + " differs from slices[0].u's " +
             name_of(p.in_dtype));
      }
      if (s.B.dtype != p.w_dtype) {
        fail(b_name + ": dtype " + name_of(s.B.dtype) + " differs from slices[0].B's " +
             name_of(p.w_dtype));
      }
      if (R != p.K) {
        fail(u_name + ": rank R = " + std::to_string(R) +
             " differs from slices[0]'s R = " + std::to_string(p.K));
      }
      if (b.L != p.L) {
        fail(b_name + ": has " + std::to_string(b.L) +
             " adapters, slices[0].B has L = " + std::to_string(p.L));
      }
    }
    for (int j = 0; j < i; ++j) {
      const SliceArgs& o = p.slice[j];
      if (s.offset < o.out_col + o.n && o.out_col < s.offset + b.rows) {
        fail("slices[" + std::to_string(j) + "] and slices[" + std::to_string(i) +
             "] write overlapping columns [" + std::to_string(o.out_col) + ", " +
             std::to_string(o.out_col + o.n) + ") and [" + std::to_string(s.offset) + ", " +
             std::to_string(s.offset + b.rows) + ")");
      }
    }
    p.slice[i] =
        SliceArgs{s.u.data, s.B.data, s.u.stride[0], b.stride_l, b.stride_row, b.rows, s.offset};
    p.max_n = std::max(p.max_n, b.rows);
    check_disjoint(u_name, s.u, "out", out);
    check_disjoint(b_name, s.B, "out", out);
  }

  const TensorView* meta[3] = {};
  int meta_count = 0;
  set_batch(p, batch, meta, &meta_count);
  check_metadata_disjoint(p, meta, meta_count, "out", out);
  return p;
}

void require_whole_width(const Problem& p) {
  if (p.out_cols != p.slice[0].n) {
    fail("out: has W = " + std::to_string(p.out_cols) +
         " columns but B has N = " + std::to_string(p.slice[0].n) +
         " (expand writes out [T, N]; use expand_slice for a column slice)");
  }
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
