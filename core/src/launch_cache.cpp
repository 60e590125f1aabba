#include "sgmv/core/launch_cache.hpp"

#include <limits>
#include <mutex>

namespace sgmv::detail {
namespace {

/// Generations are unique in the process: a front slot filled for a cache
/// that has since been destroyed can never match a cache built at the same
/// address later.
std::atomic<std::uint64_t> g_next_generation{1};

std::uint64_t fresh_generation() noexcept {
  return g_next_generation.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

thread_local LaunchCache::FrontSlot LaunchCache::front_[LaunchCache::kFrontSlots];

LaunchCache::LaunchCache(std::size_t capacity)
    : capacity_(capacity), generation_(fresh_generation()) {}

const KernelVariant* LaunchCache::get(const LaunchKey& key, Creator create, const void* context) {
  // Hit path: no lock, no allocation. A slot of another cache, or of this one
  // before its last removal, fails the owner or generation test.
  FrontSlot& slot = front_[key.hash() & (kFrontSlots - 1)];
  if (slot.owner == this && slot.generation == generation_.load(std::memory_order_acquire) &&
      slot.key == key) {
    touch(*slot.entry, *slot.hits);
    return slot.variant;
  }
  return get_slow(key, slot, create, context);
}

LaunchCache::HitShard& LaunchCache::hit_shard() noexcept {
  // By the address of this thread's front cache, spread by a multiplicative
  // hash, so that threads rarely share a counter's cache line.
  const auto tls = reinterpret_cast<std::uintptr_t>(&front_[0]);
  const std::uint64_t spread = static_cast<std::uint64_t>(tls >> 6) * 0x9e3779b97f4a7c15ull;
  return hits_[static_cast<std::size_t>(spread >> 32) % kHitShards];
}

void LaunchCache::touch(Entry& entry, HitShard& hits) noexcept {
  // Make the entry the most recently used. Stamps are unique, so an entry
  // whose stamp equals the clock already is: repeated calls of one key leave
  // the shared clock alone.
  const std::uint64_t now = clock_.load(std::memory_order_relaxed);
  if (entry.last_used.load(std::memory_order_relaxed) != now) {
    entry.last_used.store(clock_.fetch_add(1, std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
  }
  hits.count.fetch_add(1, std::memory_order_relaxed);
}

void LaunchCache::fill(FrontSlot& slot, const LaunchKey& key, Entry& entry) noexcept {
  // Caller holds the lock (either kind): the generation cannot move now, and
  // the entry is in the table.
  slot.generation = generation_.load(std::memory_order_relaxed);
  slot.owner = this;
  slot.variant = entry.variant;
  slot.entry = &entry;
  slot.hits = &hit_shard();
  slot.key = key;
}

const KernelVariant* LaunchCache::get_slow(const LaunchKey& key, FrontSlot& slot, Creator create,
                                           const void* context) {
  {
    // The shared table: reader lock, one probe.
    std::shared_lock<std::shared_mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second->variant != nullptr) {
      touch(*it->second, hit_shard());
      fill(slot, key, *it->second);
      return it->second->variant;
    }
  }

  std::unique_lock<std::shared_mutex> lock(mutex_);
  for (;;) {
    auto it = entries_.find(key);
    if (it == entries_.end()) break;
    if (it->second->variant != nullptr) {
      // Another thread created it while we waited for the lock.
      touch(*it->second, hit_shard());
      fill(slot, key, *it->second);
      return it->second->variant;
    }
    created_.wait(lock);  // single flight: the creator of this key is at work
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  if (capacity_ == 0) {
    lock.unlock();
    return create(key, context);  // caching disabled: select anew every time
  }

  entries_.emplace(key, new_entry());  // pending marker (variant == nullptr)
  lock.unlock();
  const KernelVariant* variant = nullptr;
  try {
    variant = create(key, context);
  } catch (...) {
    lock.lock();
    // Failures are not cached; waiters retry and see the error themselves.
    // A pending entry was never in a front cache: no new generation needed.
    auto it = entries_.find(key);
    erase_entry(it->second);
    entries_.erase(it);
    created_.notify_all();
    throw;
  }
  lock.lock();
  Entry& entry = *entries_.at(key);  // still there: clear() and eviction skip pending entries
  entry.variant = variant;
  entry.last_used.store(clock_.fetch_add(1, std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
  evict_until_below_capacity();
  // Remember it in this thread's front cache unless eviction just took it
  // (possible when pending entries of other keys fill the capacity).
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second == &entry) fill(slot, key, entry);
  created_.notify_all();
  return variant;
}

LaunchCache::Entry* LaunchCache::new_entry() {
  Entry* entry = nullptr;
  if (!free_.empty()) {
    entry = free_.back();
    free_.pop_back();
  } else {
    entry = &storage_.emplace_back();
  }
  entry->variant = nullptr;
  entry->last_used.store(0, std::memory_order_relaxed);
  return entry;
}

void LaunchCache::erase_entry(Entry* entry) {
  entry->variant = nullptr;
  free_.push_back(entry);
}

void LaunchCache::invalidate_fronts() noexcept {
  // Release: a thread that sees the new generation also sees the table change.
  generation_.store(fresh_generation(), std::memory_order_release);
}

void LaunchCache::evict_until_below_capacity() {
  bool evicted = false;
  while (entries_.size() > capacity_) {
    auto victim = entries_.end();
    std::uint64_t oldest = std::numeric_limits<std::uint64_t>::max();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second->variant == nullptr) continue;  // being created: not evictable
      const std::uint64_t used = it->second->last_used.load(std::memory_order_relaxed);
      if (used < oldest) {
        oldest = used;
        victim = it;
      }
    }
    if (victim == entries_.end()) break;  // only pending entries left
    erase_entry(victim->second);
    entries_.erase(victim);
    evictions_.fetch_add(1, std::memory_order_relaxed);
    evicted = true;
  }
  if (evicted) invalidate_fronts();
}

CacheStats LaunchCache::stats() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  CacheStats s;
  for (const HitShard& shard : hits_) s.hits += shard.count.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.evictions = evictions_.load(std::memory_order_relaxed);
  for (const auto& kv : entries_) s.size += kv.second->variant != nullptr ? 1 : 0;
  s.capacity = capacity_;
  return s;
}

void LaunchCache::set_capacity(std::size_t capacity) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  capacity_ = capacity;
  evict_until_below_capacity();
  invalidate_fronts();
}

void LaunchCache::clear() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second->variant != nullptr) {
      erase_entry(it->second);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  invalidate_fronts();
  for (HitShard& shard : hits_) shard.count.store(0, std::memory_order_relaxed);
  misses_.store(0, std::memory_order_relaxed);
  evictions_.store(0, std::memory_order_relaxed);
}

}  // namespace sgmv::detail
