// Every op in both batch forms with every dtype combination SEMANTICS.md
// allows (in/w/out in f16, bf16, f32; shrink output f32 or the input dtype),
// add on and off, int32 and int64 metadata; plus shrink's scale.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

constexpr DType kFloats[] = {DType::f16, DType::bf16, DType::f32};

/// Slices of each op at the sizes this file uses (R = 8).
std::vector<SliceSpec> slices_for(Op op, std::int64_t* W) {
  switch (op) {
    case Op::shrink:
      *W = 0;
      return {SliceSpec{8, 0, {}, {}}};
    case Op::expand:
      *W = 0;
      return {SliceSpec{37, 0, {}, {}}};
    case Op::expand_slice:
      *W = 52;
      return {SliceSpec{37, 11, {}, {}}};
    case Op::expand_multi:
      *W = 40;  // fused QKV: q 24, k 8, v 8
      return {SliceSpec{24, 0, {}, {}}, SliceSpec{8, 24, {}, {}}, SliceSpec{8, 32, {}, {}}};
  }
  return {};
}

std::vector<NamedSpec> dtype_cases() {
  std::vector<NamedSpec> cases;
  int index = 0;
  for (Op op : {Op::shrink, Op::expand, Op::expand_slice, Op::expand_multi}) {
    for (Form form : {Form::segments, Form::tokens}) {
      for (DType in : kFloats) {
        for (DType w : kFloats) {
          std::vector<DType> outs;
          if (op == Op::shrink) {
            outs.push_back(DType::f32);
            if (in != DType::f32) outs.push_back(in);
          } else {
            outs.assign(std::begin(kFloats), std::end(kFloats));
          }
          for (DType out : outs) {
            for (bool add : {false, true}) {
              if (op == Op::shrink && add) continue;
              OpSpec s;
              s.op = op;
              s.in = in;
              s.w = w;
              s.out = out;
              s.meta = index % 2 == 0 ? DType::i32 : DType::i64;
              s.T = 21;
              s.K = op == Op::shrink ? 67 : 8;
              s.L = 4;
              s.slices = slices_for(op, &s.W);
              s.add = add;
              s.scale = op == Op::shrink ? 0.5f : 1.0f;
              std::string name = std::string(name_of(op)) + "_" + name_of(form) + "_in_" +
                                 dtype_tag(in) + "_w_" + dtype_tag(w) + "_out_" + dtype_tag(out) +
                                 (op == Op::shrink ? ""
                                  : add            ? "_add"
                                                   : "_noadd") +
                                 "_meta_" + dtype_tag(s.meta);
              s.seed = seed_of(name);
              if (form == Form::segments) {
                set_segments(s, Pattern::mixed);
              } else {
                set_tokens(s, 0.2);
              }
              cases.push_back({name, s});
              ++index;
            }
          }
        }
      }
    }
  }
  return cases;
}

class DTypes : public ::testing::TestWithParam<NamedSpec> {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
};

TEST_P(DTypes, MatchesReference) { run_and_check(GetParam().spec); }

INSTANTIATE_TEST_SUITE_P(Conformance, DTypes, ::testing::ValuesIn(dtype_cases()), case_name);

// shrink's scale multiplies the sum; scale 0 still overwrites y (no NaN
// from the poisoned output survives: y is never read).
std::vector<NamedSpec> scale_cases() {
  std::vector<NamedSpec> cases;
  const struct {
    const char* name;
    float value;
  } scales[] = {{"zero", 0.0f},
                {"one", 1.0f},
                {"minus_two", -2.0f},
                {"eighth", 0.125f},
                {"thousand", 1000.0f}};
  for (const auto& sc : scales) {
    for (Form form : {Form::segments, Form::tokens}) {
      OpSpec s = basic_spec(Op::shrink, form, DType::bf16, DType::bf16, DType::f32, 17, 96, 16);
      s.scale = sc.value;
      const std::string name = std::string("shrink_") + name_of(form) + "_scale_" + sc.name;
      s.seed = seed_of(name);
      if (form == Form::segments) {
        set_segments(s, Pattern::many);
      } else {
        set_tokens(s, 0.0);
      }
      cases.push_back({name, s});
    }
  }
  return cases;
}

class Scale : public ::testing::TestWithParam<NamedSpec> {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
};

TEST_P(Scale, MatchesReference) { run_and_check(GetParam().spec); }

INSTANTIATE_TEST_SUITE_P(Conformance, Scale, ::testing::ValuesIn(scale_cases()), case_name);

}  // namespace
}  // namespace sgmv::test
