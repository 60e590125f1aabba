// A non-owning view of a strided tensor in device memory.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "sgmv/dtype.hpp"

namespace sgmv {

inline constexpr int kMaxRank = 4;

/// Non-owning view: a pointer, an element type, a shape and strides counted in
/// elements (not bytes). The caller keeps the memory alive for the duration of
/// the call (and, on asynchronous backends, until the stream has run it).
struct TensorView {
  void* data = nullptr;
  DType dtype = DType::f32;
  int rank = 0;
  std::int64_t shape[kMaxRank] = {0, 0, 0, 0};
  std::int64_t stride[kMaxRank] = {0, 0, 0, 0};

  /// A row-major contiguous view.
  static TensorView contiguous(void* data, DType dtype, std::initializer_list<std::int64_t> shape);
  /// A view with explicit strides (in elements); shape and strides must have equal length.
  static TensorView strided(void* data, DType dtype, std::initializer_list<std::int64_t> shape,
                            std::initializer_list<std::int64_t> stride);

  std::int64_t size(int dim) const { return shape[dim]; }
  /// Number of elements (product of the extents; 1 for rank 0).
  std::int64_t numel() const;
};

}  // namespace sgmv
