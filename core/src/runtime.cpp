#include "sgmv/core/runtime.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

#include "sgmv/core/backend.hpp"
#include "sgmv/error.hpp"

namespace sgmv::detail {

std::size_t capacity_from_environment() {
  constexpr std::size_t kDefault = 1024;
  const char* text = std::getenv("SGMV_CACHE_CAPACITY");
  if (text == nullptr || *text == '\0') return kDefault;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') return kDefault;
  return static_cast<std::size_t>(value);
}

Runtime::Runtime() : capacity_(capacity_from_environment()) {
  backend::register_kernels(registry_);
}

Runtime& Runtime::get() {
  static Runtime runtime;  // thread-safe initialisation; registration happens once
  return runtime;
}

LaunchCache& Runtime::create_cache(int device) {
  if (device < 0 || device >= kMaxDevices) {
    throw Error(ErrorCode::invalid_argument, "device " + std::to_string(device) +
                                                 " is outside [0, " + std::to_string(kMaxDevices) +
                                                 ")");
  }
  LaunchCache* cache = caches_[device].load(std::memory_order_acquire);
  if (cache != nullptr) return *cache;
  std::lock_guard<std::mutex> lock(create_mutex_);
  cache = caches_[device].load(std::memory_order_relaxed);
  if (cache == nullptr) {
    owned_[device] = std::make_unique<LaunchCache>(capacity());
    cache = owned_[device].get();
    caches_[device].store(cache, std::memory_order_release);
  }
  return *cache;
}

LaunchCache* Runtime::find_cache(int device) const {
  if (device < 0 || device >= kMaxDevices) return nullptr;
  return caches_[device].load(std::memory_order_acquire);
}

void Runtime::set_capacity(std::size_t capacity) {
  std::lock_guard<std::mutex> lock(create_mutex_);
  capacity_.store(capacity, std::memory_order_relaxed);
  for (auto& owned : owned_) {
    if (owned) owned->set_capacity(capacity);
  }
}

void Runtime::clear_caches() {
  std::lock_guard<std::mutex> lock(create_mutex_);
  for (auto& owned : owned_) {
    if (owned) owned->clear();
  }
}

}  // namespace sgmv::detail
