// Memory layouts: pointers aligned only to their element size (the base
// pointer moved by one element), odd and wide row strides, weights as
// [L, 1, n, K], interleaved slice inputs. Sizes are multiples of 16 bytes so
// the layout alone decides whether a call is aligned.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

constexpr Layout kMisaligned{0, 1};
constexpr Layout kOddStride{1, 0};
constexpr Layout kWideStride{64, 0};
constexpr Layout kBoth{3, 1};

struct LayoutEdit {
  const char* name;
  std::function<void(OpSpec&)> edit;
};

std::vector<NamedSpec> layout_cases() {
  std::vector<NamedSpec> cases;
  const std::vector<LayoutEdit> shrink_edits = {
      {"aligned", [](OpSpec&) {}},
      {"x_misaligned", [](OpSpec& s) { s.slices[0].in_layout = kMisaligned; }},
      {"A_misaligned", [](OpSpec& s) { s.slices[0].w_layout = kMisaligned; }},
      {"y_misaligned", [](OpSpec& s) { s.out_layout = kMisaligned; }},
      {"x_odd_stride", [](OpSpec& s) { s.slices[0].in_layout = kOddStride; }},
      {"x_wide_stride", [](OpSpec& s) { s.slices[0].in_layout = kWideStride; }},
      {"A_odd_stride", [](OpSpec& s) { s.slices[0].w_layout = kOddStride; }},
      {"y_odd_stride", [](OpSpec& s) { s.out_layout = kOddStride; }},
      {"all_misaligned_odd",
       [](OpSpec& s) { s.slices[0].in_layout = s.slices[0].w_layout = s.out_layout = kBoth; }},
      {"A_rank4", [](OpSpec& s) { s.w_rank4 = true; }},
      {"A_rank4_misaligned",
       [](OpSpec& s) {
         s.w_rank4 = true;
         s.slices[0].w_layout = kBoth;
       }},
  };
  const std::vector<LayoutEdit> expand_edits = {
      {"aligned", [](OpSpec&) {}},
      {"u_misaligned", [](OpSpec& s) { s.slices[0].in_layout = kMisaligned; }},
      {"B_misaligned", [](OpSpec& s) { s.slices[0].w_layout = kMisaligned; }},
      {"out_misaligned", [](OpSpec& s) { s.out_layout = kMisaligned; }},
      {"u_odd_stride", [](OpSpec& s) { s.slices[0].in_layout = kOddStride; }},
      {"B_odd_stride", [](OpSpec& s) { s.slices[0].w_layout = kOddStride; }},
      {"out_odd_stride", [](OpSpec& s) { s.out_layout = kOddStride; }},
      {"out_wide_stride", [](OpSpec& s) { s.out_layout = kWideStride; }},
      {"all_misaligned_odd",
       [](OpSpec& s) { s.slices[0].in_layout = s.slices[0].w_layout = s.out_layout = kBoth; }},
      {"B_rank4", [](OpSpec& s) { s.w_rank4 = true; }},
  };
  for (DType dt : {DType::f16, DType::bf16, DType::f32}) {
    for (Form form : {Form::segments, Form::tokens}) {
      for (const LayoutEdit& e : shrink_edits) {
        // Per-token form: only the layouts that matter most, to keep the suite short.
        if (form == Form::tokens && std::string(e.name) != "all_misaligned_odd" &&
            std::string(e.name) != "aligned") {
          continue;
        }
        OpSpec s = basic_spec(Op::shrink, form, dt, dt, dt, 20, 128, 16);
        e.edit(s);
        const std::string name =
            std::string("shrink_") + name_of(form) + "_" + e.name + "_" + dtype_tag(dt);
        s.seed = seed_of(name);
        if (form == Form::segments) {
          set_segments(s, Pattern::mixed);
        } else {
          set_tokens(s, 0.2);
        }
        cases.push_back({name, s});
      }
      for (const LayoutEdit& e : expand_edits) {
        if (form == Form::tokens && std::string(e.name) != "all_misaligned_odd" &&
            std::string(e.name) != "aligned") {
          continue;
        }
        OpSpec s = basic_spec(Op::expand, form, dt, dt, dt, 20, 16, 64);
        s.add = true;
        e.edit(s);
        const std::string name =
            std::string("expand_") + name_of(form) + "_" + e.name + "_" + dtype_tag(dt);
        s.seed = seed_of(name);
        if (form == Form::segments) {
          set_segments(s, Pattern::mixed);
        } else {
          set_tokens(s, 0.2);
        }
        cases.push_back({name, s});
      }
    }
    {
      // A slice at an odd column of an odd-strided, misaligned output.
      OpSpec s = basic_spec(Op::expand_slice, Form::segments, dt, dt, dt, 20, 16, 61, 3);
      s.W = 70;
      s.out_layout = kBoth;
      s.add = true;
      const std::string name = std::string("expand_slice_odd_offset_misaligned_") + dtype_tag(dt);
      s.seed = seed_of(name);
      set_segments(s, Pattern::mixed);
      cases.push_back({name, s});
    }
    {
      // Fused QKV whose u slices interleave in one [T, 3R] buffer, as a
      // [3 * R]-wide shrink output would hold them.
      OpSpec s = basic_spec(Op::expand_multi, Form::segments, dt, dt, dt, 20, 16, 32);
      s.slices = {SliceSpec{32, 0, {32, 0}, {}}, SliceSpec{16, 32, {32, 16}, {}},
                  SliceSpec{16, 48, {32, 32}, {}}};
      const std::string name = std::string("expand_multi_interleaved_u_") + dtype_tag(dt);
      s.seed = seed_of(name);
      set_segments(s, Pattern::mixed);
      cases.push_back({name, s});
    }
    {
      OpSpec s = basic_spec(Op::expand_multi, Form::tokens, dt, dt, dt, 20, 16, 32);
      s.slices = {SliceSpec{31, 1, kMisaligned, kBoth}, SliceSpec{15, 33, kOddStride, kMisaligned}};
      s.W = 50;
      s.out_layout = kOddStride;
      s.add = true;
      const std::string name = std::string("expand_multi_misaligned_odd_") + dtype_tag(dt);
      s.seed = seed_of(name);
      set_tokens(s, 0.2);
      cases.push_back({name, s});
    }
  }
  return cases;
}

class Layouts : public ::testing::TestWithParam<NamedSpec> {
 protected:
  void SetUp() override { SGMV_REQUIRE_DEVICE(); }
};

TEST_P(Layouts, MatchesReference) { run_and_check(GetParam().spec); }

INSTANTIATE_TEST_SUITE_P(Conformance, Layouts, ::testing::ValuesIn(layout_cases()), case_name);

}  // namespace
}  // namespace sgmv::test
