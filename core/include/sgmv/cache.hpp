// Control and counters of the launch cache. The cache maps the key of a call
// (op, dtypes, 16-byte alignment, index width, tile values, device) to the
// kernel variant that serves it; one cache per device.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sgmv {

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  std::size_t size = 0;      ///< entries held now
  std::size_t capacity = 0;  ///< most entries held; 0 disables caching
};

/// Counters of the cache of `device` (zeros for a device never used).
CacheStats cache_stats(int device = 0);
/// Sets the capacity of every device's cache; wins over the environment
/// variable SGMV_CACHE_CAPACITY (read once, default 1024). 0 disables
/// caching: every call selects its kernel anew and still works.
void set_cache_capacity(std::size_t capacity);
std::size_t cache_capacity();
/// Drops every entry and zeroes the counters of every device's cache.
void clear_cache();

}  // namespace sgmv
