// Every rank with every hidden size: ranks 1, 3, 8, 16, 64, 128, 256 against
// hidden sizes 4096, odd 4097 and tensor-parallel splits (4096/2, 4096/8,
// 11008/4), for shrink and expand; per-token form at the extremes; fused
// QKV and gate-up slices at tensor-parallel widths; decode batches of many
// single-token rows. Outputs are f32 so a dropped tail element shows well
// above the tolerance, except in the prefill-shaped expands of the serving
// dtypes (f16 / bf16 throughout), which the H100 runs on other kernels.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

constexpr std::int64_t kRanks[] = {1, 3, 8, 16, 64, 128, 256};
constexpr std::int64_t kHidden[] = {4096, 4097, 4096 / 2, 4096 / 8, 11008 / 4};

std::vector<NamedSpec> rank_hidden_cases() {
  std::vector<NamedSpec> cases;
  int index = 0;
  for (std::int64_t R : kRanks) {
    for (std::int64_t H : kHidden) {
      const DType act = index % 2 == 0 ? DType::f16 : DType::bf16;
      {
        OpSpec s = basic_spec(Op::shrink, Form::segments, act, act, DType::f32, 9, H, R);
        s.meta = index % 3 == 0 ? DType::i64 : DType::i32;
        const std::string name =
            "shrink_R" + std::to_string(R) + "_H" + std::to_string(H) + "_" + dtype_tag(act);
        s.seed = seed_of(name);
        s.segments = consecutive_segments({4, 1, 4}, {1, 0, 2});
        cases.push_back({name, s});
      }
      {
        // expand: u is the f32 shrink output, B in the activation dtype.
        OpSpec s = basic_spec(Op::expand, Form::segments, DType::f32, act, DType::f32, 9, R, H);
        s.add = index % 2 == 1;
        s.meta = index % 3 == 1 ? DType::i64 : DType::i32;
        const std::string name = "expand_R" + std::to_string(R) + "_N" + std::to_string(H) + "_" +
                                 dtype_tag(act) + (s.add ? "_add" : "");
        s.seed = seed_of(name);
        s.segments = consecutive_segments({4, 1, 4}, {1, 0, 2});
        cases.push_back({name, s});
      }
      ++index;
    }
  }
  return cases;
}

std::vector<NamedSpec> token_cases() {
  std::vector<NamedSpec> cases;
  for (std::int64_t R : {1, 16, 256}) {
    for (std::int64_t H : {4096, 4097}) {
      {
        OpSpec s =
            basic_spec(Op::shrink, Form::tokens, DType::bf16, DType::bf16, DType::bf16, 7, H, R);
        const std::string name = "shrink_tokens_R" + std::to_string(R) + "_H" + std::to_string(H);
        s.seed = seed_of(name);
        set_tokens(s, 0.25);
        cases.push_back({name, s});
      }
      {
        OpSpec s =
            basic_spec(Op::expand, Form::tokens, DType::bf16, DType::bf16, DType::f32, 7, R, H);
        s.add = true;
        const std::string name = "expand_tokens_R" + std::to_string(R) + "_N" + std::to_string(H);
        s.seed = seed_of(name);
        set_tokens(s, 0.25);
        cases.push_back({name, s});
      }
    }
  }
  return cases;
}

std::vector<NamedSpec> fused_cases() {
  std::vector<NamedSpec> cases;
  struct Fused {
    const char* name;
    std::int64_t R;
    std::vector<std::int64_t> widths;
  };
  const Fused fused[] = {
      {"qkv_4096_1024_1024_R16", 16, {4096, 1024, 1024}},
      {"qkv_tp8_512_128_128_R64", 64, {512, 128, 128}},
      {"gate_up_tp4_2752_2752_R16", 16, {2752, 2752}},
      {"gate_up_tp4_2752_2752_R128", 128, {2752, 2752}},
  };
  for (const Fused& f : fused) {
    for (Form form : {Form::segments, Form::tokens}) {
      OpSpec s;
      s.op = Op::expand_multi;
      s.in = DType::bf16;
      s.w = DType::bf16;
      s.out = DType::f32;
      s.T = 6;
      s.K = f.R;
      s.add = true;
      s.slices.clear();
      std::int64_t offset = 0;
      for (std::int64_t n : f.widths) {
        s.slices.push_back(SliceSpec{n, offset, {}, {}});
        offset += n;
      }
      const std::string name = std::string(f.name) + "_" + name_of(form);
      s.seed = seed_of(name);
      if (form == Form::segments) {
        s.segments = consecutive_segments({3, 3}, {2, 0});
      } else {
        set_tokens(s, 0.2);
      }
      cases.push_back({name, s});
    }
  }
  return cases;
}

