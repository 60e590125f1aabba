#include "sgmv/context.hpp"

#include <string>
#include <utility>

#include "sgmv/core/backend.hpp"
#include "sgmv/core/runtime.hpp"
#include "sgmv/error.hpp"

namespace sgmv {
namespace {

void check_device(int device) {
  const int count = detail::backend::device_count();
  if (count == 0) {
    throw Error(ErrorCode::no_device,
                std::string("the ") + detail::backend::name() + " backend sees no device");
  }
  if (device < 0 || device >= count || device >= detail::kMaxDevices) {
    throw Error(ErrorCode::invalid_argument,
                "device: " + std::to_string(device) + " is outside [0, " + std::to_string(count) +
                    ") (devices the " + detail::backend::name() + " backend sees)");
  }
}

}  // namespace

Context::Context(int device, void* stream) : device_(device), stream_(stream) {
  check_device(device);
  const std::uint32_t zero = 0;
  status_ = static_cast<std::uint32_t*>(detail::backend::alloc(sizeof zero, device));
  try {
    detail::backend::copy_to_device(status_, &zero, sizeof zero, device);
  } catch (...) {
    detail::backend::free(status_, device);
    throw;
  }
}

Context::~Context() { release(); }

Context::Context(Context&& other) noexcept
    : device_(other.device_),
      stream_(other.stream_),
      status_(std::exchange(other.status_, nullptr)),
      strict_(other.strict_) {}

Context& Context::operator=(Context&& other) noexcept {
  if (this != &other) {
    release();
    device_ = other.device_;
    stream_ = other.stream_;
    status_ = std::exchange(other.status_, nullptr);
    strict_ = other.strict_;
  }
  return *this;
}

void Context::release() noexcept {
  if (status_ != nullptr) {
    try {
      detail::backend::synchronize(device_, stream_);  // kernels may still write the word
    } catch (...) {
    }
    detail::backend::free(status_, device_);
    status_ = nullptr;
  }
}

std::uint32_t Context::read_status() const {
  std::uint32_t word = 0;
  detail::backend::copy_to_host_on_stream(&word, status_, sizeof word, device_, stream_);
  return word;
}

void Context::clear_status() {
  detail::backend::zero_on_stream(status_, sizeof(std::uint32_t), device_, stream_);
}

void Context::synchronize() const { detail::backend::synchronize(device_, stream_); }

const char* backend_name() noexcept { return detail::backend::name(); }

int device_count() noexcept { return detail::backend::device_count(); }

void* device_alloc(std::size_t bytes, int device) {
  check_device(device);
  return detail::backend::alloc(bytes, device);
}

void device_free(void* ptr, int device) noexcept {
  if (ptr != nullptr) detail::backend::free(ptr, device);
}

void copy_to_device(void* dst, const void* src, std::size_t bytes, int device) {
  if (bytes == 0) return;
  check_device(device);
  detail::backend::copy_to_device(dst, src, bytes, device);
}

void copy_to_host(void* dst, const void* src, std::size_t bytes, int device) {
  if (bytes == 0) return;
  check_device(device);
  detail::backend::copy_to_host(dst, src, bytes, device);
}

}  // namespace sgmv
