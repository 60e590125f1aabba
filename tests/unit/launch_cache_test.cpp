// LaunchCache on its own: counters, LRU eviction, capacity 0, shrinking,
// clear(), single flight under concurrent misses, failed creations, and the
// SGMV_CACHE_CAPACITY parsing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sgmv/core/launch_cache.hpp"
#include "sgmv/core/runtime.hpp"
#include "sgmv/error.hpp"

namespace sgmv::detail {
namespace {

void noop_launch(const Problem&, const TileConfig&, const LaunchEnv&) {}

/// Variants indexed by rank: the key of rank r is served by variants[r].
struct Fixture {
  std::vector<KernelVariant> variants;
  std::atomic<int> calls{0};
  std::chrono::milliseconds delay{0};
  std::atomic<bool> fail{false};
  Fixture() : variants(64) {
    for (std::size_t r = 0; r < variants.size(); ++r) {
      variants[r].rank = static_cast<std::uint16_t>(r);
      variants[r].launch = &noop_launch;
    }
  }
};

LaunchKey key_of(int rank) {
  LaunchKey k;
  k.rank = static_cast<std::uint16_t>(rank);
  return k;
}

const KernelVariant* create(const LaunchKey& key, const void* context) {
  auto* f = static_cast<Fixture*>(const_cast<void*>(context));
  f->calls.fetch_add(1);
  if (f->delay.count() > 0) std::this_thread::sleep_for(f->delay);
  if (f->fail.load()) {
    throw Error(ErrorCode::unsupported, "creator failed for rank " + std::to_string(key.rank));
  }
  return &f->variants.at(key.rank);
}

TEST(LaunchCache, HitsAndMisses) {
  Fixture f;
  LaunchCache cache(8);
  EXPECT_EQ(cache.get(key_of(1), &create, &f), &f.variants[1]);
  EXPECT_EQ(cache.get(key_of(1), &create, &f), &f.variants[1]);
  EXPECT_EQ(cache.get(key_of(2), &create, &f), &f.variants[2]);
  EXPECT_EQ(cache.get(key_of(1), &create, &f), &f.variants[1]);
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(s.size, 2u);
  EXPECT_EQ(s.capacity, 8u);
  EXPECT_EQ(f.calls.load(), 2);
}

TEST(LaunchCache, EvictsLeastRecentlyUsed) {
  Fixture f;
  LaunchCache cache(2);
  cache.get(key_of(1), &create, &f);
  cache.get(key_of(2), &create, &f);
  cache.get(key_of(1), &create, &f);  // 2 is now the least recently used
  cache.get(key_of(3), &create, &f);  // evicts 2
  CacheStats s = cache.stats();
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.size, 2u);
  const int before = f.calls.load();
  EXPECT_EQ(cache.get(key_of(1), &create, &f), &f.variants[1]);  // still there
  EXPECT_EQ(cache.get(key_of(3), &create, &f), &f.variants[3]);  // still there
  EXPECT_EQ(f.calls.load(), before);
  EXPECT_EQ(cache.get(key_of(2), &create, &f), &f.variants[2]);  // was evicted: created again
  EXPECT_EQ(f.calls.load(), before + 1);
  s = cache.stats();
  EXPECT_EQ(s.evictions, 2u);  // 2 came back and pushed out 1
  EXPECT_EQ(s.size, 2u);
  EXPECT_EQ(s.hits, 3u);
  EXPECT_EQ(s.misses, 4u);
}

TEST(LaunchCache, CapacityZeroDisablesCaching) {
  Fixture f;
  LaunchCache cache(0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(cache.get(key_of(5), &create, &f), &f.variants[5]);
    EXPECT_EQ(cache.get(key_of(6), &create, &f), &f.variants[6]);
  }
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.misses, 6u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.size, 0u);
  EXPECT_EQ(s.capacity, 0u);
  EXPECT_EQ(f.calls.load(), 6);
}

