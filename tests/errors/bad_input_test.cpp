// Every host-visible mistake of SEMANTICS.md's Errors section is rejected
// before any launch with Error(invalid_argument) whose message names the
// argument and the values; outputs and inputs stay bit for bit unchanged, no
// fault is recorded, and the reference rejects the same call.
#include <gtest/gtest.h>

#include <cctype>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "sgmv/reference.hpp"
#include "support/cases.hpp"

namespace sgmv::test {
namespace {

/// Extra tensors a mutation needs, kept alive for the call; views come from
/// device or host memory to match the arguments being edited.
class Extra {
 public:
  explicit Extra(bool device) : device_(device) {}
  TensorView make(DType dt, std::vector<std::int64_t> shape) {
    tensors_.emplace_back(dt, std::move(shape));
    std::mt19937_64 rng(tensors_.size());
    tensors_.back().fill_random(rng);
    tensors_.back().upload();
    return device_ ? tensors_.back().device_view() : tensors_.back().host_view();
  }
  /// A view of `shape` and `stride` over a fresh tensor of `storage` elements.
  TensorView strided(DType dt, std::int64_t storage, std::vector<std::int64_t> shape,
                     std::vector<std::int64_t> stride) {
    TensorView v = make(dt, {storage});
    v.rank = static_cast<int>(shape.size());
    for (std::size_t d = 0; d < shape.size(); ++d) {
      v.shape[d] = shape[d];
      v.stride[d] = stride[d];
    }
    return v;
  }
  TensorView indices(DType dt, const std::vector<std::int64_t>& values) {
    tensors_.push_back(Tensor::indices(dt, values));
    return device_ ? tensors_.back().device_view() : tensors_.back().host_view();
  }