// Decode batches: one token per row, many rows, many adapters (PERFORMANCE.md's
// decode workloads are 256 tokens over 32 adapters, H = 4096).
std::vector<NamedSpec> decode_cases() {
  std::vector<NamedSpec> cases;
  for (std::int64_t T : {64, 255, 256, 257, 300, 1000}) {
    const std::int64_t H = T == 256 ? 4096 : 512;
    for (DType dt : {DType::f16, DType::bf16}) {
      {
        OpSpec s = basic_spec(Op::shrink, Form::tokens, dt, dt, dt, T, H, 16);
        s.L = 32;
        const std::string name =
            "shrink_T" + std::to_string(T) + "_H" + std::to_string(H) + "_" + dtype_tag(dt);
        s.seed = seed_of(name);
        set_tokens(s, 0.1);
        cases.push_back({name, s});
      }
      {
        OpSpec s = basic_spec(Op::expand, Form::tokens, DType::f32, dt, dt, T, 16, H);
        s.L = 32;
        s.add = true;
        const std::string name =
            "expand_T" + std::to_string(T) + "_N" + std::to_string(H) + "_" + dtype_tag(dt);
        s.seed = seed_of(name);
        set_tokens(s, 0.1);
        cases.push_back({name, s});
      }
    }
  }
  // A third of the tokens on adapter 0, the rest spread: blocks whose token
  // range takes several scan passes carry an unfinished tile from one pass
  // to the next (metadata.cuh), with and without whole tiles before it.
  for (Op op : {Op::shrink, Op::expand}) {
    const bool shrink = op == Op::shrink;
    OpSpec s = basic_spec(op, Form::tokens, DType::bf16, DType::bf16, DType::bf16, 1000,
                          shrink ? 512 : 16, shrink ? 16 : 512);
    s.L = 32;
    const std::string name = std::string(shrink ? "shrink" : "expand") + "_T1000_skewed";
    s.seed = seed_of(name);
    set_skewed_tokens(s);
    cases.push_back({name, s});
  }
  return cases;
}

// Prefill-shaped expands in the serving dtypes (u, B and the output all f16
// or bf16): the ranks 32, 48 and 64 that H100-class devices serve with the
// wgmma expand, with and without add, segments whose lengths leave partial
// 64-row tiles, N with a tail inside the last 8 columns, and one output with
// an odd row stride (no 16-byte stores).
std::vector<NamedSpec> prefill_cases() {
  std::vector<NamedSpec> cases;
  for (std::int64_t R : {32, 48, 64}) {
    for (DType dt : {DType::f16, DType::bf16}) {
      for (bool add : {false, true}) {
        const std::int64_t N = add ? 4097 : 4096;
        OpSpec s = basic_spec(Op::expand, Form::segments, dt, dt, dt, 300, R, N);
        s.L = 4;
        s.add = add;
        s.segments = consecutive_segments({130, 37, 1, 90}, {2, 0, 3, 1}, 20);
        s.segments.max_seg_len = 130;
        if (R == 48) s.out_layout = Layout{3, 0};  // odd row stride
        const std::string name = "prefill_expand_R" + std::to_string(R) + "_N" + std::to_string(N) +
                                 "_" + dtype_tag(dt) + (add ? "_add" : "") +
                                 (R == 48 ? "_odd_stride" : "");
        s.seed = seed_of(name);
        cases.push_back({name, s});
      }
    }
  }
  return cases;
}

class Shapes : public ::testing::TestWithParam<NamedSpec> {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
};

TEST_P(Shapes, MatchesReference) { run_and_check(GetParam().spec); }

INSTANTIATE_TEST_SUITE_P(RankByHidden, Shapes, ::testing::ValuesIn(rank_hidden_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(PerToken, Shapes, ::testing::ValuesIn(token_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Decode, Shapes, ::testing::ValuesIn(decode_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Fused, Shapes, ::testing::ValuesIn(fused_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Prefill, Shapes, ::testing::ValuesIn(prefill_cases()), case_name);

}  // namespace
}  // namespace sgmv::test
