#include "sgmv/core/launch_key.hpp"

#include <climits>
#include <cstdint>

namespace sgmv::detail {
namespace {

constexpr std::int64_t kI32Max = INT32_MAX;

bool aligned16(const void* p) { return (reinterpret_cast<std::uintptr_t>(p) & 15u) == 0; }
bool aligned16(std::int64_t elements, DType t) {
  return (elements * static_cast<std::int64_t>(size_of(t))) % 16 == 0;
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
  const std::int64_t out_end = rows * p.out_row_stride + p.out_cols;
  if (out_end > largest) largest = out_end;
  for (int s = 0; s < p.num_slices; ++s) {
    const SliceArgs& sl = p.slice[s];
    const std::int64_t in_end = rows * sl.in_row_stride + p.K;
    const std::int64_t w_end =
        (p.L > 0 ? p.L - 1 : 0) * sl.w_stride_l + (sl.n > 0 ? sl.n - 1 : 0) * sl.w_stride_n + p.K;
    if (in_end > largest) largest = in_end;
    if (w_end > largest) largest = w_end;
  }
  return largest > kI32Max ? IndexWidth::i64 : IndexWidth::i32;
}

std::uint8_t align_bits_for(const Problem& p) noexcept {
  bool in = true, w = true;
  bool out = aligned16(p.out) && aligned16(p.out_row_stride, p.out_dtype);
  for (int s = 0; s < p.num_slices; ++s) {
    const SliceArgs& sl = p.slice[s];
    in = in && aligned16(sl.in) && aligned16(sl.in_row_stride, p.in_dtype);
    w = w && aligned16(sl.w) && aligned16(sl.w_stride_l, p.w_dtype) &&
        aligned16(sl.w_stride_n, p.w_dtype);
    out = out && aligned16(sl.out_col, p.out_dtype);
  }
  return static_cast<std::uint8_t>((in ? align_in : 0) | (w ? align_w : 0) | (out ? align_out : 0));
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
