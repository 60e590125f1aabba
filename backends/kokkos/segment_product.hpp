// The one kernel of the Kokkos backend: the segmented product every op
// reduces to (see sgmv/core/problem.hpp)
//   out[t, out_col + n] = (add ? out[t, out_col + n] : 0) + scale * sum_k in[t, k] * w[l, n, k]
// templated on the input and weight element types (they sit in the inner
// loop), the offset type Idx (int32 or int64: every element offset is formed
// in Idx) and the metadata form. The output dtype and the metadata width are
// read at run time: they are touched once per output element or per segment.
//
// A work item is (segment, block of its rows, slice, block of output
// columns). Metadata faults are checked by every item and recorded once per
// segment, by its first item; nothing is read or written for a faulty segment.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>

#include "kokkos_env.hpp"
#include "sgmv/core/kernel_registry.hpp"
#include "sgmv/core/problem.hpp"
#include "sgmv/error.hpp"
#include "sgmv/half.hpp"

namespace sgmv::detail::kokkos_backend {

// Element types: how a stored value becomes a float.
struct F32 {
  using storage = float;
  static KOKKOS_FORCEINLINE_FUNCTION float load(storage v) { return v; }
};
struct F16 {
  using storage = std::uint16_t;
  /// Bit-identical to sgmv::f16_bits_to_float, without branches so that the
  /// inner loops vectorise: normal numbers rebias the exponent in place,
  /// inf/NaN (exponent 31) get a second rebias to 255, subnormals and zero are
  /// the exact product man * 2^-24.
  static KOKKOS_FORCEINLINE_FUNCTION float load(storage v) {
    const std::uint32_t magnitude = v & 0x7fffu;
    // All-ones masks instead of conditionals: no control flow in the loops.
    const std::uint32_t special = 0u - static_cast<std::uint32_t>(magnitude >= 0x7c00u);
    const std::uint32_t tiny = 0u - static_cast<std::uint32_t>(magnitude < 0x400u);
    const std::uint32_t normal = (magnitude << 13) + (112u << 23) + (special & (112u << 23));
    const std::uint32_t subnormal = detail::float_bits(
        static_cast<float>(static_cast<std::int32_t>(magnitude)) * 5.9604644775390625e-8f);
    const std::uint32_t sign = static_cast<std::uint32_t>(v & 0x8000u) << 16;
    return detail::bits_float(sign | (subnormal & tiny) | (normal & ~tiny));
  }
};
struct BF16 {
  using storage = std::uint16_t;
  static KOKKOS_FORCEINLINE_FUNCTION float load(storage v) { return bf16_bits_to_float(v); }
};

template <class Idx>
KOKKOS_FORCEINLINE_FUNCTION float load_out(const void* out, DType dtype, Idx offset) {
  switch (dtype) {
    case DType::f16:
      return f16_bits_to_float(static_cast<const std::uint16_t*>(out)[offset]);
    case DType::bf16:
      return bf16_bits_to_float(static_cast<const std::uint16_t*>(out)[offset]);
    default:
      return static_cast<const float*>(out)[offset];
  }
}

template <class Idx>
KOKKOS_FORCEINLINE_FUNCTION void store_out(void* out, DType dtype, Idx offset, float v) {
  switch (dtype) {
    case DType::f16:
      static_cast<std::uint16_t*>(out)[offset] = float_to_f16_bits(v);
      break;
    case DType::bf16:
      static_cast<std::uint16_t*>(out)[offset] = float_to_bf16_bits(v);
      break;
    default:
      static_cast<float*>(out)[offset] = v;
      break;
  }
}

KOKKOS_FORCEINLINE_FUNCTION std::int64_t load_meta(const void* meta, bool wide, std::int64_t i) {
  return wide ? static_cast<const std::int64_t*>(meta)[i]
              : static_cast<std::int64_t>(static_cast<const std::int32_t*>(meta)[i]);
}

/// Lanes of independent partial sums per row: the reduction over k is split
/// so that the compiler can vectorise it (the order of a float sum is fixed
/// only up to the tolerance SEMANTICS.md allows; accumulation stays fp32).
inline constexpr int kLanes = 8;  // the reduction below assumes 8
/// Rows that share each weight row load.
inline constexpr int kRowBlock = 4;

/// sum_k x_r[k] * w[k] for R rows x_r = x + r * x_stride.
template <int R, class In, class W, class Idx>
KOKKOS_FORCEINLINE_FUNCTION void dot_rows(const typename In::storage* x, Idx x_stride,
                                          const typename W::storage* w, Idx K, float* result) {
  float acc[R][kLanes];
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < kLanes; ++j) acc[r][j] = 0.0f;
  }
  Idx k = 0;
  for (; K - k >= kLanes; k += kLanes) {
    float wv[kLanes];
    for (int j = 0; j < kLanes; ++j) wv[j] = W::load(w[k + j]);
    for (int r = 0; r < R; ++r) {
      const typename In::storage* xr = x + static_cast<Idx>(r) * x_stride + k;
      for (int j = 0; j < kLanes; ++j) acc[r][j] += In::load(xr[j]) * wv[j];
    }
  }
  for (; k < K; ++k) {
    const float wk = W::load(w[k]);
    for (int r = 0; r < R; ++r) acc[r][0] += In::load(x[static_cast<Idx>(r) * x_stride + k]) * wk;
  }
  // Pairwise lane reduction (vector-friendly, and short for the small K of expand).
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < kLanes / 2; ++j) acc[r][j] += acc[r][j + kLanes / 2];
    for (int j = 0; j < kLanes / 4; ++j) acc[r][j] += acc[r][j + kLanes / 4];
    result[r] = acc[r][0] + acc[r][1];
  }
}

