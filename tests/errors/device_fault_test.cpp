// Bad device-resident metadata: segments reaching outside [0, T), negative
// lengths, adapter ids outside [-1, L). The call succeeds, bad segments are
// skipped (their rows untouched), good ones computed; the status word records
// the fault until clear_status(). Strict mode throws Error(device_fault)
// before writing anything.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

struct Fault {
  std::string name;
  Op op = Op::shrink;
  Form form = Form::segments;
  Segments segments;                     ///< good and bad segments (T = 24, L = 3)
  std::vector<std::int64_t> token_lora;  ///< per-token form
  DType meta = DType::i32;
  std::uint32_t status = 0;  ///< StatusBits expected
};
void PrintTo(const Fault& f, std::ostream* os) { *os << f.name; }

constexpr std::int64_t kT = 24, kL = 3;

OpSpec spec_of(const Fault& f) {
  OpSpec s;
  s.op = f.op;
  s.form = f.form;
  s.T = kT;
  s.L = kL;
  s.meta = f.meta;
  s.in = DType::f16;
  s.w = DType::f16;
  s.out = DType::f32;
  if (f.op == Op::shrink) {
    s.K = 48;
    s.slices = {SliceSpec{8, 0, {}, {}}};
  } else if (f.op == Op::expand_multi) {
    s.K = 8;
    s.slices = {SliceSpec{16, 0, {}, {}}, SliceSpec{8, 16, {}, {}}};
    s.add = true;
  } else {
    s.K = 8;
    s.slices = {SliceSpec{24, 0, {}, {}}};
    s.add = true;
  }
  s.segments = f.segments;
  s.token_lora = f.token_lora;
  s.seed = seed_of(f.name);
  return s;
}

/// Good segments around one bad one, so a skipped bad segment cannot hide a
/// skipped good one.
Segments around(std::int64_t start, std::int64_t len, std::int64_t lora) {
  Segments s;
  s.add(0, 4, 0);
  s.add(4, 3, 2);
  s.add(start, len, lora);
  s.add(16, 5, 1);
  return s;
}

std::vector<Fault> faults() {
  struct Bad {
    const char* name;
    std::int64_t start, len, lora;
    std::uint32_t status;
  };
  const Bad bad[] = {
      {"start_negative", -2, 3, 1, status_bad_segment},
      {"start_far_negative", -1000000, 2, 1, status_bad_segment},
      {"end_past_T", 20, 5, 1, status_bad_segment},
      {"start_at_T", kT, 1, 1, status_bad_segment},
      {"start_past_T", kT + 100, 2, 1, status_bad_segment},
      {"length_negative", 8, -3, 1, status_bad_segment},
      {"length_huge", 8, std::int64_t{1} << 40, 1, status_bad_segment},
      {"adapter_L", 8, 4, kL, status_bad_adapter},
      {"adapter_huge", 8, 4, 1000000, status_bad_adapter},
      {"adapter_minus_2", 8, 4, -2, status_bad_adapter},
  };
  std::vector<Fault> v;
  for (Op op : {Op::shrink, Op::expand, Op::expand_multi}) {
    for (DType meta : {DType::i32, DType::i64}) {
      for (const Bad& b : bad) {
        if (meta == DType::i32 && b.len > INT32_MAX) continue;  // does not fit the metadata
        Fault f;
        f.name = std::string(name_of(op)) + "_" + b.name + "_meta_" + dtype_tag(meta);
        f.op = op;
        f.meta = meta;
        f.segments = around(b.start, b.len, b.lora);
        f.status = b.status;
        v.push_back(f);
      }
      {
        Fault f;  // both kinds in one batch (in different segments)
        f.name = std::string(name_of(op)) + "_segment_and_adapter_meta_" + dtype_tag(meta);
        f.op = op;
        f.meta = meta;
        f.segments = around(-5, 2, 1);
        f.segments.add(8, 2, 7);
        f.status = status_bad_segment | status_bad_adapter;
        v.push_back(f);
      }
      {
        Fault f;
        f.name = std::string(name_of(op)) + "_tokens_bad_adapters_meta_" + dtype_tag(meta);
        f.op = op;
        f.form = Form::tokens;
        f.meta = meta;
        f.token_lora.assign(kT, 1);
        f.token_lora[3] = kL;
        f.token_lora[4] = -1;  // fine
        f.token_lora[9] = -7;
        f.token_lora[23] = 99;
        f.status = status_bad_adapter;
        v.push_back(f);
      }
    }
  }
  return v;
}

