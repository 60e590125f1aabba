// Many threads, each with its own Context, launch a mix of ops whose keys
// miss and hit while a small cache capacity forces evictions. Every result is
// checked against the reference; the counters add up. Meant to run under
// ThreadSanitizer as well (ctest -L concurrency).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

/// Twelve calls with twelve distinct launch keys.
std::vector<OpSpec> mix() {
  std::vector<OpSpec> v;
  auto seg = [](OpSpec s, Pattern p) {
    set_segments(s, p);
    return s;
  };
  auto tok = [](OpSpec s) {
    set_tokens(s, 0.2);
    return s;
  };
  const std::int64_t T = 24;
  v.push_back(
      seg(basic_spec(Op::shrink, Form::segments, DType::f16, DType::f16, DType::f32, T, 64, 16),
          Pattern::mixed));
  v.push_back(
      tok(basic_spec(Op::shrink, Form::tokens, DType::bf16, DType::bf16, DType::bf16, T, 64, 16)));
  v.push_back(
      seg(basic_spec(Op::shrink, Form::segments, DType::f32, DType::f32, DType::f32, T, 64, 8),
          Pattern::unsorted));
  v.push_back(
      seg(basic_spec(Op::shrink, Form::segments, DType::bf16, DType::bf16, DType::f32, T, 65, 3),
          Pattern::gaps));
  OpSpec e = basic_spec(Op::expand, Form::segments, DType::f32, DType::f16, DType::f16, T, 16, 64);
  e.add = true;
  v.push_back(seg(e, Pattern::mixed));
  e.add = false;
  v.push_back(seg(e, Pattern::many));
  OpSpec et = basic_spec(Op::expand, Form::tokens, DType::bf16, DType::bf16, DType::f32, T, 8, 40);
  v.push_back(tok(et));
  OpSpec sl = basic_spec(Op::expand_slice, Form::segments, DType::f16, DType::f16, DType::f16, T,
                         16, 32, 16);
  sl.add = true;
  v.push_back(seg(sl, Pattern::halves));
  OpSpec m = basic_spec(Op::expand_multi, Form::segments, DType::bf16, DType::bf16, DType::bf16, T,
                        16, 32);
  m.slices = {SliceSpec{32, 0, {}, {}}, SliceSpec{8, 32, {}, {}}, SliceSpec{8, 40, {}, {}}};
  m.add = true;
  v.push_back(seg(m, Pattern::mixed));
  OpSpec mt = m;
  mt.meta = DType::i64;
  v.push_back(tok(mt));
  OpSpec s64 =
      basic_spec(Op::shrink, Form::segments, DType::f16, DType::f16, DType::f16, T, 64, 16);
  s64.meta = DType::i64;
  v.push_back(seg(s64, Pattern::one_token));
  OpSpec odd =
      basic_spec(Op::expand, Form::segments, DType::f16, DType::f16, DType::f32, T, 16, 64);
  odd.out_layout = Layout{1, 1};  // misaligned: another variant / align bits
  v.push_back(seg(odd, Pattern::mixed));
  for (std::size_t i = 0; i < v.size(); ++i) v[i].seed = 1000 + i;
  return v;
}

struct Expected {
  OpSpec spec;
  std::vector<double> values;
};

class Stress : public ::testing::Test {
 protected:
  void SetUp() override {
    SGMV_REQUIRE_DEVICE();
    saved_capacity_ = sgmv::cache_capacity();
    for (const OpSpec& s : mix()) {
      const OpCase c(s);
      expected_.push_back({s, c.reference()});
    }
  }
  void TearDown() override {
    if (sgmv::device_count() > 0) {
      sgmv::set_cache_capacity(saved_capacity_);
      sgmv::clear_cache();
    }
  }