TEST(LaunchCache, ShrinkingEvictsOldestFirst) {
  Fixture f;
  LaunchCache cache(8);
  for (int r = 1; r <= 5; ++r) cache.get(key_of(r), &create, &f);
  cache.get(key_of(1), &create, &f);  // order of use, oldest first: 2 3 4 5 1
  cache.set_capacity(2);
  CacheStats s = cache.stats();
  EXPECT_EQ(s.size, 2u);
  EXPECT_EQ(s.capacity, 2u);
  EXPECT_EQ(s.evictions, 3u);
  const int before = f.calls.load();
  cache.get(key_of(5), &create, &f);
  cache.get(key_of(1), &create, &f);
  EXPECT_EQ(f.calls.load(), before) << "the two most recently used keys stay";
  cache.get(key_of(2), &create, &f);
  EXPECT_EQ(f.calls.load(), before + 1);
  cache.set_capacity(0);
  s = cache.stats();
  EXPECT_EQ(s.size, 0u);
  cache.set_capacity(4);  // growing again caches again
  cache.get(key_of(7), &create, &f);
  cache.get(key_of(7), &create, &f);
  EXPECT_EQ(cache.stats().size, 1u);
}

TEST(LaunchCache, ClearDropsEntriesAndCounters) {
  Fixture f;
  LaunchCache cache(4);
  cache.get(key_of(1), &create, &f);
  cache.get(key_of(1), &create, &f);
  cache.clear();
  CacheStats s = cache.stats();
  EXPECT_EQ(s.size, 0u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.misses, 0u);
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(s.capacity, 4u);
  cache.get(key_of(1), &create, &f);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(f.calls.load(), 2);
}

/// Starts `n` threads at once (as near as a condition variable allows).
template <class Body>
void run_together(int n, Body body) {
  std::mutex m;
  std::condition_variable cv;
  bool go = false;
  int ready = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock<std::mutex> lock(m);
        ++ready;
        cv.notify_all();
        cv.wait(lock, [&] { return go; });
      }
      body(i);
    });
  }
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return ready == n; });
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
}

TEST(LaunchCache, SingleFlightCreatesOnce) {
  Fixture f;
  f.delay = std::chrono::milliseconds(100);
  LaunchCache cache(8);
  constexpr int kThreads = 16;
  std::vector<const KernelVariant*> got(kThreads, nullptr);
  run_together(kThreads, [&](int i) {
    got[static_cast<std::size_t>(i)] = cache.get(key_of(9), &create, &f);
  });
  EXPECT_EQ(f.calls.load(), 1) << "concurrent misses of one key must create it once";
  for (const KernelVariant* v : got) EXPECT_EQ(v, &f.variants[9]);
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.hits + s.misses, static_cast<std::uint64_t>(kThreads));
  EXPECT_GE(s.misses, 1u);
  EXPECT_EQ(s.size, 1u);
}

TEST(LaunchCache, ConcurrentDistinctKeysAndHits) {
  Fixture f;
  LaunchCache cache(64);
  constexpr int kThreads = 8, kRounds = 2000;
  run_together(kThreads, [&](int i) {
    for (int n = 0; n < kRounds; ++n) {
      const int rank = (i * 7 + n) % 32;
      ASSERT_EQ(cache.get(key_of(rank), &create, &f), &f.variants[static_cast<std::size_t>(rank)]);
    }
  });
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.hits + s.misses, static_cast<std::uint64_t>(kThreads * kRounds));
  EXPECT_EQ(f.calls.load(), 32);
  EXPECT_EQ(s.misses, 32u);
  EXPECT_EQ(s.size, 32u);
}