/// How the work is cut into items; see launch_segment_product().
struct WorkShape {
  std::int64_t rows_per_item = 1;  ///< rows of one segment per item
  std::int64_t row_items = 1;      ///< items per segment along its rows (>= 1)
  std::int64_t cols_per_item = 1;  ///< output columns per item
  std::int64_t col_items = 1;      ///< items per slice along the columns (>= 1)
};

template <class In, class W, class Idx, bool PerToken>
struct SegmentProduct {
  Problem p;
  WorkShape shape;
  bool wide_meta = false;

  KOKKOS_INLINE_FUNCTION void operator()(const std::int64_t item) const {
    std::int64_t rest = item;
    const std::int64_t cb = rest % shape.col_items;
    rest /= shape.col_items;
    const int sl = static_cast<int>(rest % p.num_slices);
    rest /= p.num_slices;
    const std::int64_t rb = rest % shape.row_items;
    const std::int64_t s = rest / shape.row_items;

    const std::int64_t l = load_meta(p.lora, wide_meta, s);
    std::int64_t start = s;
    std::int64_t len = 1;
    std::uint32_t fault = 0;
    if (l < -1 || l >= p.L) fault |= status_bad_adapter;
    if (!PerToken) {
      start = load_meta(p.seg_start, wide_meta, s);
      len = load_meta(p.seg_len, wide_meta, s);
      if (start < 0 || len < 0 || start > p.T || len > p.T - start) fault |= status_bad_segment;
    }
    if (fault != 0) {
      if (rb == 0 && sl == 0 && cb == 0 && p.status != nullptr) {
        Kokkos::atomic_fetch_or(p.status, fault);
      }
      return;
    }
    if (l < 0) return;  // no adapter: rows untouched

    const std::int64_t rows = len < p.max_seg_len ? len : p.max_seg_len;
    const std::int64_t r0 = rb * shape.rows_per_item;
    const std::int64_t r1 = r0 + shape.rows_per_item < rows ? r0 + shape.rows_per_item : rows;
    const SliceArgs& a = p.slice[sl];
    const std::int64_t n0 = cb * shape.cols_per_item;
    const std::int64_t n1 = n0 + shape.cols_per_item < a.n ? n0 + shape.cols_per_item : a.n;
    if (r0 >= r1 || n0 >= n1) return;
    compute(a, static_cast<Idx>(l), static_cast<Idx>(start + r0), static_cast<Idx>(start + r1),
            static_cast<Idx>(n0), static_cast<Idx>(n1));
  }