 private:
  bool device_;
  std::deque<Tensor> tensors_;
};

struct BadInput {
  std::string name;
  Op op = Op::shrink;
  Form form = Form::segments;
  std::function<void(OpArgs&, Extra&)> mutate;
  std::vector<std::string> mentions;  ///< words the message must contain
  int num_slices = 0;                 ///< expand_multi: slices in the base call (0: 2)
};
void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

/// The valid call each bad input starts from. Sizes are distinct numbers so
/// a message can be checked for them: T = 5, H = 37, R = 8, N = 24, L = 3.
OpSpec base_spec(Op op, Form form, int num_slices) {
  OpSpec s;
  s.op = op;
  s.form = form;
  s.T = 5;
  s.L = 3;
  s.meta = DType::i32;
  switch (op) {
    case Op::shrink:
      s.in = s.w = DType::bf16;
      s.out = DType::f32;
      s.K = 37;
      s.slices = {SliceSpec{8, 0, {}, {}}};
      break;
    case Op::expand:
      s.in = DType::f32;
      s.w = s.out = DType::bf16;
      s.K = 8;
      s.slices = {SliceSpec{24, 0, {}, {}}};
      break;
    case Op::expand_slice:
      s.in = DType::f32;
      s.w = s.out = DType::bf16;
      s.K = 8;
      s.slices = {SliceSpec{24, 4, {}, {}}};
      s.W = 30;
      break;
    case Op::expand_multi:
      s.in = s.w = DType::bf16;
      s.out = DType::f32;
      s.K = 8;
      if (num_slices == 0) {
        s.slices = {SliceSpec{16, 0, {}, {}}, SliceSpec{8, 20, {}, {}}};
        s.W = 30;
      } else {
        s.slices.clear();
        for (int i = 0; i < num_slices; ++i) s.slices.push_back(SliceSpec{2, 2 * i, {}, {}});
      }
      break;
  }
  if (form == Form::segments) {
    s.segments = consecutive_segments({2, 3}, {0, 2});
  } else {
    s.token_lora = {0, 2, -1, 1, 0};
  }
  s.seed = 1234;
  return s;
}

TensorView& x(OpArgs& a) { return a.slices[0].u; }
TensorView& A(OpArgs& a) { return a.slices[0].B; }

std::vector<BadInput> bad_inputs() {
  using O = Op;
  const DType f32 = DType::f32, f16 = DType::f16, bf16 = DType::bf16, i32 = DType::i32,
              i64 = DType::i64;
  std::vector<BadInput> v;
  // ---- null pointers with non-zero extent ----
  v.push_back({"shrink_null_x",
               O::shrink,
               Form::segments,
               [](OpArgs& a, Extra&) { x(a).data = nullptr; },
               {"x"}});
  v.push_back({"shrink_null_A",
               O::shrink,
               Form::segments,
               [](OpArgs& a, Extra&) { A(a).data = nullptr; },
               {"A"}});
  v.push_back({"shrink_null_y",
               O::shrink,
               Form::segments,
               [](OpArgs& a, Extra&) { a.out.data = nullptr; },
               {"y"}});
  v.push_back({"expand_null_u",
               O::expand,
               Form::segments,
               [](OpArgs& a, Extra&) { a.slices[0].u.data = nullptr; },
               {"u"}});
  v.push_back({"expand_null_B",
               O::expand,
               Form::segments,
               [](OpArgs& a, Extra&) { a.slices[0].B.data = nullptr; },
               {"B"}});
  v.push_back({"expand_null_out",
               O::expand,
               Form::segments,
               [](OpArgs& a, Extra&) { a.out.data = nullptr; },
               {"out"}});
  v.push_back({"shrink_null_seg_start",
               O::shrink,
               Form::segments,
               [](OpArgs& a, Extra&) { a.segments.seg_start.data = nullptr; },
               {"seg_start"}});
  v.push_back({"expand_slice_null_seg_len",
               O::expand_slice,
               Form::segments,
               [](OpArgs& a, Extra&) { a.segments.seg_len.data = nullptr; },
               {"seg_len"}});
  v.push_back({"expand_null_lora_id",
               O::expand,
               Form::segments,
               [](OpArgs& a, Extra&) { a.segments.lora_id.data = nullptr; },
               {"lora_id"}});
  v.push_back({"shrink_null_token_lora",
               O::shrink,
               Form::tokens,
               [](OpArgs& a, Extra&) { a.tokens.token_lora.data = nullptr; },
               {"token_lora"}});
  v.push_back({"multi_null_second_B",
               O::expand_multi,
               Form::segments,
               [](OpArgs& a, Extra&) { a.slices[1].B.data = nullptr; },
               {"B"}});

  // ---- dtypes ----
  v.push_back({"shrink_seg_start_float",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) { a.segments.seg_start = e.make(f32, {2}); },
               {"seg_start", "f32"}});
  v.push_back({"expand_token_lora_float",
               O::expand,
               Form::tokens,
               [=](OpArgs& a, Extra& e) { a.tokens.token_lora = e.make(f16, {5}); },
               {"token_lora", "f16"}});
  v.push_back({"shrink_y_int",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.out = e.strided(i32, 40, {5, 8}, {8, 1});
               },
               {"y", "i32"}});
  v.push_back({"shrink_x_int",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 x(a) = e.strided(i64, 5 * 37, {5, 37}, {37, 1});
               },
               {"x", "i64"}});
  v.push_back({"expand_B_int",
               O::expand,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.slices[0].B = e.strided(i32, 3 * 24 * 8, {3, 24, 8}, {24 * 8, 8, 1});
               },
               {"B", "i32"}});
  v.push_back({"expand_out_int",
               O::expand,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.out = e.strided(i32, 5 * 24, {5, 24}, {24, 1});
               },
               {"out", "i32"}});
  v.push_back({"shrink_y_f16_for_bf16_x",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.out = e.make(f16, {5, 8});
               },
               {"y", "f16", "bf16"}});
  v.push_back({"multi_slice_dtypes_differ",
               O::expand_multi,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.slices[1].u = e.make(f16, {5, 8});
               },
               {"u", "f16", "bf16"}});
  v.push_back({"mixed_metadata_dtypes",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.segments.seg_len = e.indices(i64, {2, 3});
               },
               {"seg_len", "i64", "i32"}});
  v.push_back({"mixed_metadata_dtypes_lora",
               O::expand_multi,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.segments.lora_id = e.indices(i64, {0, 2});
               },
               {"lora_id", "i64", "i32"}});

  // ---- shapes ----
  v.push_back({"shrink_T_of_x_vs_y",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.out = e.make(f32, {7, 8});
               },
               {"x", "y", "5", "7"}});
  v.push_back({"shrink_H_of_x_vs_A",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 A(a) = e.make(bf16, {3, 8, 41});
               },
               {"x", "A", "37", "41"}});
  v.push_back({"shrink_R_of_A_vs_y",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.out = e.make(f32, {5, 9});
               },
               {"A", "y", "8", "9"}});
  v.push_back({"shrink_A_rank4_dim1_not_1",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 A(a) = e.make(bf16, {3, 2, 8, 37});
               },
               {"A"}});
  v.push_back({"shrink_x_rank3",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 x(a) = e.make(bf16, {1, 5, 37});
               },
               {"x"}});
  v.push_back({"expand_T_of_u_vs_out",
               O::expand,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.slices[0].u = e.make(f32, {7, 8});
               },
               {"u", "out", "7", "5"}});
  v.push_back({"expand_R_of_u_vs_B",
               O::expand,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.slices[0].B = e.make(bf16, {3, 24, 12});
               },
               {"u", "B", "8", "12"}});
  v.push_back({"expand_out_narrower_than_N",
               O::expand,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.out = e.make(bf16, {5, 20});
               },
               {"out", "20", "24"}});
  v.push_back({"x_pointer_not_element_aligned",
               O::shrink,
               Form::segments,
               [](OpArgs& a, Extra&) { x(a).data = static_cast<char*>(x(a).data) + 1; },
               {"x", "aligned"}});
  v.push_back({"expand_out_wider_than_N",
               O::expand,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.out = e.make(bf16, {5, 25});
               },
               {"out", "25", "24"}});
  v.push_back({"tokens_length_vs_T",
               O::shrink,
               Form::tokens,
               [=](OpArgs& a, Extra& e) {
                 a.tokens.token_lora = e.indices(i32, {0, 1, 0, 1});
               },
               {"token_lora", "4", "5"}});
  v.push_back({"segment_arrays_of_different_length",
               O::expand,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.segments.seg_len = e.indices(i32, {2, 3, 0});
               },
               {"seg_len", "3", "2"}});
  v.push_back({"multi_R_of_slices_differ",
               O::expand_multi,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.slices[1].u = e.make(bf16, {5, 16});
                 a.slices[1].B = e.make(bf16, {3, 8, 16});
               },
               {"R", "8", "16"}});
  v.push_back({"multi_L_of_slices_differ",
               O::expand_multi,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.slices[1].B = e.make(bf16, {2, 8, 8});
               },
               {"B", "2", "3"}});

  // ---- offsets and slices ----
  v.push_back({"expand_slice_offset_plus_N_past_W",
               O::expand_slice,
               Form::segments,
               [](OpArgs& a, Extra&) { a.slices[0].offset = 10; },
               {"offset", "10", "24", "30"}});
  v.push_back({"expand_slice_negative_offset",
               O::expand_slice,
               Form::tokens,
               [](OpArgs& a, Extra&) { a.slices[0].offset = -1; },
               {"offset", "-1"}});
  v.push_back({"multi_offset_past_W",
               O::expand_multi,
               Form::segments,
               [](OpArgs& a, Extra&) { a.slices[1].offset = 23; },
               {"offset", "23", "8", "30"}});
  v.push_back({"multi_overlapping_columns",
               O::expand_multi,
               Form::segments,
               [](OpArgs& a, Extra&) { a.slices[1].offset = 10; },
               {"slices", "10", "16"}});
  v.push_back({"multi_negative_num_slices",
               O::expand_multi,
               Form::segments,
               [](OpArgs& a, Extra&) { a.num_slices = -1; },
               {"num_slices", "-1"}});
  {
    BadInput b{"multi_too_many_slices",
               O::expand_multi,
               Form::segments,
               [](OpArgs&, Extra&) {},
               {"num_slices", "9", "8"}};
    b.num_slices = kMaxSlices + 1;
    v.push_back(b);
  }

  // ---- negative sizes ----
  v.push_back({"shrink_negative_T",
               O::shrink,
               Form::segments,
               [](OpArgs& a, Extra&) { x(a).shape[0] = -3; },
               {"x", "-3"}});
  v.push_back({"expand_negative_N",
               O::expand_slice,
               Form::segments,
               [](OpArgs& a, Extra&) { a.slices[0].B.shape[1] = -24; },
               {"B", "-24"}});
  v.push_back({"expand_negative_W",
               O::expand_slice,
               Form::tokens,
               [](OpArgs& a, Extra&) { a.out.shape[1] = -30; },
               {"out", "-30"}});

  // ---- layouts ----
  v.push_back({"shrink_x_inner_not_contiguous",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 x(a) = e.strided(bf16, 5 * 74, {5, 37}, {74, 2});
               },
               {"x", "2"}});
  v.push_back({"expand_B_inner_not_contiguous",
               O::expand,
               Form::segments,
               [=](OpArgs& a, Extra& e) {
                 a.slices[0].B = e.strided(bf16, 3 * 24 * 24, {3, 24, 8}, {24 * 24, 24, 3});
               },
               {"B", "3"}});
  v.push_back({"expand_out_inner_not_contiguous",
               O::expand,
               Form::tokens,
               [=](OpArgs& a, Extra& e) {
                 a.out = e.strided(bf16, 5 * 48, {5, 24}, {48, 2});
               },
               {"out", "2"}});
  v.push_back({"shrink_y_rows_overlap",
               O::shrink,
               Form::segments,
               [](OpArgs& a, Extra&) { a.out.stride[0] = 4; },
               {"y", "4", "8"}});
  v.push_back({"shrink_x_and_y_overlap",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra&) {
                 a.out.data = x(a).data;  // y aliases x's first rows
               },
               {"x", "y"}});
  v.push_back({"shrink_y_overlaps_x_partly",
               O::shrink,
               Form::tokens,
               [=](OpArgs& a, Extra&) {
                 a.out.data = static_cast<unsigned char*>(x(a).data) + 2 * 37 * 2;  // from row 2
               },
               {"x", "y"}});
  v.push_back({"expand_out_overlaps_u",
               O::expand_multi,
               Form::segments,
               [=](OpArgs& a, Extra&) { a.out.data = a.slices[1].u.data; },
               {"u", "out"}});
  v.push_back({"shrink_y_overlaps_metadata",
               O::shrink,
               Form::segments,
               [=](OpArgs& a, Extra&) { a.segments.lora_id.data = a.out.data; },
               {"lora_id", "y"}});
  return v;
}