TEST(LaunchCache, FailedCreationIsNotCached) {
  Fixture f;
  f.fail = true;
  LaunchCache cache(8);
  try {
    cache.get(key_of(3), &create, &f);
    FAIL() << "the creator's error did not reach the caller";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_NE(std::string(e.what()).find("rank 3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(cache.stats().size, 0u);
  EXPECT_THROW(cache.get(key_of(3), &create, &f), Error);
  EXPECT_EQ(f.calls.load(), 2) << "a failure must not be cached";
  f.fail = false;
  EXPECT_EQ(cache.get(key_of(3), &create, &f), &f.variants[3]);
  EXPECT_EQ(cache.get(key_of(3), &create, &f), &f.variants[3]);
  EXPECT_EQ(f.calls.load(), 3);
  EXPECT_EQ(cache.stats().size, 1u);
}

TEST(LaunchCache, ConcurrentFailedCreationReachesEveryCaller) {
  Fixture f;
  f.fail = true;
  f.delay = std::chrono::milliseconds(50);
  LaunchCache cache(8);
  constexpr int kThreads = 8;
  std::atomic<int> errors{0};
  run_together(kThreads, [&](int) {
    try {
      cache.get(key_of(4), &create, &f);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::unsupported) errors.fetch_add(1);
    }
  });
  EXPECT_EQ(errors.load(), kThreads) << "every caller must see the failure, none a null variant";
  EXPECT_GE(f.calls.load(), 1);
  EXPECT_EQ(cache.stats().size, 0u);
  f.fail = false;
  f.delay = std::chrono::milliseconds(0);
  EXPECT_EQ(cache.get(key_of(4), &create, &f), &f.variants[4]);
}

TEST(LaunchCache, EvictionUnderConcurrency) {
  Fixture f;
  LaunchCache cache(4);
  constexpr int kThreads = 8, kRounds = 500;
  run_together(kThreads, [&](int i) {
    for (int n = 0; n < kRounds; ++n) {
      const int rank = (i + n * 3) % 12;
      ASSERT_EQ(cache.get(key_of(rank), &create, &f), &f.variants[static_cast<std::size_t>(rank)]);
    }
  });
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.hits + s.misses, static_cast<std::uint64_t>(kThreads * kRounds));
  EXPECT_LE(s.size, 4u);
  EXPECT_GT(s.evictions, 0u);
  EXPECT_EQ(s.misses - s.evictions, s.size)
      << "every miss adds one entry, every eviction removes one";
}

// ---- The per-thread front cache in front of the table ----

TEST(LaunchCacheFront, TwoCachesKeepTheirOwnVariants) {
  Fixture f, g;
  LaunchCache a(8), b(8);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(a.get(key_of(5), &create, &f), &f.variants[5]);
    EXPECT_EQ(b.get(key_of(5), &create, &g), &g.variants[5]);
  }
  EXPECT_EQ(a.stats().hits, 2u);
  EXPECT_EQ(b.stats().hits, 2u);
  EXPECT_EQ(f.calls.load(), 1);
  EXPECT_EQ(g.calls.load(), 1);
}

TEST(LaunchCacheFront, ACacheAtTheAddressOfADestroyedOneStartsEmpty) {
  // A front slot filled for the first cache must not serve the second, even
  // when it sits at the same address with an equal key.
  std::optional<LaunchCache> cache;
  Fixture first, second;
  cache.emplace(8);
  cache->get(key_of(3), &create, &first);
  EXPECT_EQ(cache->get(key_of(3), &create, &first), &first.variants[3]);
  const void* address = &*cache;
  cache.reset();
  cache.emplace(8);
  ASSERT_EQ(static_cast<const void*>(&*cache), address);
  EXPECT_EQ(cache->get(key_of(3), &create, &second), &second.variants[3]);
  EXPECT_EQ(second.calls.load(), 1);
  EXPECT_EQ(cache->stats().misses, 1u);
  EXPECT_EQ(cache->stats().hits, 0u);
}

