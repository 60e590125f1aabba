// Core cases on every device the backend sees, each with its own Context and
// memory; launch caches are per device (cache_stats(d)).
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

std::vector<OpSpec> core_cases(int device) {
  std::vector<OpSpec> specs;
  {
    OpSpec s =
        basic_spec(Op::shrink, Form::segments, DType::bf16, DType::bf16, DType::f32, 24, 256, 16);
    set_segments(s, Pattern::mixed);
    specs.push_back(s);
  }
  {
    OpSpec s =
        basic_spec(Op::expand, Form::tokens, DType::f32, DType::bf16, DType::bf16, 24, 16, 128);
    s.add = true;
    set_tokens(s, 0.2);
    specs.push_back(s);
  }
  {
    OpSpec s =
        basic_spec(Op::expand_multi, Form::segments, DType::f16, DType::f16, DType::f16, 24, 8, 32);
    s.slices = {SliceSpec{32, 0, {}, {}}, SliceSpec{8, 32, {}, {}}, SliceSpec{8, 40, {}, {}}};
    set_segments(s, Pattern::unsorted);
    specs.push_back(s);
  }
  for (OpSpec& s : specs) {
    s.device = device;
    s.seed = seed_of("multi_device") + static_cast<std::uint64_t>(device);
  }
  return specs;
}

class MultiDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    SGMV_REQUIRE_DEVICE();
    saved_capacity_ = sgmv::cache_capacity();
    sgmv::clear_cache();
  }
  void TearDown() override {
    if (sgmv::device_count() > 0) sgmv::set_cache_capacity(saved_capacity_);
  }
  std::size_t saved_capacity_ = 0;
};

TEST_F(MultiDevice, CoreCasesOnEveryDeviceWithPerDeviceCaches) {
  const int devices = sgmv::device_count();
  if (devices == 1) {
    std::cout << "[ INFO     ] the " << sgmv::backend_name()
              << " backend sees one device: running on device 0 only; the cross-device "
                 "checks need two or more\n";
    RecordProperty("devices", 1);
  }
  for (int d = 0; d < devices; ++d) {
    SCOPED_TRACE("device " + std::to_string(d));
    std::vector<CacheStats> before(static_cast<std::size_t>(devices));
    for (int e = 0; e < devices; ++e) before[static_cast<std::size_t>(e)] = sgmv::cache_stats(e);

    const std::vector<OpSpec> specs = core_cases(d);
    for (const OpSpec& s : specs) {
      run_and_check(s);
      if (IsSkipped() || HasFatalFailure()) return;
    }
    // Repeat the same calls: hits on this device only.
    for (const OpSpec& s : specs) run_and_check(s);

    const CacheStats mine = sgmv::cache_stats(d);
    const CacheStats was = before[static_cast<std::size_t>(d)];
    EXPECT_EQ(mine.misses - was.misses, specs.size()) << "first calls on device " << d;
    EXPECT_EQ(mine.hits - was.hits, specs.size()) << "repeated calls on device " << d;
    for (int e = 0; e < devices; ++e) {
      if (e == d) continue;
      const CacheStats other = sgmv::cache_stats(e);
      const CacheStats other_was = before[static_cast<std::size_t>(e)];
      EXPECT_EQ(other.hits, other_was.hits) << "device " << d << "'s calls counted on " << e;
      EXPECT_EQ(other.misses, other_was.misses) << "device " << d << "'s calls counted on " << e;
    }
  }
}

TEST_F(MultiDevice, ContextsOnDifferentDevicesAtOnce) {
  const int devices = sgmv::device_count();
  // With one device, two Contexts on it still exercise the interleaving.
  const int second = devices > 1 ? 1 : 0;
  OpSpec s0 = core_cases(0)[0];
  OpSpec s1 = core_cases(second)[1];
  Context c0(0), c1(second);
  const OpCase a(s0), b(s1);
  SGMV_SKIP_IF_UNSUPPORTED(a.launch(c0));
  SGMV_SKIP_IF_UNSUPPORTED(b.launch(c1));
  EXPECT_TRUE(a.check(a.reference()));
  EXPECT_TRUE(b.check(b.reference()));
  EXPECT_EQ(c0.read_status(), 0u);
  EXPECT_EQ(c1.read_status(), 0u);
  EXPECT_EQ(c0.device(), 0);
  EXPECT_EQ(c1.device(), second);
}

}  // namespace
}  // namespace sgmv::test
