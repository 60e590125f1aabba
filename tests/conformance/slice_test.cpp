// expand_slice at offsets 0, mid, odd and flush with the end of out;
// expand_multi with 1, 2, 3 and kMaxSlices slices, slices out of column
// order, gaps between slices, one-column slices; and expand_multi equals
// one expand_slice per slice.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

std::vector<NamedSpec> slice_cases() {
  std::vector<NamedSpec> cases;
  struct Placement {
    const char* name;
    std::int64_t n, offset, W;
  };
  const Placement placements[] = {
      {"offset0_wider_out", 32, 0, 80},
      {"offset_mid", 32, 13, 80},
      {"offset_flush_end", 32, 48, 80},
      {"offset_odd_one", 33, 1, 34},
  };
  for (const Placement& p : placements) {
    for (Form form : {Form::segments, Form::tokens}) {
      for (bool add : {false, true}) {
        OpSpec s = basic_spec(Op::expand_slice, form, DType::f16, DType::f16, DType::f16, 18, 16,
                              p.n, p.offset);
        s.W = p.W;
        s.add = add;
        const std::string name =
            std::string("expand_slice_") + p.name + "_" + name_of(form) + (add ? "_add" : "_noadd");
        s.seed = seed_of(name);
        if (form == Form::segments) {
          set_segments(s, Pattern::mixed);
        } else {
          set_tokens(s, 0.2);
        }
        cases.push_back({name, s});
      }
    }
  }

  struct Multi {
    const char* name;
    std::vector<std::pair<std::int64_t, std::int64_t>> slices;  // (N, offset)
    std::int64_t W;
  };
  const Multi multis[] = {
      {"one_slice", {{40, 0}}, 40},
      {"gate_up", {{48, 0}, {48, 48}}, 96},
      {"qkv", {{32, 0}, {8, 32}, {8, 40}}, 48},
      {"qkv_listed_v_q_k", {{8, 40}, {32, 0}, {8, 32}}, 48},
      {"gaps_between", {{24, 0}, {16, 40}, {20, 100}}, 120},
      {"eight_slices",
       {{1, 0}, {7, 1}, {8, 8}, {3, 16}, {13, 19}, {16, 32}, {5, 48}, {11, 53}},
       64},
      {"one_column_each", {{1, 0}, {1, 2}, {1, 4}}, 5},
  };
  for (const Multi& m : multis) {
    for (Form form : {Form::segments, Form::tokens}) {
      for (bool add : {false, true}) {
        OpSpec s =
            basic_spec(Op::expand_multi, form, DType::bf16, DType::bf16, DType::f32, 18, 16, 1);
        s.slices.clear();
        for (const auto& sl : m.slices) s.slices.push_back(SliceSpec{sl.first, sl.second, {}, {}});
        s.W = m.W;
        s.add = add;
        const std::string name =
            std::string("expand_multi_") + m.name + "_" + name_of(form) + (add ? "_add" : "_noadd");
        s.seed = seed_of(name);
        if (form == Form::segments) {
          set_segments(s, Pattern::mixed);
        } else {
          set_tokens(s, 0.2);
        }
        cases.push_back({name, s});
      }
    }
  }
  return cases;
}

class Slices : public ::testing::TestWithParam<NamedSpec> {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
};

TEST_P(Slices, MatchesReference) { run_and_check(GetParam().spec); }

INSTANTIATE_TEST_SUITE_P(Conformance, Slices, ::testing::ValuesIn(slice_cases()), case_name);

// One expand_multi launch and one expand_slice per slice give the same
// result (both within tolerance of the reference).
TEST(SlicesExtra, MultiEqualsOneSliceAtATime) {
  SGMV_REQUIRE_DEVICE();
  for (bool add : {false, true}) {
    for (Form form : {Form::segments, Form::tokens}) {
      OpSpec s = basic_spec(Op::expand_multi, form, DType::f16, DType::f16, DType::f32, 18, 16, 1);
      s.slices = {SliceSpec{32, 0, {}, {}}, SliceSpec{8, 32, {}, {}}, SliceSpec{8, 44, {}, {}}};
      s.W = 52;
      s.add = add;
      s.seed = add ? 5 : 6;
      if (form == Form::segments) {
        set_segments(s, Pattern::mixed);
      } else {
        set_tokens(s, 0.2);
      }
      Context ctx;
      const OpCase c(s);
      const std::vector<double> ref = c.reference();
      SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
      EXPECT_TRUE(c.check(ref)) << "expand_multi, add=" << add << ", " << name_of(form);

      c.reset_output();
      const OpArgs a = c.device_args();
      for (const ExpandSlice& sl : a.slices) {
        if (form == Form::segments) {
          SGMV_SKIP_IF_UNSUPPORTED(
              sgmv::expand_slice(ctx, sl.u, sl.B, a.out, a.segments, sl.offset, add));
        } else {
          SGMV_SKIP_IF_UNSUPPORTED(
              sgmv::expand_slice(ctx, sl.u, sl.B, a.out, a.tokens, sl.offset, add));
        }
      }
      EXPECT_TRUE(c.check(ref)) << "expand_slice per slice, add=" << add << ", " << name_of(form);
    }
  }
}

}  // namespace
}  // namespace sgmv::test