  /// Runs `rounds` calls on each of `threads` threads; returns the number of
  /// calls made and appends every mismatch to `failures`.
  std::uint64_t hammer(int threads, int rounds, std::vector<std::string>* failures) {
    std::atomic<std::uint64_t> calls{0};
    std::mutex failures_mutex;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        auto fail = [&](const std::string& what) {
          std::lock_guard<std::mutex> lock(failures_mutex);
          failures->push_back("thread " + std::to_string(t) + ": " + what);
        };
        try {
          // Each thread owns its tensors (same seeds: same data as `expected_`).
          std::vector<std::unique_ptr<OpCase>> cases;
          for (const Expected& e : expected_) cases.push_back(std::make_unique<OpCase>(e.spec));
          auto ctx = std::make_unique<Context>(0);
          std::size_t previous = 0;
          for (int r = 0; r < rounds; ++r) {
            if (r % 16 == 15) ctx = std::make_unique<Context>(0);  // Contexts come and go too
            // The keys cycle (12 through a smaller cache: evictions), and
            // every third call repeats the thread's previous key, a hit
            // however the threads interleave (unless 4 other keys come in
            // between), so that hits do not depend on the threads running
            // at once.
            const std::size_t k =
                r % 3 == 2 ? previous
                           : static_cast<std::size_t>(t * 5 + r * 7 + r / 12) % expected_.size();
            previous = k;
            const OpCase& c = *cases[k];
            c.reset_output();
            c.launch(*ctx);
            calls.fetch_add(1);
            const ::testing::AssertionResult ok = c.check(expected_[k].values);
            if (!ok)
              fail("case " + std::to_string(k) + ", round " + std::to_string(r) + ": " +
                   ok.message());
            if (ctx->read_status() != 0) fail("status word set by valid metadata");
          }
        } catch (const std::exception& e) {
          fail(std::string("exception: ") + e.what());
        }
      });
    }
    for (auto& th : pool) th.join();
    return calls.load();
  }

  std::vector<Expected> expected_;
  std::size_t saved_capacity_ = 0;
};

TEST_F(Stress, ThreadsWithOwnContextsAndEvictingCache) {
  {
    // Every call of the mix is supported (else the stress test is moot).
    Context ctx;
    for (const Expected& e : expected_) {
      const OpCase c(e.spec);
      SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
    }
  }
  sgmv::set_cache_capacity(4);
  sgmv::clear_cache();
  std::vector<std::string> failures;
  const std::uint64_t calls = hammer(8, 60, &failures);
  for (const std::string& f : failures) ADD_FAILURE() << f;
  const CacheStats s = sgmv::cache_stats(0);
  EXPECT_EQ(calls, 8u * 60u);
  EXPECT_EQ(s.hits + s.misses, calls) << "every call makes exactly one cache lookup";
  EXPECT_GT(s.evictions, 0u) << "12 keys through 4 entries must evict";
  EXPECT_GT(s.hits, 0u);
  EXPECT_LE(s.size, 4u);
  EXPECT_EQ(s.capacity, 4u);
}

TEST_F(Stress, CapacityChangesWhileLaunching) {
  {
    Context ctx;
    for (const Expected& e : expected_) {
      const OpCase c(e.spec);
      SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
    }
  }
  sgmv::set_cache_capacity(4);
  sgmv::clear_cache();
  std::atomic<bool> done{false};
  std::thread churn([&] {
    const std::size_t capacities[] = {2, 0, 8, 1, 4};
    for (std::size_t i = 0; !done.load(); ++i) {
      sgmv::set_cache_capacity(capacities[i % 5]);
      (void)sgmv::cache_stats(0);
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    sgmv::set_cache_capacity(4);
  });
  std::vector<std::string> failures;
  const std::uint64_t calls = hammer(6, 40, &failures);
  done = true;
  churn.join();
  for (const std::string& f : failures) ADD_FAILURE() << f;
  const CacheStats s = sgmv::cache_stats(0);
  EXPECT_EQ(s.hits + s.misses, calls);
  EXPECT_LE(s.size, 4u);
}

TEST_F(Stress, ManyThreadsFirstCallOfOneKey) {
  const Expected& e = expected_[0];
  {
    Context ctx;
    const OpCase c(e.spec);
    SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
  }
  sgmv::set_cache_capacity(16);
  sgmv::clear_cache();
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<OpCase>> cases;
  for (int t = 0; t < kThreads; ++t) cases.push_back(std::make_unique<OpCase>(e.spec));
  std::atomic<int> ready{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      try {
        Context ctx;
        ready.fetch_add(1);
        while (ready.load() < kThreads) std::this_thread::yield();
        cases[static_cast<std::size_t>(t)]->launch(ctx);
        ctx.synchronize();
      } catch (const std::exception& ex) {
        failures[static_cast<std::size_t>(t)] = ex.what();
      }
    });
  }
  for (auto& th : pool) th.join();
  for (int t = 0; t < kThreads; ++t) {
    const std::string& f = failures[static_cast<std::size_t>(t)];
    EXPECT_TRUE(f.empty()) << "thread " << t << ": " << f;
    EXPECT_TRUE(cases[static_cast<std::size_t>(t)]->check(e.values)) << "thread " << t;
  }
  const CacheStats s = sgmv::cache_stats(0);
  EXPECT_EQ(s.hits + s.misses, static_cast<std::uint64_t>(kThreads));
  EXPECT_GE(s.misses, 1u);
  EXPECT_EQ(s.size, 1u);
}

}  // namespace
}  // namespace sgmv::test
