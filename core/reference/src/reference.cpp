// Plain, obviously-correct loops in float64 over host memory. Validation is
// the library's own (make_*_problem), so the reference rejects exactly what
// the ops reject.
#include "sgmv/reference.hpp"

#include <string>

#include "sgmv/core/validate.hpp"
#include "sgmv/error.hpp"
#include "sgmv/half.hpp"

namespace sgmv::reference {
namespace {

using detail::Problem;

std::int64_t load_index(const void* data, DType dtype, std::int64_t i) {
  return dtype == DType::i32 ? static_cast<const std::int32_t*>(data)[i]
                             : static_cast<const std::int64_t*>(data)[i];
}

void compute_row(const Problem& p, std::int64_t t, std::int64_t l, std::vector<double>& result) {
  for (int s = 0; s < p.num_slices; ++s) {
    const detail::SliceArgs& sl = p.slice[s];
    for (std::int64_t n = 0; n < sl.n; ++n) {
      double acc = 0.0;
      for (std::int64_t k = 0; k < p.K; ++k) {
        acc += load(sl.in, p.in_dtype, t * sl.in_row_stride + k) *
               load(sl.w, p.w_dtype, l * sl.w_stride_l + n * sl.w_stride_n + k);
      }
      double& out = result[static_cast<std::size_t>(t * p.out_cols + sl.out_col + n)];
      out = (p.add ? out : 0.0) + static_cast<double>(p.scale) * acc;
    }
  }
}

std::uint32_t run(const Problem& p, std::vector<double>& result) {
  const auto expected = static_cast<std::size_t>(p.T * p.out_cols);
  if (result.size() != expected) {
    throw Error(ErrorCode::invalid_argument,
                "result: has " + std::to_string(result.size()) +
                    " elements, expected T * W = " + std::to_string(expected));
  }
  if (p.empty()) return status_ok;
  std::uint32_t status = status_ok;
  for (std::int64_t s = 0; s < p.S; ++s) {
    const std::int64_t l = load_index(p.lora, p.meta_dtype, s);
    bool skip = l == -1;
    if (l < -1 || l >= p.L) {
      status |= status_bad_adapter;
      skip = true;
    }
    std::int64_t first = s, rows = 1;
    if (p.form == detail::MetaForm::segments) {
      first = load_index(p.seg_start, p.meta_dtype, s);
      const std::int64_t len = load_index(p.seg_len, p.meta_dtype, s);
      if (first < 0 || len < 0 || first > p.T || len > p.T - first) {
        status |= status_bad_segment;
        skip = true;
      }
      rows = len < p.max_seg_len ? len : p.max_seg_len;
    }
    if (skip) continue;
    for (std::int64_t i = 0; i < rows; ++i) compute_row(p, first + i, l, result);
  }
  return status;
}

}  // namespace

double load(const void* data, DType dtype, std::int64_t i) {
  switch (dtype) {
    case DType::f16:
      return f16_bits_to_float(static_cast<const std::uint16_t*>(data)[i]);
    case DType::bf16:
      return bf16_bits_to_float(static_cast<const std::uint16_t*>(data)[i]);
    case DType::f32:
      return static_cast<const float*>(data)[i];
    case DType::i32:
      return static_cast<const std::int32_t*>(data)[i];
    case DType::i64:
      return static_cast<double>(static_cast<const std::int64_t*>(data)[i]);
  }
  return 0.0;
}

double round_to(DType dtype, double v) {
  const auto f = static_cast<float>(v);
  switch (dtype) {
    case DType::f16:
      return f16_bits_to_float(float_to_f16_bits(f));
    case DType::bf16:
      return bf16_bits_to_float(float_to_bf16_bits(f));
    default:
      return f;
  }
}

std::vector<double> to_doubles(const TensorView& view) {
  const std::int64_t rows = view.rank > 0 ? view.shape[0] : 0;
  const std::int64_t cols = view.rank > 1 ? view.shape[1] : 1;
  std::vector<double> out(static_cast<std::size_t>(rows * cols));
  for (std::int64_t t = 0; t < rows; ++t) {
    for (std::int64_t c = 0; c < cols; ++c) {
      out[static_cast<std::size_t>(t * cols + c)] =
          load(view.data, view.dtype, t * view.stride[0] + c);
    }
  }
  return out;
}

std::uint32_t shrink(const TensorView& x, const TensorView& A, const TensorView& y,
                     const SegmentBatch& batch, float scale, std::vector<double>& result) {
  return run(detail::make_shrink_problem(x, A, y, detail::batch_args(batch), scale), result);
}
std::uint32_t shrink(const TensorView& x, const TensorView& A, const TensorView& y,
                     const TokenBatch& batch, float scale, std::vector<double>& result) {
  return run(detail::make_shrink_problem(x, A, y, detail::batch_args(batch), scale), result);
}
std::uint32_t expand(const TensorView& u, const TensorView& B, const TensorView& out,
                     const SegmentBatch& batch, bool add, std::vector<double>& result) {
  return run(detail::make_whole_expand_problem(u, B, out, detail::batch_args(batch), add), result);
}
std::uint32_t expand(const TensorView& u, const TensorView& B, const TensorView& out,
                     const TokenBatch& batch, bool add, std::vector<double>& result) {
  return run(detail::make_whole_expand_problem(u, B, out, detail::batch_args(batch), add), result);
}
std::uint32_t expand_slice(const TensorView& u, const TensorView& B, const TensorView& out,
                           const SegmentBatch& batch, std::int64_t offset, bool add,
                           std::vector<double>& result) {
  const ExpandSlice slice{u, B, offset};
  return expand_multi(&slice, 1, out, batch, add, result);
}
std::uint32_t expand_slice(const TensorView& u, const TensorView& B, const TensorView& out,
                           const TokenBatch& batch, std::int64_t offset, bool add,
                           std::vector<double>& result) {
  const ExpandSlice slice{u, B, offset};
  return expand_multi(&slice, 1, out, batch, add, result);
}
std::uint32_t expand_multi(const ExpandSlice* slices, int num_slices, const TensorView& out,
                           const SegmentBatch& batch, bool add, std::vector<double>& result) {
  return run(detail::make_expand_problem(slices, num_slices, out, detail::batch_args(batch), add),
             result);
}
std::uint32_t expand_multi(const ExpandSlice* slices, int num_slices, const TensorView& out,
                           const TokenBatch& batch, bool add, std::vector<double>& result) {
  return run(detail::make_expand_problem(slices, num_slices, out, detail::batch_args(batch), add),
             result);
}

}  // namespace sgmv::reference