/// True when `word` occurs in `text` not inside a longer identifier or number.
bool mentions(const std::string& text, const std::string& word) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool left = at == 0 || !is_word(text[at - 1]);
    const std::size_t end = at + word.size();
    const bool right = end == text.size() || !is_word(text[end]);
    if (left && right) return true;
  }
  return false;
}

/// Calls the reference with host arguments (the same checks, no device).
void call_reference(const OpCase& c, const OpArgs& h) {
  // Sized for the (possibly edited) output, so only argument checks can reject.
  const bool sized = h.out.rank == 2 && h.out.shape[0] >= 0 && h.out.shape[1] >= 0;
  std::vector<double> result(sized ? static_cast<std::size_t>(h.out.shape[0] * h.out.shape[1]) : 0,
                             0.0);
  run_reference(c.spec().op, c.spec().form, h, result);
}

class BadInputs : public ::testing::TestWithParam<BadInput> {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
};

TEST_P(BadInputs, RejectedBeforeAnyLaunch) {
  const BadInput& b = GetParam();
  const OpCase c(base_spec(b.op, b.form, b.num_slices));
  Context ctx;
  // The unmodified call is valid (so the error comes from the mutation).
  if (b.num_slices <= kMaxSlices) {
    OpArgs good = c.device_args();
    SGMV_SKIP_IF_UNSUPPORTED(c.launch(ctx, good));
    ctx.synchronize();
    c.reset_output();
  }

  Extra dev_extra(true), host_extra(false);
  OpArgs dev = c.device_args();
  b.mutate(dev, dev_extra);
  const std::uint32_t status_before = ctx.read_status();
  try {
    c.launch(ctx, dev);
    ctx.synchronize();
    ADD_FAILURE() << "accepted: " << b.name;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument)
        << "code " << name_of(e.code()) << ": " << e.what();
    for (const std::string& word : b.mentions) {
      EXPECT_TRUE(mentions(e.what(), word))
          << "the message does not name '" << word << "': " << e.what();
    }
  }
  EXPECT_TRUE(c.check_unchanged()) << "a rejected call wrote its output";
  EXPECT_TRUE(c.check_inputs_unchanged()) << "a rejected call wrote an input";
  EXPECT_EQ(ctx.read_status(), status_before);

  // The reference validates exactly as the op does.
  OpArgs host = c.host_args();
  b.mutate(host, host_extra);
  try {
    call_reference(c, host);
    ADD_FAILURE() << "the reference accepted: " << b.name;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Errors, BadInputs, ::testing::ValuesIn(bad_inputs()),
                         [](const ::testing::TestParamInfo<BadInput>& param) {
                           return param.param.name;
                         });

