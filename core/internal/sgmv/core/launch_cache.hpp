// The launch cache of one device: LaunchKey -> the KernelVariant serving it.
//
// Hit path: one hash of a fixed struct and a look into a small per-thread
// front cache (direct mapped, no lock, no allocation); a front entry is valid
// while the cache's generation is the one it was filled under, and every
// removal of an entry (eviction, clear, capacity change) moves the cache to a
// new, process-wide unique generation. A front miss probes the shared table
// under a reader lock and refills the front entry. Either way a hit counts
// itself in a per-thread shard of the hit counter and makes its entry the most
// recently used (one relaxed read-modify-write, skipped when it already is).
//
// Misses of one key from several threads create one entry (single flight):
// the first thread selects, the others wait for its result. A failed creation
// is not cached. When full, the least recently used entry is evicted.
// Capacity 0 disables caching.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "sgmv/cache.hpp"
#include "sgmv/core/kernel_registry.hpp"
#include "sgmv/core/launch_key.hpp"

namespace sgmv::detail {

class LaunchCache {
 public:
  /// Creates the entry of a key on a miss; throws when no kernel serves it.
  using Creator = const KernelVariant* (*)(const LaunchKey& key, const void* context);

  explicit LaunchCache(std::size_t capacity);
  LaunchCache(const LaunchCache&) = delete;
  LaunchCache& operator=(const LaunchCache&) = delete;

  /// The variant for key; on a miss, `create(key, context)` makes it.
  const KernelVariant* get(const LaunchKey& key, Creator create, const void* context);

  CacheStats stats() const;
  void set_capacity(std::size_t capacity);
  /// Drops every entry and zeroes the counters.
  void clear();

  /// Slots of each thread's front cache (shared by every LaunchCache).
  static constexpr std::size_t kFrontSlots = 64;

 private:
  struct Entry {
    const KernelVariant* variant = nullptr;  // null while being created
    std::atomic<std::uint64_t> last_used{0};
  };
  /// The hit counter, split over cache lines so that threads on different
  /// shards do not contend; stats() sums the shards.
  static constexpr std::size_t kHitShards = 16;
  struct alignas(64) HitShard {
    std::atomic<std::uint64_t> count{0};
  };
  /// One slot of a thread's front cache, one cache line. `generation` 0
  /// never matches.
  struct alignas(64) FrontSlot {
    std::uint64_t generation = 0;
    const LaunchCache* owner = nullptr;
    const KernelVariant* variant = nullptr;
    Entry* entry = nullptr;
    HitShard* hits = nullptr;  ///< this thread's shard of owner's hit counter
    LaunchKey key;
  };

  const KernelVariant* get_slow(const LaunchKey& key, FrontSlot& slot, Creator create,
                                const void* context);
  HitShard& hit_shard() noexcept;                     // this thread's
  void touch(Entry& entry, HitShard& hits) noexcept;  // a hit: LRU stamp and hit counter
  void fill(FrontSlot& slot, const LaunchKey& key, Entry& entry) noexcept;
  Entry* new_entry();                 // writer lock held
  void erase_entry(Entry* entry);     // writer lock held; recycles the entry
  void invalidate_fronts() noexcept;  // writer lock held: new generation
  void evict_until_below_capacity();  // writer lock held

  static thread_local FrontSlot front_[kFrontSlots];

  mutable std::shared_mutex mutex_;
  std::condition_variable_any created_;
  std::unordered_map<LaunchKey, Entry*, LaunchKeyHash> entries_;
  // Storage of the entries. An entry is recycled, never freed, while the
  // cache lives: a thread holding a stale front slot may still stamp its
  // last_used (harmless), so its memory must stay valid.
  std::deque<Entry> storage_;
  std::vector<Entry*> free_;
  std::size_t capacity_;
  std::atomic<std::uint64_t> generation_;
  std::atomic<std::uint64_t> clock_{0};
  std::array<HitShard, kHitShards> hits_{};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> evictions_{0};
};

}  // namespace sgmv::detail
