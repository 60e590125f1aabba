// T == 0 or S == 0 is a successful no-op for every op and form: no error,
// nothing written, no fault recorded; null data pointers are fine when the
// extent is zero.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sgmv/reference.hpp"
#include "support/cases.hpp"

namespace sgmv::test {
namespace {

struct EmptyCase {
  std::string name;
  OpSpec spec;
  bool null_pointers = false;  ///< pass nullptr for every zero-extent view
};
void PrintTo(const EmptyCase& c, std::ostream* os) { *os << c.name; }

std::vector<EmptyCase> empty_cases() {
  std::vector<EmptyCase> cases;
  for (Op op : {Op::shrink, Op::expand, Op::expand_slice, Op::expand_multi}) {
    const std::int64_t K = op == Op::shrink ? 32 : 8;
    const std::int64_t n = op == Op::shrink ? 8 : 24;
    auto make = [&](Form form, std::int64_t T) {
      OpSpec s = basic_spec(op, form, DType::f16, DType::f16, DType::f32, T, K, n,
                            op == Op::expand_slice ? 4 : 0);
      if (op == Op::expand_multi) s.slices.push_back(SliceSpec{8, 30, {}, {}});
      s.add = op != Op::shrink;
      return s;
    };
    const std::string base = name_of(op);
    {
      OpSpec s = make(Form::segments, 0);  // T == 0, S == 0
      cases.push_back({base + "_segments_T0_S0", s, false});
      cases.push_back({base + "_segments_T0_S0_null_pointers", s, true});
      s.segments = consecutive_segments({0}, {0});  // T == 0, one empty segment
      cases.push_back({base + "_segments_T0_S1", s, false});
    }
    {
      OpSpec s = make(Form::segments, 7);  // rows but no segment
      cases.push_back({base + "_segments_T7_S0", s, false});
      cases.push_back({base + "_segments_T7_S0_null_metadata", s, true});
    }
    {
      OpSpec s = make(Form::tokens, 0);
      cases.push_back({base + "_tokens_T0", s, false});
      cases.push_back({base + "_tokens_T0_null_pointers", s, true});
    }
  }
  return cases;
}

/// Replaces the pointer of every view that has no elements by nullptr.
void null_empty_views(OpArgs& a) {
  auto null_if_empty = [](TensorView& v) {
    if (v.numel() == 0) v.data = nullptr;
  };
  for (ExpandSlice& s : a.slices) {
    null_if_empty(s.u);
    null_if_empty(s.B);
  }
  null_if_empty(a.out);
  null_if_empty(a.segments.seg_start);
  null_if_empty(a.segments.seg_len);
  null_if_empty(a.segments.lora_id);
  null_if_empty(a.tokens.token_lora);
}

class Empty : public ::testing::TestWithParam<EmptyCase> {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
};

TEST_P(Empty, IsASuccessfulNoOp) {
  const EmptyCase& ec = GetParam();
  Context ctx;
  const OpCase c(ec.spec);
  OpArgs a = c.device_args();
  if (ec.null_pointers) null_empty_views(a);
  SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx, a));
  EXPECT_EQ(ctx.read_status(), 0u);
  EXPECT_TRUE(c.check_unchanged());

  // The reference agrees: nothing changes.
  OpArgs h = c.host_args();
  if (ec.null_pointers) null_empty_views(h);
  std::vector<double> before = reference::to_doubles(c.out().host_view());
  std::vector<double> result = before;
  run_reference(ec.spec.op, ec.spec.form, h, result);
  ASSERT_EQ(result.size(), before.size());
  for (std::size_t i = 0; i < result.size(); ++i) {
    EXPECT_TRUE(std::isnan(before[i]) ? std::isnan(result[i]) : result[i] == before[i]) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Conformance, Empty, ::testing::ValuesIn(empty_cases()),
                         [](const ::testing::TestParamInfo<EmptyCase>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace sgmv::test
