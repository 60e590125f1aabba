#include "support/cases.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace sgmv::test {

const char* name_of(Pattern p) {
  switch (p) {
    case Pattern::mixed:
      return "mixed";
    case Pattern::single:
      return "single";
    case Pattern::one_token:
      return "one_token";
    case Pattern::with_empty:
      return "with_empty";
    case Pattern::many:
      return "many";
    case Pattern::unsorted:
      return "unsorted";
    case Pattern::gaps:
      return "gaps";
    case Pattern::no_adapter:
      return "no_adapter";
    case Pattern::all_no_adapter:
      return "all_no_adapter";
    case Pattern::late_start:
      return "late_start";
    case Pattern::bounded:
      return "bounded";
    case Pattern::bound_exact:
      return "bound_exact";
    case Pattern::bound_above:
      return "bound_above";
    case Pattern::halves:
      return "halves";
  }
  return "?";
}

void set_segments(OpSpec& spec, Pattern pattern) {
  spec.form = Form::segments;
  std::mt19937_64 rng(spec.seed ^ 0x5e65u);
  const std::int64_t T = spec.T, L = spec.L;
  SegmentShape shape;
  Segments s;
  switch (pattern) {
    case Pattern::mixed:
      shape.min_len = 0;
      shape.max_len = 7;
      shape.max_gap = 2;
      shape.empty_fraction = 0.15;
      shape.no_adapter_fraction = 0.2;
      shape.shuffle = true;
      s = random_segments(T, L, rng, shape);
      break;
    case Pattern::single:
      s = consecutive_segments({T}, {L - 1});
      break;
    case Pattern::one_token:
      shape.min_len = shape.max_len = 1;
      s = random_segments(T, L, rng, shape);
      break;
    case Pattern::with_empty:
      shape.min_len = 0;
      shape.max_len = 5;
      shape.empty_fraction = 0.5;
      s = random_segments(T, L, rng, shape);
      s.add(0, 0, 0);  // an empty segment at row 0
      s.add(T, 0, 0);  // and one at the end (start == T, length 0: valid)
      break;
    case Pattern::many:
      shape.max_len = 6;
      s = random_segments(T, L, rng, shape);
      break;
    case Pattern::unsorted:
      shape.max_len = 6;
      shape.shuffle = true;
      s = random_segments(T, L, rng, shape);
      break;
    case Pattern::gaps:
      shape.max_len = 5;
      shape.max_gap = 4;
      s = random_segments(T, L, rng, shape);
      break;
    case Pattern::no_adapter:
      shape.max_len = 6;
      shape.no_adapter_fraction = 0.4;
      s = random_segments(T, L, rng, shape);
      break;
    case Pattern::all_no_adapter:
      shape.max_len = 6;
      shape.no_adapter_fraction = 1.0;
      s = random_segments(T, L, rng, shape);
      break;
    case Pattern::late_start:
      s = consecutive_segments({T - T / 2 - 1}, {0}, T / 2);
      break;
    case Pattern::bounded:
      shape.min_len = 1;
      shape.max_len = 12;
      s = random_segments(T, L, rng, shape);
      s.max_seg_len = 5;
      break;
    case Pattern::bound_exact: {
      shape.max_len = 9;
      s = random_segments(T, L, rng, shape);
      s.max_seg_len = *std::max_element(s.len.begin(), s.len.end());
      break;
    }
    case Pattern::bound_above:
      shape.max_len = 9;
      s = random_segments(T, L, rng, shape);
      s.max_seg_len = T + 10;
      break;
    case Pattern::halves:
      s = consecutive_segments({T / 2, T - T / 2}, {1, 0});
      break;
  }
  spec.segments = s;
  spec.token_lora.clear();
}

void set_tokens(OpSpec& spec, double no_adapter_share) {
  spec.form = Form::tokens;
  std::mt19937_64 rng(spec.seed ^ 0x70c5u);
  spec.token_lora = random_token_lora(spec.T, spec.L, rng, no_adapter_share);
  spec.segments = Segments{};
}

void set_skewed_tokens(OpSpec& spec) {
  set_tokens(spec, 0.1);
  for (std::size_t t = 0; t < spec.token_lora.size(); t += 3) spec.token_lora[t] = 0;
}

OpSpec basic_spec(Op op, Form form, DType in, DType w, DType out, std::int64_t T, std::int64_t K,
                  std::int64_t n, std::int64_t offset) {
  OpSpec s;
  s.op = op;
  s.form = form;
  s.in = in;
  s.w = w;
  s.out = out;
  s.T = T;
  s.K = K;
  s.slices = {SliceSpec{n, offset, {}, {}}};
  return s;
}

void run_and_check(const OpSpec& spec) {
  Context ctx(spec.device);
  const OpCase c(spec);
  std::uint32_t ref_status = 0;
  const std::vector<double> expected = c.reference(&ref_status);
  const std::uint32_t want_status = spec.form == Form::segments
                                        ? expected_status(spec.T, spec.L, spec.segments)
                                        : expected_status(spec.T, spec.L, spec.token_lora);
  EXPECT_EQ(ref_status, want_status) << "status bits of the reference";
  SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
  EXPECT_EQ(ctx.read_status(), want_status) << "device status word";
  const ::testing::AssertionResult result = c.check(expected);
  EXPECT_TRUE(result) << "dispatch: " << c.dispatch();
  EXPECT_TRUE(c.check_inputs_unchanged());
  if (result && std::getenv("SGMV_TEST_VERBOSE") != nullptr) {
    std::cout << "[ CHECKED  ] " << result.message() << "\n";
  }
}

}  // namespace sgmv::test
