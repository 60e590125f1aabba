// Tensors mirrored in host and device memory for the tests: the same bytes
// and layout on both sides, so one description serves the device call and the
// float64 reference (which reads host memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "sgmv/dtype.hpp"
#include "sgmv/tensor.hpp"

namespace sgmv::test {

/// Where the elements of a tensor sit in its storage. `pad` extra elements
/// follow each innermost row (an odd pad gives odd row strides); `base`
/// elements precede the first one (base = 1 leaves the pointer aligned only
/// to its element size).
struct Layout {
  std::int64_t pad = 0;
  std::int64_t base = 0;
};

/// Elements of poison after the last element of every tensor's storage, so
/// an overrun shows up (as a changed byte in outputs, as a NaN in inputs).
inline constexpr std::int64_t kGuardElements = 8;

/// One device allocation (sgmv::device_alloc), freed on destruction.
class DeviceMemory {
 public:
  DeviceMemory() = default;
  DeviceMemory(std::size_t bytes, int device);
  ~DeviceMemory();
  DeviceMemory(DeviceMemory&& other) noexcept;
  DeviceMemory& operator=(DeviceMemory&& other) noexcept;
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  void* get() const { return ptr_; }
  std::size_t bytes() const { return bytes_; }
  int device() const { return device_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
  int device_ = 0;
};

/// The bit pattern tests write where nothing may be written or read: a quiet
/// NaN with a payload for float types, an odd constant for index types.
std::uint64_t poison_bits(DType dtype);

/// Element i of a host array of `dtype`, as a double.
double read_element(const void* data, DType dtype, std::int64_t i);
/// Stores v (rounded to nearest even for f16 / bf16) as element i.
void write_element(void* data, DType dtype, std::int64_t i, double v);
/// Writes the poison pattern of dtype into element i.
void write_poison(void* data, DType dtype, std::int64_t i);
/// True when element i holds a NaN (float types only).
bool is_nan_element(const void* data, DType dtype, std::int64_t i);

/// A tensor of rank 1 to 4 with a host mirror and a device copy.
class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, std::vector<std::int64_t> shape, Layout layout = {}, int device = 0);

  /// A 1-D index tensor (i32 or i64) holding `values`, already uploaded.
  static Tensor indices(DType dtype, const std::vector<std::int64_t>& values, int device = 0);

  DType dtype() const { return dtype_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  const std::vector<std::int64_t>& shape() const { return shape_; }
  std::int64_t stride(int dim) const { return stride_[static_cast<std::size_t>(dim)]; }
  const Layout& layout() const { return layout_; }
  int device() const { return device_; }
  std::int64_t storage_elements() const { return storage_elements_; }
  std::size_t storage_bytes() const { return host_.size(); }

  /// Views of the tensor in device memory and in the host mirror.
  TensorView device_view() const;
  TensorView host_view() const;

  /// Storage index of the element at `index` (one coordinate per dimension).
  std::int64_t offset_of(const std::vector<std::int64_t>& index) const;
  /// Storage indices of every element of the view, in row-major order.
  std::vector<std::int64_t> element_offsets() const;

  std::vector<unsigned char>& host() { return host_; }
  const std::vector<unsigned char>& host() const { return host_; }
  double host_value(std::int64_t storage_index) const;
  void set_host_value(std::int64_t storage_index, double v);

  /// Random values in [lo, hi) (exactly representable in the dtype) for the
  /// view's elements; poison everywhere else (padding, base, guard).
  void fill_random(std::mt19937_64& rng, double lo = -1.0, double hi = 1.0);
  /// Poison in every storage element.
  void poison();

  void upload() const;                          ///< host mirror -> device
  std::vector<unsigned char> download() const;  ///< device -> a fresh host array

 private:
  DType dtype_ = DType::f32;
  std::vector<std::int64_t> shape_;
  std::vector<std::int64_t> stride_;
  Layout layout_;
  int device_ = 0;
  std::int64_t storage_elements_ = 0;
  std::vector<unsigned char> host_;
  DeviceMemory memory_;
};

/// Checks that the backend's device memory can be read through a host
/// pointer (Kokkos' Serial/OpenMP spaces): the allocation lies in a
/// readable and writable mapping of this process.
bool device_memory_is_host_accessible(int device = 0);

}  // namespace sgmv::test
