// Process-wide state: the registry (filled once by the backend) and one
// launch cache per device.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>

#include "sgmv/core/kernel_registry.hpp"
#include "sgmv/core/launch_cache.hpp"

namespace sgmv::detail {

inline constexpr int kMaxDevices = 64;

class Runtime {
 public:
  /// The runtime, initialised on first use (registers the backend's kernels).
  static Runtime& get();

  const KernelRegistry& registry() const { return registry_; }
  /// The cache of `device` (0 <= device < kMaxDevices), created on first use.
  /// Inline: after the first use, a range check and one acquire load.
  LaunchCache& cache(int device) {
    if (device >= 0 && device < kMaxDevices) {
      LaunchCache* cache = caches_[device].load(std::memory_order_acquire);
      if (cache != nullptr) return *cache;
    }
    return create_cache(device);
  }
  /// The cache of device, or nullptr if it was never used.
  LaunchCache* find_cache(int device) const;

  std::size_t capacity() const { return capacity_.load(std::memory_order_relaxed); }
  void set_capacity(std::size_t capacity);
  void clear_caches();

 private:
  Runtime();
  /// cache() off its fast path: throws for a device out of range, creates the
  /// cache on first use.
  LaunchCache& create_cache(int device);
  KernelRegistry registry_;
  std::atomic<std::size_t> capacity_;
  std::mutex create_mutex_;
  std::array<std::atomic<LaunchCache*>, kMaxDevices> caches_{};
  std::array<std::unique_ptr<LaunchCache>, kMaxDevices> owned_{};
};

/// Reads SGMV_CACHE_CAPACITY (default 1024); malformed values fall back to the default.
std::size_t capacity_from_environment();

}  // namespace sgmv::detail
