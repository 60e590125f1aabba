// Batch layouts: segments of 0, 1 and many rows, unsorted, with gaps, with
// adapter -1, starting mid-batch, bounded by max_seg_len; per-token batches
// with and without -1; int32 and int64 metadata; every op.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

constexpr Pattern kPatterns[] = {
    Pattern::single,     Pattern::one_token, Pattern::with_empty,  Pattern::many,
    Pattern::unsorted,   Pattern::gaps,      Pattern::no_adapter,  Pattern::all_no_adapter,
    Pattern::late_start, Pattern::bounded,   Pattern::bound_exact, Pattern::bound_above,
    Pattern::halves,     Pattern::mixed,
};

/// A spec of `op` at this file's sizes: f16 for shrink, bf16 for the expands.
OpSpec spec_for(Op op, std::int64_t T, DType meta) {
  OpSpec s;
  s.op = op;
  s.T = T;
  s.L = 3;
  s.meta = meta;
  if (op == Op::shrink) {
    s.in = s.w = s.out = DType::f16;
    s.K = 40;
    s.slices = {SliceSpec{8, 0, {}, {}}};
  } else {
    s.in = DType::f32;
    s.w = s.out = DType::bf16;
    s.K = 8;
    s.add = meta == DType::i64;
    if (op == Op::expand_multi) {
      s.slices = {SliceSpec{16, 0, {}, {}}, SliceSpec{8, 20, {}, {}}};
    } else {
      s.slices = {SliceSpec{24, op == Op::expand_slice ? 5 : 0, {}, {}}};
      if (op == Op::expand_slice) s.W = 33;
    }
  }
  return s;
}

std::vector<NamedSpec> pattern_cases() {
  std::vector<NamedSpec> cases;
  for (Op op : {Op::shrink, Op::expand, Op::expand_slice, Op::expand_multi}) {
    for (DType meta : {DType::i32, DType::i64}) {
      for (Pattern p : kPatterns) {
        OpSpec s = spec_for(op, 40, meta);
        const std::string name =
            std::string(name_of(op)) + "_" + name_of(p) + "_meta_" + dtype_tag(meta);
        s.seed = seed_of(name);
        set_segments(s, p);
        cases.push_back({name, s});
      }
      // Long batches: the kernels must loop over many row blocks.
      for (Pattern p : {Pattern::single, Pattern::halves, Pattern::mixed}) {
        OpSpec s = spec_for(op, 300, meta);
        const std::string name =
            std::string(name_of(op)) + "_long_" + name_of(p) + "_meta_" + dtype_tag(meta);
        s.seed = seed_of(name);
        set_segments(s, p);
        cases.push_back({name, s});
      }
      struct TokenPattern {
        const char* name;
        std::int64_t T;
        double no_adapter;
      };
      const TokenPattern tokens[] = {{"tokens_all", 33, 0.0},
                                     {"tokens_some_none", 33, 0.3},
                                     {"tokens_all_none", 33, 1.0},
                                     {"tokens_single", 1, 0.0},
                                     {"tokens_long", 300, 0.1}};
      for (const TokenPattern& tp : tokens) {
        OpSpec s = spec_for(op, tp.T, meta);
        const std::string name =
            std::string(name_of(op)) + "_" + tp.name + "_meta_" + dtype_tag(meta);
        s.seed = seed_of(name);
        set_tokens(s, tp.no_adapter);
        cases.push_back({name, s});
      }
    }
  }
  return cases;
}

class Patterns : public ::testing::TestWithParam<NamedSpec> {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
};

TEST_P(Patterns, MatchesReference) { run_and_check(GetParam().spec); }

INSTANTIATE_TEST_SUITE_P(Conformance, Patterns, ::testing::ValuesIn(pattern_cases()), case_name);

}  // namespace
}  // namespace sgmv::test
