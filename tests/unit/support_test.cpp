// The test support itself: the output check must fail on what it exists to
// catch (a wrong value, a NaN, a write to an untouched row, to padding or past
// the end), and the metadata helpers must compute the rows by hand.
#include <gtest/gtest.h>

#include <cstring>

#include "sgmv/reference.hpp"
#include "support/op_case.hpp"

namespace sgmv::test {
namespace {

TEST(Support, WrittenRowsAndStatus) {
  Segments s;
  s.add(0, 2, 0);   // rows 0, 1
  s.add(4, 3, -1);  // no adapter
  s.add(7, 2, 1);   // rows 7, 8
  s.add(9, 0, 1);   // empty
  EXPECT_EQ(written_rows(10, 2, s), (std::vector<std::uint8_t>{1, 1, 0, 0, 0, 0, 0, 1, 1, 0}));
  EXPECT_EQ(expected_status(10, 2, s), 0u);
  s.max_seg_len = 1;
  EXPECT_EQ(written_rows(10, 2, s), (std::vector<std::uint8_t>{1, 0, 0, 0, 0, 0, 0, 1, 0, 0}));
  s.max_seg_len = -1;
  s.add(9, 2, 0);  // reaches row 10 of 10: bad segment, skipped
  s.add(2, 1, 2);  // adapter 2 of L = 2: bad adapter, skipped
  EXPECT_EQ(written_rows(10, 2, s), (std::vector<std::uint8_t>{1, 1, 0, 0, 0, 0, 0, 1, 1, 0}));
  EXPECT_EQ(expected_status(10, 2, s), status_bad_segment | status_bad_adapter);
  EXPECT_EQ(written_rows(3, 2, std::vector<std::int64_t>{1, -1, 0}),
            (std::vector<std::uint8_t>{1, 0, 1}));
  EXPECT_EQ(expected_status(3, 2, std::vector<std::int64_t>{1, -2, 0}), status_bad_adapter);
}

TEST(Support, RandomSegmentsStayInsideTheBatch) {
  std::mt19937_64 rng(3);
  SegmentShape shape;
  shape.min_len = 0;
  shape.max_len = 9;
  shape.max_gap = 3;
  shape.empty_fraction = 0.3;
  shape.no_adapter_fraction = 0.2;
  shape.shuffle = true;
  for (int i = 0; i < 50; ++i) {
    const Segments s = random_segments(41, 4, rng, shape);
    EXPECT_EQ(expected_status(41, 4, s), 0u);
    std::vector<int> cover(41, 0);
    for (std::int64_t k = 0; k < s.size(); ++k) {
      for (std::int64_t r = 0; r < s.len[static_cast<std::size_t>(k)]; ++r) {
        ++cover[static_cast<std::size_t>(s.start[static_cast<std::size_t>(k)] + r)];
      }
    }
    for (int c : cover) EXPECT_LE(c, 1) << "segments overlap";
  }
}

TEST(Support, TensorLayout) {
  SGMV_REQUIRE_DEVICE();
  Tensor t(DType::f16, {3, 5}, Layout{3, 1});
  EXPECT_EQ(t.stride(0), 8);
  EXPECT_EQ(t.stride(1), 1);
  EXPECT_EQ(t.offset_of({2, 4}), 1 + 16 + 4);
  const auto p = reinterpret_cast<std::uintptr_t>(t.device_view().data);
  EXPECT_EQ(p % 2, 0u);
  EXPECT_NE(p % 4, 0u) << "base = 1 must leave the pointer aligned to one element only";
  EXPECT_EQ(t.storage_elements(), 1 + 2 * 8 + 5 + 3 + kGuardElements);
  std::mt19937_64 rng(1);
  t.fill_random(rng);
  int poisoned = 0;
  for (std::int64_t e = 0; e < t.storage_elements(); ++e) {
    poisoned += is_nan_element(t.host().data(), t.dtype(), e) ? 1 : 0;
  }
  EXPECT_EQ(poisoned, t.storage_elements() - 15);
  t.upload();
  EXPECT_EQ(t.download(), t.host());
}

class SupportCheck : public ::testing::Test {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
  static OpSpec spec(DType out) {
    OpSpec s;
    s.op = Op::expand_slice;
    s.out = out;
    s.T = 6;
    s.K = 4;
    s.slices = {SliceSpec{5, 2, {}, {}}};
    s.W = 9;
    s.out_layout = Layout{1, 1};
    s.segments = consecutive_segments({2, 2, 2}, {0, -1, 1});  // rows 2, 3 untouched
    return s;
  }
  /// The output storage as the library should leave it: the reference's
  /// values, rounded, in the written elements; the initial bytes elsewhere.
  static std::vector<unsigned char> ideal(const OpCase& c, const std::vector<double>& ref) {
    std::vector<unsigned char> bytes = c.out_initial();
    const std::vector<std::uint8_t> mask = c.written_mask();
    const std::vector<std::int64_t> offsets = c.out().element_offsets();
    for (std::size_t i = 0; i < mask.size(); ++i) {
      if (mask[i]) write_element(bytes.data(), c.out().dtype(), offsets[i], ref[i]);
    }
    return bytes;
  }
};

TEST_F(SupportCheck, CatchesWhatItMust) {
  for (DType dt : {DType::f32, DType::f16, DType::bf16}) {
    OpCase c(spec(dt));
    const std::vector<double> ref = c.reference();
    const std::vector<unsigned char> good = ideal(c, ref);
    EXPECT_TRUE(c.check_bytes(good, ref)) << name_of(dt);
    EXPECT_FALSE(c.check_bytes(c.out_initial(), ref)) << "unwritten (poisoned) output passed";

    const std::int64_t written = c.out().offset_of({0, 3});
    const std::int64_t untouched_row = c.out().offset_of({2, 3});
    const std::int64_t untouched_col = c.out().offset_of({0, 1});
    const std::int64_t pad = c.out().offset_of({0, 9});
    const std::int64_t guard = c.out().storage_elements() - 1;

    std::vector<unsigned char> bad = good;
    write_element(bad.data(), dt, written, read_element(good.data(), dt, written) + 1.0);
    EXPECT_FALSE(c.check_bytes(bad, ref)) << "a wrong value passed";
    bad = good;
    write_poison(bad.data(), dt, written);
    EXPECT_FALSE(c.check_bytes(bad, ref)) << "a NaN passed";
    for (std::int64_t e : {untouched_row, untouched_col, pad, guard, std::int64_t{0}}) {
      bad = good;
      write_element(bad.data(), dt, e, 0.0);
      EXPECT_FALSE(c.check_bytes(bad, ref)) << "a write to storage element " << e << " passed";
    }
  }
}

TEST_F(SupportCheck, ToleranceFollowsTheOutputDtype) {
  // A relative error of 5e-3 passes for bf16 outputs, fails for f16 and f32.
  for (DType dt : {DType::f32, DType::f16, DType::bf16}) {
    OpCase c(spec(dt));
    std::vector<double> ref = c.reference();
    const std::vector<unsigned char> good = ideal(c, ref);
    for (double& v : ref) v *= 1.005;
    const bool passed = static_cast<bool>(c.check_bytes(good, ref));
    EXPECT_EQ(passed, dt == DType::bf16) << name_of(dt);
  }
}

}  // namespace
}  // namespace sgmv::test