// ---- devices ----

TEST(BadDevice, ContextOnAMissingDeviceIsInvalid) {
  SGMV_REQUIRE_DEVICE();
  const int count = sgmv::device_count();
  for (int d : {-1, count, count + 7}) {
    try {
      Context ctx(d);
      ADD_FAILURE() << "Context(" << d << ") was accepted with " << count << " device(s)";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
      EXPECT_TRUE(mentions(e.what(), "device")) << e.what();
      EXPECT_TRUE(mentions(e.what(), std::to_string(d))) << e.what();
    }
  }
}

TEST(BadDevice, MemoryHelpersOnAMissingDevice) {
  SGMV_REQUIRE_DEVICE();
  const int missing = sgmv::device_count() + 3;
  try {
    void* p = sgmv::device_alloc(64, missing);
    sgmv::device_free(p, missing);
    ADD_FAILURE() << "device_alloc on missing device " << missing << " succeeded";
  } catch (const Error& e) {
    EXPECT_TRUE(e.code() == ErrorCode::invalid_argument || e.code() == ErrorCode::no_device)
        << name_of(e.code()) << ": " << e.what();
  }
}

TEST(NoDevice, BackendWithoutDevicesSaysSo) {
  if (sgmv::device_count() > 0) {
    GTEST_SKIP() << "the " << sgmv::backend_name() << " backend sees " << sgmv::device_count()
                 << " device(s); this checks the zero-device answer";
  }
  try {
    Context ctx(0);
    ADD_FAILURE() << "a Context without devices";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::no_device) << e.what();
  }
}

}  // namespace
}  // namespace sgmv::test
