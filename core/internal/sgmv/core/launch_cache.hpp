// The launch cache of one device: LaunchKey -> the KernelVariant serving it.
//
// Hit path: one hash of a fixed struct, a probe under a shared (reader) lock,
// two relaxed atomic updates; no allocation. Misses of one key from several
// threads create one entry (single flight): the first thread selects, the
// others wait for its result. A failed creation is not cached. When full, the
// least recently used entry is evicted. Capacity 0 disables caching.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "sgmv/cache.hpp"
#include "sgmv/core/kernel_registry.hpp"
#include "sgmv/core/launch_key.hpp"

namespace sgmv::detail {

class LaunchCache {
 public:
  /// Creates the entry of a key on a miss; throws when no kernel serves it.
  using Creator = const KernelVariant* (*)(const LaunchKey& key, const void* context);

  explicit LaunchCache(std::size_t capacity) : capacity_(capacity) {}
  LaunchCache(const LaunchCache&) = delete;
  LaunchCache& operator=(const LaunchCache&) = delete;

  /// The variant for key; on a miss, `create(key, context)` makes it.
  const KernelVariant* get(const LaunchKey& key, Creator create, const void* context);

  CacheStats stats() const;
  void set_capacity(std::size_t capacity);
  /// Drops every entry and zeroes the counters.
  void clear();

 private:
  struct Entry {
    const KernelVariant* variant = nullptr;  // null while being created
    std::atomic<std::uint64_t> last_used{0};
  };
  void evict_until_below_capacity();  // caller holds the writer lock

  mutable std::shared_mutex mutex_;
  std::condition_variable_any created_;
  std::unordered_map<LaunchKey, Entry, LaunchKeyHash> entries_;
  std::size_t capacity_;
  std::atomic<std::uint64_t> clock_{0};
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> evictions_{0};
};

}  // namespace sgmv::detail