TEST(LaunchCacheFront, CapacityZeroAfterHitsCountsMisses) {
  Fixture f;
  LaunchCache cache(8);
  cache.get(key_of(2), &create, &f);
  cache.get(key_of(2), &create, &f);
  cache.set_capacity(0);
  const CacheStats before = cache.stats();
  EXPECT_EQ(cache.get(key_of(2), &create, &f), &f.variants[2]);
  EXPECT_EQ(cache.get(key_of(2), &create, &f), &f.variants[2]);
  const CacheStats after = cache.stats();
  EXPECT_EQ(after.hits, before.hits);
  EXPECT_EQ(after.misses, before.misses + 2);
  EXPECT_EQ(f.calls.load(), 3);
}

TEST(LaunchCacheFront, EvictionReachesOtherThreadsFrontCaches) {
  Fixture f;
  LaunchCache cache(1);
  // Another thread caches key 1 in its front cache, then waits.
  std::mutex m;
  std::condition_variable cv;
  int stage = 0;
  int calls_after = -1;
  std::thread other([&] {
    cache.get(key_of(1), &create, &f);
    cache.get(key_of(1), &create, &f);  // a front hit
    {
      std::unique_lock<std::mutex> lock(m);
      stage = 1;
      cv.notify_all();
      cv.wait(lock, [&] { return stage == 2; });
    }
    cache.get(key_of(1), &create, &f);  // evicted meanwhile: a miss
    calls_after = f.calls.load();
  });
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return stage == 1; });
  }
  cache.get(key_of(2), &create, &f);  // evicts key 1 (capacity 1)
  {
    std::lock_guard<std::mutex> lock(m);
    stage = 2;
  }
  cv.notify_all();
  other.join();
  EXPECT_EQ(calls_after, 3) << "key 1 was evicted: the other thread must create it again";
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 3u);
  EXPECT_EQ(s.evictions, 2u);
}

TEST(LaunchCacheFront, ManyKeysThroughOneThreadStayExact) {
  // More keys than front slots: slots are shared and refilled from the table.
  Fixture f;
  LaunchCache cache(64);
  constexpr int kKeys = 48, kRounds = 50;
  for (int n = 0; n < kRounds; ++n) {
    for (int r = 0; r < kKeys; ++r) {
      ASSERT_EQ(cache.get(key_of(r), &create, &f), &f.variants[static_cast<std::size_t>(r)]);
    }
  }
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.misses, static_cast<std::uint64_t>(kKeys));
  EXPECT_EQ(s.hits, static_cast<std::uint64_t>(kKeys * (kRounds - 1)));
  EXPECT_EQ(f.calls.load(), kKeys);
}

// ---- SGMV_CACHE_CAPACITY ----

class CapacityEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* old = std::getenv("SGMV_CACHE_CAPACITY");
    had_ = old != nullptr;
    if (had_) old_ = old;
  }
  void TearDown() override {
    if (had_) {
      setenv("SGMV_CACHE_CAPACITY", old_.c_str(), 1);
    } else {
      unsetenv("SGMV_CACHE_CAPACITY");
    }
  }
  static std::size_t with(const char* value) {
    setenv("SGMV_CACHE_CAPACITY", value, 1);
    return capacity_from_environment();
  }

 private:
  bool had_ = false;
  std::string old_;
};

TEST_F(CapacityEnvironment, DefaultWhenUnset) {
  unsetenv("SGMV_CACHE_CAPACITY");
  EXPECT_EQ(capacity_from_environment(), 1024u);
}

TEST_F(CapacityEnvironment, ParsesNumbers) {
  EXPECT_EQ(with("0"), 0u);
  EXPECT_EQ(with("1"), 1u);
  EXPECT_EQ(with("16"), 16u);
  EXPECT_EQ(with("100000"), 100000u);
}

TEST_F(CapacityEnvironment, MalformedFallsBackToDefault) {
  for (const char* bad : {"", "abc", "-5", "12x", "x12", "1e3", "99999999999999999999999999"}) {
    EXPECT_EQ(with(bad), 1024u) << "SGMV_CACHE_CAPACITY='" << bad << "'";
  }
}

}  // namespace
}  // namespace sgmv::detail
