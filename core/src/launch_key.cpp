#include "sgmv/core/launch_key.hpp"

#include <climits>
#include <cstdint>

namespace sgmv::detail {
namespace {

constexpr std::int64_t kI32Max = INT32_MAX;

/// The low four bits of a pointer, or of an element count in bytes: zero when
/// the value is a multiple of 16 (for a negative count too, in two's
/// complement). OR-ed together, they are zero when every value is.
std::uint64_t low_bits(const void* p) { return reinterpret_cast<std::uintptr_t>(p) & 15u; }
std::uint64_t low_bits(std::int64_t elements, std::uint64_t element_size) {
  return (static_cast<std::uint64_t>(elements) * element_size) & 15u;
}

}  // namespace

const char* name_of(OpKind op) noexcept { return op == OpKind::shrink ? "shrink" : "expand"; }
const char* name_of(MetaForm form) noexcept {
  return form == MetaForm::segments ? "segments" : "per_token";
}

IndexWidth index_width_for(const Problem& p) noexcept {
  // The largest element offset (plus one) that any kernel forms, per operand.
  // Validation guarantees these products do not overflow int64.
  std::int64_t largest = p.T > p.S ? p.T : p.S;
  const std::int64_t rows = p.T > 0 ? p.T - 1 : 0;
  const std::int64_t last_adapter = p.L > 0 ? p.L - 1 : 0;
  const std::int64_t out_end = rows * p.out_row_stride + p.out_cols;
  if (out_end > largest) largest = out_end;
  for (int s = 0; s < p.num_slices; ++s) {
    const SliceArgs& sl = p.slice[s];
    const std::int64_t in_end = rows * sl.in_row_stride + p.K;
    const std::int64_t w_end =
        last_adapter * sl.w_stride_l + (sl.n > 0 ? sl.n - 1 : 0) * sl.w_stride_n + p.K;
    if (in_end > largest) largest = in_end;
    if (w_end > largest) largest = w_end;
  }
  return largest > kI32Max ? IndexWidth::i64 : IndexWidth::i32;
}

std::uint8_t align_bits_for(const Problem& p) noexcept {
  // An operand is aligned when every pointer and byte stride of it is a
  // multiple of 16: when the OR of their low four bits is zero.
  const std::uint64_t in_size = size_of(p.in_dtype), w_size = size_of(p.w_dtype),
                      out_size = size_of(p.out_dtype);
  std::uint64_t in = 0, w = 0;
  std::uint64_t out = low_bits(p.out) | low_bits(p.out_row_stride, out_size);
  for (int s = 0; s < p.num_slices; ++s) {
    const SliceArgs& sl = p.slice[s];
    in |= low_bits(sl.in) | low_bits(sl.in_row_stride, in_size);
    w |= low_bits(sl.w) | low_bits(sl.w_stride_l, w_size) | low_bits(sl.w_stride_n, w_size);
    out |= low_bits(sl.out_col, out_size);
  }
  return static_cast<std::uint8_t>((in == 0 ? align_in : 0) | (w == 0 ? align_w : 0) |
                                   (out == 0 ? align_out : 0));
}

LaunchKey make_launch_key(const Problem& p, int device, TilePolicy policy) noexcept {
  LaunchKey key;
  key.op = p.op;
  key.form = p.form;
  key.in_dtype = p.in_dtype;
  key.w_dtype = p.w_dtype;
  key.out_dtype = p.out_dtype;
  key.meta_dtype = p.meta_dtype;
  key.index = index_width_for(p);
  key.align = align_bits_for(p);
  key.num_slices = static_cast<std::uint8_t>(p.num_slices);
  key.add = p.add;
  const std::int64_t rank = p.rank();
  key.rank = rank > 0 && rank <= UINT16_MAX ? static_cast<std::uint16_t>(rank) : 0;
  key.device = static_cast<std::int16_t>(device);
  if (policy != nullptr) key.tile = policy(p, key);
  return key;
}

}  // namespace sgmv::detail