  /// Rows [t0, t1) and columns [n0, n1) of slice a, adapter l.
  KOKKOS_INLINE_FUNCTION void compute(const SliceArgs& a, Idx l, Idx t0, Idx t1, Idx n0,
                                      Idx n1) const {
    const auto* in = static_cast<const typename In::storage*>(a.in);
    const auto* w = static_cast<const typename W::storage*>(a.w);
    const Idx K = static_cast<Idx>(p.K);
    const Idx in_stride = static_cast<Idx>(a.in_row_stride);
    const Idx w_base = l * static_cast<Idx>(a.w_stride_l);
    const Idx w_stride_n = static_cast<Idx>(a.w_stride_n);
    const Idx out_stride = static_cast<Idx>(p.out_row_stride);
    const Idx out_col = static_cast<Idx>(a.out_col);
    const float scale = p.scale;
    const bool add = p.add;

    Idx t = t0;
    // Blocks of rows share each weight row (the per-token form has one row).
    for (; !PerToken && t1 - t >= kRowBlock; t += kRowBlock) {
      const typename In::storage* x = in + t * in_stride;
      const Idx out_row = t * out_stride + out_col;
      for (Idx n = n0; n < n1; ++n) {
        float acc[kRowBlock];
        dot_rows<kRowBlock, In, W, Idx>(x, in_stride, w + (w_base + n * w_stride_n), K, acc);
        for (int r = 0; r < kRowBlock; ++r) {
          const Idx o = out_row + static_cast<Idx>(r) * out_stride + n;
          float v = scale * acc[r];
          if (add) v += load_out(p.out, p.out_dtype, o);
          store_out(p.out, p.out_dtype, o, v);
        }
      }
    }
    for (; t < t1; ++t) {
      const typename In::storage* x = in + t * in_stride;
      const Idx out_row = t * out_stride + out_col;
      for (Idx n = n0; n < n1; ++n) {
        float acc[1];
        dot_rows<1, In, W, Idx>(x, in_stride, w + (w_base + n * w_stride_n), K, acc);
        const Idx o = out_row + n;
        float v = scale * acc[0];
        if (add) v += load_out(p.out, p.out_dtype, o);
        store_out(p.out, p.out_dtype, o, v);
      }
    }
  }
};

/// Largest number of rows any valid segment with an adapter computes (host
/// memory only; the caller has fenced the stream).
std::int64_t host_rows_bound(const Problem& p);

/// Chooses the work decomposition for a call (see the .cpp for the rules).
WorkShape work_shape(const Problem& p, const TileConfig& tile, ExecSpace exec);

/// The launch function of every variant: validates the environment, cuts the
/// work, and runs the kernel on the stream's execution space instance.
template <class In, class W, class Idx, bool PerToken>
void launch_segment_product(const Problem& problem, const TileConfig& tile, const LaunchEnv& env) {
  if (problem.empty()) return;
  if (env.device != 0) {
    throw Error(ErrorCode::no_device,
                "the Kokkos backend has one device (0); got device " + std::to_string(env.device));
  }
  DispatchLock lock;
  const ExecSpace exec = instance_of(env.stream);
  SegmentProduct<In, W, Idx, PerToken> functor;
  functor.p = problem;
  functor.wide_meta = problem.meta_dtype == DType::i64;
  functor.shape = work_shape(problem, tile, exec);
  const std::int64_t items =
      problem.S * functor.shape.row_items * problem.num_slices * functor.shape.col_items;
  // Dynamic schedule: items differ in cost (segments of different lengths,
  // rows past a segment's end); device backends ignore it.
  using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>,
                                     Kokkos::Schedule<Kokkos::Dynamic>>;
  Kokkos::parallel_for("sgmv::segment_product", Policy(exec, 0, items), functor);
}

/// The launch function of one (In, W) pair for an index width and form.
template <class In, class W>
LaunchFn segment_product_launcher_for(IndexWidth index, MetaForm form) {
  const bool per_token = form == MetaForm::per_token;
  if (index == IndexWidth::i32) {
    return per_token ? &launch_segment_product<In, W, std::int32_t, true>
                     : &launch_segment_product<In, W, std::int32_t, false>;
  }
  return per_token ? &launch_segment_product<In, W, std::int64_t, true>
                   : &launch_segment_product<In, W, std::int64_t, false>;
}

/// The launch functions of one input type, over every weight type.
template <class In>
LaunchFn segment_product_launcher_for(DType w, IndexWidth index, MetaForm form) {
  switch (w) {
    case DType::f16:
      return segment_product_launcher_for<In, F16>(index, form);
    case DType::bf16:
      return segment_product_launcher_for<In, BF16>(index, form);
    case DType::f32:
      return segment_product_launcher_for<In, F32>(index, form);
    default:
      return nullptr;
  }
}

/// The launch function for a dtype pair, index width and form; one
/// translation unit per input dtype instantiates them (see kernels_*.cpp).
LaunchFn segment_product_launcher(DType in, DType w, IndexWidth index, MetaForm form);
LaunchFn segment_product_launcher_f16(DType w, IndexWidth index, MetaForm form);
LaunchFn segment_product_launcher_bf16(DType w, IndexWidth index, MetaForm form);
LaunchFn segment_product_launcher_f32(DType w, IndexWidth index, MetaForm form);

}  // namespace sgmv::detail::kokkos_backend
