// SGMV_CACHE_CAPACITY sets the launch-cache capacity of a fresh process; the
// API setter wins over it. CTest runs this binary with SGMV_CACHE_CAPACITY=3.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "sgmv/sgmv.hpp"
#include "support/op_case.hpp"

namespace sgmv::test {
namespace {

TEST(Environment, CapacityComesFromTheEnvironment) {
  const char* env = std::getenv("SGMV_CACHE_CAPACITY");
  if (env == nullptr || std::string(env) != "3") {
    GTEST_SKIP() << "run through CTest, which sets SGMV_CACHE_CAPACITY=3";
  }
  EXPECT_EQ(sgmv::cache_capacity(), 3u);
  EXPECT_EQ(sgmv::cache_stats(0).capacity, 3u);
  sgmv::set_cache_capacity(5);  // the setter wins
  EXPECT_EQ(sgmv::cache_capacity(), 5u);
  sgmv::set_cache_capacity(3);  // as the environment left it, for the next test
}

TEST(Environment, CapacityReachesTheDeviceCache) {
  const char* env = std::getenv("SGMV_CACHE_CAPACITY");
  if (env == nullptr || std::string(env) != "3") {
    GTEST_SKIP() << "run through CTest, which sets SGMV_CACHE_CAPACITY=3";
  }
  SGMV_REQUIRE_DEVICE();
  Context ctx;
  // Four distinct keys (ranks 1..4) through a cache of three entries.
  for (std::int64_t r = 1; r <= 4; ++r) {
    OpSpec s;
    s.op = Op::shrink;
    s.T = 4;
    s.K = 8;
    s.slices = {SliceSpec{r, 0, {}, {}}};
    s.segments = consecutive_segments({4}, {0});
    OpCase c(s);
    SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
    ASSERT_TRUE(c.check(c.reference()));
  }
  const CacheStats st = sgmv::cache_stats(0);
  EXPECT_EQ(st.capacity, 3u);
  EXPECT_EQ(st.size, 3u);
  EXPECT_EQ(st.misses, 4u);
  EXPECT_EQ(st.evictions, 1u);
}

}  // namespace
}  // namespace sgmv::test
