#include "support/device_tensor.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "sgmv/context.hpp"
#include "sgmv/half.hpp"

namespace sgmv::test {

DeviceMemory::DeviceMemory(std::size_t bytes, int device) : bytes_(bytes), device_(device) {
  ptr_ = sgmv::device_alloc(bytes, device);
}

DeviceMemory::~DeviceMemory() { sgmv::device_free(ptr_, device_); }

DeviceMemory::DeviceMemory(DeviceMemory&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)),
      device_(other.device_) {}

DeviceMemory& DeviceMemory::operator=(DeviceMemory&& other) noexcept {
  if (this != &other) {
    sgmv::device_free(ptr_, device_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    device_ = other.device_;
  }
  return *this;
}

std::uint64_t poison_bits(DType dtype) {
  switch (dtype) {
    case DType::f16:
      return 0x7e5au;  // quiet NaN, payload 0x05a
    case DType::bf16:
      return 0x7fd5u;  // quiet NaN, payload 0x55
    case DType::f32:
      return 0x7fd5a5a5u;  // quiet NaN with a payload
    case DType::i32:
      return 0x5badf00du;
    case DType::i64:
      return 0x5badf00d5badf00dull;
  }
  return 0;
}

double read_element(const void* data, DType dtype, std::int64_t i) {
  const auto* bytes =
      static_cast<const unsigned char*>(data) + i * static_cast<std::int64_t>(size_of(dtype));
  switch (dtype) {
    case DType::f16: {
      std::uint16_t b;
      std::memcpy(&b, bytes, sizeof b);
      return static_cast<double>(f16_bits_to_float(b));
    }
    case DType::bf16: {
      std::uint16_t b;
      std::memcpy(&b, bytes, sizeof b);
      return static_cast<double>(bf16_bits_to_float(b));
    }
    case DType::f32: {
      float f;
      std::memcpy(&f, bytes, sizeof f);
      return static_cast<double>(f);
    }
    case DType::i32: {
      std::int32_t v;
      std::memcpy(&v, bytes, sizeof v);
      return static_cast<double>(v);
    }
    case DType::i64: {
      std::int64_t v;
      std::memcpy(&v, bytes, sizeof v);
      return static_cast<double>(v);
    }
  }
  return 0.0;
}

void write_element(void* data, DType dtype, std::int64_t i, double v) {
  auto* bytes = static_cast<unsigned char*>(data) + i * static_cast<std::int64_t>(size_of(dtype));
  switch (dtype) {
    case DType::f16: {
      const std::uint16_t b = float_to_f16_bits(static_cast<float>(v));
      std::memcpy(bytes, &b, sizeof b);
      return;
    }
    case DType::bf16: {
      const std::uint16_t b = float_to_bf16_bits(static_cast<float>(v));
      std::memcpy(bytes, &b, sizeof b);
      return;
    }
    case DType::f32: {
      const float f = static_cast<float>(v);
      std::memcpy(bytes, &f, sizeof f);
      return;
    }
    case DType::i32: {
      const auto x = static_cast<std::int32_t>(v);
      std::memcpy(bytes, &x, sizeof x);
      return;
    }
    case DType::i64: {
      const auto x = static_cast<std::int64_t>(v);
      std::memcpy(bytes, &x, sizeof x);
      return;
    }
  }
}

void write_poison(void* data, DType dtype, std::int64_t i) {
  const std::uint64_t bits = poison_bits(dtype);
  const std::size_t n = size_of(dtype);
  // Little-endian hosts: the low n bytes of `bits` are the pattern.
  std::memcpy(static_cast<unsigned char*>(data) + i * static_cast<std::int64_t>(n), &bits, n);
}

bool is_nan_element(const void* data, DType dtype, std::int64_t i) {
  return is_floating(dtype) && std::isnan(read_element(data, dtype, i));
}

Tensor::Tensor(DType dtype, std::vector<std::int64_t> shape, Layout layout, int device)
    : dtype_(dtype), shape_(std::move(shape)), layout_(layout), device_(device) {
  if (shape_.empty() || shape_.size() > static_cast<std::size_t>(kMaxRank)) {
    throw std::invalid_argument("Tensor: rank must be 1 to 4");
  }
  const std::size_t r = shape_.size();
  stride_.assign(r, 1);
  // The innermost row carries the pad; outer dimensions are dense over it.
  std::int64_t step = shape_[r - 1] + layout_.pad;
  for (std::size_t d = r - 1; d-- > 0;) {
    stride_[d] = step;
    step *= shape_[d];
  }
  std::int64_t last = 0;  // storage index one past the last element
  bool any = true;
  for (std::size_t d = 0; d < r; ++d) any = any && shape_[d] > 0;
  if (any) {
    last = 1;
    for (std::size_t d = 0; d < r; ++d) last += (shape_[d] - 1) * stride_[d];
    // The pad of the last row is storage too (odd strides read up to there).
    last += layout_.pad;
  }
  storage_elements_ = layout_.base + last + kGuardElements;
  host_.assign(static_cast<std::size_t>(storage_elements_) * size_of(dtype_), 0);
  memory_ = DeviceMemory(host_.size(), device_);
  poison();
}

Tensor Tensor::indices(DType dtype, const std::vector<std::int64_t>& values, int device) {
  Tensor t(dtype, {static_cast<std::int64_t>(values.size())}, Layout{}, device);
  for (std::size_t i = 0; i < values.size(); ++i) {
    t.set_host_value(static_cast<std::int64_t>(i), static_cast<double>(values[i]));
  }
  t.upload();
  return t;
}

namespace {
TensorView make_view(void* data, DType dtype, const std::vector<std::int64_t>& shape,
                     const std::vector<std::int64_t>& stride) {
  TensorView v;
  v.data = data;
  v.dtype = dtype;
  v.rank = static_cast<int>(shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d) {
    v.shape[d] = shape[d];
    v.stride[d] = stride[d];
  }
  return v;
}
}  // namespace

TensorView Tensor::device_view() const {
  auto* base = static_cast<unsigned char*>(memory_.get()) +
               layout_.base * static_cast<std::int64_t>(size_of(dtype_));
  return make_view(base, dtype_, shape_, stride_);
}

TensorView Tensor::host_view() const {
  auto* base = const_cast<unsigned char*>(host_.data()) +
               layout_.base * static_cast<std::int64_t>(size_of(dtype_));
  return make_view(base, dtype_, shape_, stride_);
}

std::int64_t Tensor::offset_of(const std::vector<std::int64_t>& index) const {
  std::int64_t o = layout_.base;
  for (std::size_t d = 0; d < index.size(); ++d) o += index[d] * stride_[d];
  return o;
}

std::vector<std::int64_t> Tensor::element_offsets() const {
  std::vector<std::int64_t> out;
  std::int64_t count = 1;
  for (std::int64_t e : shape_) count *= e;
  out.reserve(static_cast<std::size_t>(count));
  std::vector<std::int64_t> idx(shape_.size(), 0);
  for (std::int64_t n = 0; n < count; ++n) {
    out.push_back(offset_of(idx));
    for (std::size_t d = shape_.size(); d-- > 0;) {
      if (++idx[d] < shape_[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

double Tensor::host_value(std::int64_t storage_index) const {
  return read_element(host_.data(), dtype_, storage_index);
}

void Tensor::set_host_value(std::int64_t storage_index, double v) {
  write_element(host_.data(), dtype_, storage_index, v);
}

void Tensor::fill_random(std::mt19937_64& rng, double lo, double hi) {
  poison();
  std::uniform_real_distribution<double> dist(lo, hi);
  for (std::int64_t o : element_offsets()) set_host_value(o, dist(rng));
}

void Tensor::poison() {
  for (std::int64_t i = 0; i < storage_elements_; ++i) write_poison(host_.data(), dtype_, i);
}

void Tensor::upload() const {
  sgmv::copy_to_device(memory_.get(), host_.data(), host_.size(), device_);
}

std::vector<unsigned char> Tensor::download() const {
  std::vector<unsigned char> bytes(host_.size());
  sgmv::copy_to_host(bytes.data(), memory_.get(), bytes.size(), device_);
  return bytes;
}

bool device_memory_is_host_accessible(int device) {
  DeviceMemory probe(64, device);
  const auto p = reinterpret_cast<std::uintptr_t>(probe.get());
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " %7s", &lo, &hi, perms) != 3) continue;
    if (p >= lo && p < hi) return perms[0] == 'r' && perms[1] == 'w';
  }
  return false;
}

}  // namespace sgmv::test
