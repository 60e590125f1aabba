#include "sgmv/tensor.hpp"

#include <string>

#include "sgmv/error.hpp"

namespace sgmv {

TensorView TensorView::contiguous(void* data, DType dtype,
                                  std::initializer_list<std::int64_t> shape) {
  if (shape.size() > static_cast<std::size_t>(kMaxRank)) {
    throw Error(ErrorCode::invalid_argument, "TensorView: rank " + std::to_string(shape.size()) +
                                                 " exceeds " + std::to_string(kMaxRank));
  }
  TensorView v;
  v.data = data;
  v.dtype = dtype;
  v.rank = static_cast<int>(shape.size());
  int i = 0;
  for (std::int64_t e : shape) v.shape[i++] = e;
  std::int64_t stride = 1;
  for (int d = v.rank - 1; d >= 0; --d) {
    v.stride[d] = stride;
    stride *= v.shape[d] > 0 ? v.shape[d] : 1;
  }
  return v;
}

TensorView TensorView::strided(void* data, DType dtype, std::initializer_list<std::int64_t> shape,
                               std::initializer_list<std::int64_t> stride) {
  if (shape.size() != stride.size()) {
    throw Error(ErrorCode::invalid_argument,
                "TensorView: shape has " + std::to_string(shape.size()) +
                    " extents but stride has " + std::to_string(stride.size()));
  }
  TensorView v = contiguous(data, dtype, shape);
  int i = 0;
  for (std::int64_t s : stride) v.stride[i++] = s;
  return v;
}

std::int64_t TensorView::numel() const {
  std::int64_t n = 1;
  for (int d = 0; d < rank; ++d) n *= shape[d];
  return n;
}

}  // namespace sgmv