class DeviceFaults : public ::testing::TestWithParam<Fault> {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
};

TEST_P(DeviceFaults, SkippedAndRecorded) {
  const Fault& f = GetParam();
  const OpSpec spec = spec_of(f);
  const std::uint32_t want = f.form == Form::segments ? expected_status(kT, kL, f.segments)
                                                      : expected_status(kT, kL, f.token_lora);
  ASSERT_EQ(want, f.status) << "test table and helper disagree";
  const OpCase c(spec);
  std::uint32_t ref_status = 0;
  const std::vector<double> expected = c.reference(&ref_status);
  EXPECT_EQ(ref_status, f.status) << "status the reference reports";

  Context ctx;
  EXPECT_EQ(ctx.read_status(), 0u) << "a fresh Context starts clean";
  SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
  EXPECT_EQ(ctx.read_status(), f.status);
  EXPECT_TRUE(c.check(expected)) << "good segments computed, bad ones untouched";
  EXPECT_TRUE(c.check_inputs_unchanged());

  // The word stays set across later good calls until cleared.
  OpSpec good = spec;
  good.segments = consecutive_segments({5, 5}, {0, 1});
  good.token_lora.assign(kT, 0);
  const OpCase g(good);
  g.launch(ctx);
  EXPECT_EQ(ctx.read_status(), f.status) << "a later good call must not clear the fault";
  EXPECT_TRUE(g.check(g.reference()));
  ctx.clear_status();
  EXPECT_EQ(ctx.read_status(), 0u) << "clear_status()";
  g.reset_output();
  g.launch(ctx);
  EXPECT_EQ(ctx.read_status(), 0u);

  // Another Context has its own word.
  Context other;
  c.reset_output();
  c.launch(other);
  EXPECT_EQ(other.read_status(), f.status);
  EXPECT_EQ(ctx.read_status(), 0u) << "a fault of one Context showed in another";
}

TEST_P(DeviceFaults, StrictModeThrowsAndWritesNothing) {
  const Fault& f = GetParam();
  const OpCase c(spec_of(f));
  Context ctx;
  ctx.set_strict(true);
  EXPECT_TRUE(ctx.strict());
  try {
    c.launch(ctx);
    ctx.synchronize();
    ADD_FAILURE() << "strict mode accepted bad metadata";
  } catch (const Error& e) {
    if (e.code() == ErrorCode::unsupported) GTEST_SKIP() << e.what();
    EXPECT_EQ(e.code(), ErrorCode::device_fault) << name_of(e.code()) << ": " << e.what();
    EXPECT_FALSE(std::string(e.what()).empty());
  }
  EXPECT_TRUE(c.check_unchanged()) << "strict mode wrote before rejecting";
  EXPECT_EQ(ctx.read_status(), 0u) << "strict mode rejects before any kernel runs";
}

INSTANTIATE_TEST_SUITE_P(Errors, DeviceFaults, ::testing::ValuesIn(faults()),
                         [](const ::testing::TestParamInfo<Fault>& param) {
                           return param.param.name;
                         });

TEST(StrictMode, GoodMetadataComputesNormally) {
  SGMV_REQUIRE_DEVICE();
  for (Form form : {Form::segments, Form::tokens}) {
    OpSpec s = basic_spec(Op::expand_multi, form, DType::bf16, DType::bf16, DType::f32, 30, 8, 16);
    s.slices.push_back(SliceSpec{8, 20, {}, {}});
    s.add = true;
    s.seed = 77;
    if (form == Form::segments) {
      set_segments(s, Pattern::mixed);  // includes empty segments and a start == T one
      s.segments.add(s.T, 0, 0);
    } else {
      set_tokens(s, 0.3);
    }
    const OpCase c(s);
    Context ctx;
    ctx.set_strict(true);
    SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx));
    EXPECT_TRUE(c.check(c.reference())) << name_of(form);
    EXPECT_EQ(ctx.read_status(), 0u);
  }
}

TEST(StrictMode, OffByDefault) {
  SGMV_REQUIRE_DEVICE();
  Context ctx;
  EXPECT_FALSE(ctx.strict());
}

}  // namespace
}  // namespace sgmv::test
