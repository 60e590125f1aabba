// The public launch-cache controls (sgmv/cache.hpp) over the runtime's caches.
#include "sgmv/cache.hpp"

#include "sgmv/core/runtime.hpp"

namespace sgmv {

CacheStats cache_stats(int device) {
  detail::Runtime& runtime = detail::Runtime::get();
  if (const detail::LaunchCache* cache = runtime.find_cache(device)) return cache->stats();
  CacheStats empty;
  empty.capacity = runtime.capacity();
  return empty;
}

void set_cache_capacity(std::size_t capacity) { detail::Runtime::get().set_capacity(capacity); }

std::size_t cache_capacity() { return detail::Runtime::get().capacity(); }

void clear_cache() { detail::Runtime::get().clear_caches(); }

}  // namespace sgmv
