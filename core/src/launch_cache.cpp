#include "sgmv/core/launch_cache.hpp"

#include <limits>

namespace sgmv::detail {

const KernelVariant* LaunchCache::get(const LaunchKey& key, Creator create, const void* context) {
  {
    // Hit path: reader lock, one probe, relaxed counters. No allocation.
    std::shared_lock<std::shared_mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.variant != nullptr) {
      it->second.last_used.store(clock_.fetch_add(1, std::memory_order_relaxed) + 1,
                                 std::memory_order_relaxed);
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second.variant;
    }
  }

  std::unique_lock<std::shared_mutex> lock(mutex_);
  for (;;) {
    auto it = entries_.find(key);
    if (it == entries_.end()) break;
    if (it->second.variant != nullptr) {
      // Another thread created it while we waited for the lock.
      it->second.last_used.store(clock_.fetch_add(1, std::memory_order_relaxed) + 1,
                                 std::memory_order_relaxed);
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second.variant;
    }
    created_.wait(lock);  // single flight: the creator of this key is at work
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  if (capacity_ == 0) {
    lock.unlock();
    return create(key, context);  // caching disabled: select anew every time
  }

  entries_.try_emplace(key);  // pending marker (variant == nullptr)
  lock.unlock();
  const KernelVariant* variant = nullptr;
  try {
    variant = create(key, context);
  } catch (...) {
    lock.lock();
    entries_.erase(key);  // failures are not cached; waiters retry and see the error themselves
    created_.notify_all();
    throw;
  }
  lock.lock();
  Entry& entry = entries_[key];  // still there: clear() and eviction skip pending entries
  entry.variant = variant;
  entry.last_used.store(clock_.fetch_add(1, std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
  evict_until_below_capacity();
  created_.notify_all();
  return variant;
}

void LaunchCache::evict_until_below_capacity() {
  while (entries_.size() > capacity_) {
    auto victim = entries_.end();
    std::uint64_t oldest = std::numeric_limits<std::uint64_t>::max();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.variant == nullptr) continue;  // being created: not evictable
      const std::uint64_t used = it->second.last_used.load(std::memory_order_relaxed);
      if (used < oldest) {
        oldest = used;
        victim = it;
      }
    }
    if (victim == entries_.end()) return;  // only pending entries left
    entries_.erase(victim);
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
}

CacheStats LaunchCache::stats() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  CacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.evictions = evictions_.load(std::memory_order_relaxed);
  for (const auto& kv : entries_) s.size += kv.second.variant != nullptr ? 1 : 0;
  s.capacity = capacity_;
  return s;
}

void LaunchCache::set_capacity(std::size_t capacity) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  capacity_ = capacity;
  evict_until_below_capacity();
}

void LaunchCache::clear() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.variant != nullptr ? entries_.erase(it) : std::next(it);
  }
  hits_.store(0, std::memory_order_relaxed);
  misses_.store(0, std::memory_order_relaxed);
  evictions_.store(0, std::memory_order_relaxed);
}

}  // namespace sgmv::detail
