// The public cache API (sgmv/cache.hpp) observed through real calls: the
// first call of a key misses, repeats hit, capacity 0 still computes right,
// a small capacity evicts, clear_cache() resets.
#include <gtest/gtest.h>

#include "sgmv/sgmv.hpp"
#include "support/op_case.hpp"

namespace sgmv::test {
namespace {

class CacheApi : public ::testing::Test {
 protected:
  void SetUp() override {
    SGMV_REQUIRE_DEVICE();
    saved_capacity_ = sgmv::cache_capacity();
    sgmv::clear_cache();
  }
  void TearDown() override {
    if (sgmv::device_count() > 0) {
      sgmv::set_cache_capacity(saved_capacity_);
      sgmv::clear_cache();
    }
  }

  /// A small shrink of in/w dtype `dt` (a distinct key per dtype).
  static OpSpec shrink_spec(DType dt) {
    OpSpec s;
    s.op = Op::shrink;
    s.in = s.w = dt;
    s.out = DType::f32;
    s.T = 6;
    s.K = 24;
    s.slices = {SliceSpec{4, 0, {}, {}}};
    s.segments = consecutive_segments({2, 4}, {0, 1});
    s.seed = 7;
    return s;
  }

  std::size_t saved_capacity_ = 0;
};

TEST_F(CacheApi, FirstCallMissesRepeatsHit) {
  Context ctx;
  OpCase c(shrink_spec(DType::f32));
  const std::vector<double> ref = c.reference();
  CacheStats s = sgmv::cache_stats(0);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.misses, 0u);
  SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
  s = sgmv::cache_stats(0);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.size, 1u);
  for (int i = 0; i < 3; ++i) {
    c.reset_output();
    c.launch(ctx);
    ASSERT_TRUE(c.check(ref));
  }
  s = sgmv::cache_stats(0);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 3u);

  OpCase other(shrink_spec(DType::f16));  // another key
  SGMV_SKIP_IF_UNSUPPORTED(other.launch(ctx));
  EXPECT_TRUE(other.check(other.reference()));
  s = sgmv::cache_stats(0);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.size, 2u);
}

TEST_F(CacheApi, CapacityZeroStillComputes) {
  sgmv::set_cache_capacity(0);
  EXPECT_EQ(sgmv::cache_capacity(), 0u);
  Context ctx;
  OpCase c(shrink_spec(DType::bf16));
  const std::vector<double> ref = c.reference();
  for (int i = 0; i < 3; ++i) {
    c.reset_output();
    SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
    ASSERT_TRUE(c.check(ref));
  }
  const CacheStats s = sgmv::cache_stats(0);
  EXPECT_EQ(s.misses, 3u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.size, 0u);
  EXPECT_EQ(s.capacity, 0u);
}

TEST_F(CacheApi, SmallCapacityEvicts) {
  sgmv::set_cache_capacity(1);
  Context ctx;
  OpCase a(shrink_spec(DType::f32)), b(shrink_spec(DType::f16));
  SGMV_SKIP_IF_UNSUPPORTED(a.launch(ctx));
  SGMV_SKIP_IF_UNSUPPORTED(b.launch(ctx));
  a.reset_output();
  a.launch(ctx);
  EXPECT_TRUE(a.check(a.reference()));
  const CacheStats s = sgmv::cache_stats(0);
  EXPECT_EQ(s.misses, 3u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.evictions, 2u);
  EXPECT_EQ(s.size, 1u);
}

TEST_F(CacheApi, SetCapacityAppliesToExistingCaches) {
  Context ctx;
  OpCase a(shrink_spec(DType::f32)), b(shrink_spec(DType::f16)), c(shrink_spec(DType::bf16));
  SGMV_SKIP_IF_UNSUPPORTED(a.launch(ctx));
  SGMV_SKIP_IF_UNSUPPORTED(b.launch(ctx));
  SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
  EXPECT_EQ(sgmv::cache_stats(0).size, 3u);
  sgmv::set_cache_capacity(1);
  EXPECT_EQ(sgmv::cache_capacity(), 1u);
  const CacheStats s = sgmv::cache_stats(0);
  EXPECT_EQ(s.size, 1u);
  EXPECT_EQ(s.capacity, 1u);
  EXPECT_EQ(s.evictions, 2u);
}

TEST_F(CacheApi, ClearCacheResets) {
  Context ctx;
  OpCase c(shrink_spec(DType::f32));
  SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
  c.launch(ctx);
  sgmv::clear_cache();
  CacheStats s = sgmv::cache_stats(0);
  EXPECT_EQ(s.hits + s.misses + s.evictions + s.size, 0u);
  c.launch(ctx);
  s = sgmv::cache_stats(0);
  EXPECT_EQ(s.misses, 1u) << "after clear_cache() the key is gone";
}

TEST_F(CacheApi, EmptyBatchesDoNotTouchTheCache) {
  Context ctx;
  OpSpec spec = shrink_spec(DType::f32);
  spec.segments = Segments{};  // S == 0
  OpCase c(spec);
  c.launch(ctx);
  EXPECT_TRUE(c.check_unchanged());
  const CacheStats s = sgmv::cache_stats(0);
  EXPECT_EQ(s.hits + s.misses, 0u) << "a no-op must not select a kernel";
}

TEST_F(CacheApi, UnusedDeviceReportsZeros) {
  const CacheStats s = sgmv::cache_stats(sgmv::device_count() + 5);
  EXPECT_EQ(s.hits + s.misses + s.evictions + s.size, 0u);
}

}  // namespace
}  // namespace sgmv::test
