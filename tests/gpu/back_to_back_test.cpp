// Calls queued back to back in one stream, with no sync between them, see
// each other's writes. On sm_90 the CUDA backend launches with programmatic
// dependent launch: a kernel's blocks may be scheduled before the previous
// kernel in the stream has ended, and must wait for it on the device before
// they touch memory. An expand with add reads and writes its output, so each
// call of a chain depends on the one before; a call that ran early would
// lose the previous call's update.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

TEST(BackToBack, ExpandWithAddAccumulatesOverConsecutiveCalls) {
  SGMV_REQUIRE_DEVICE();
  constexpr int kCalls = 24;
  std::mt19937_64 rng(seed_of("back_to_back"));
  for (Form form : {Form::segments, Form::tokens}) {
    SCOPED_TRACE(name_of(form));
    // bf16 in and weights (the tensor-core kernels on CUDA), fp32 out: the
    // sum of kCalls updates keeps fp32's precision.
    OpSpec spec = basic_spec(Op::expand, form, DType::bf16, DType::bf16, DType::f32, 512, 16, 4096);
    spec.L = 4;
    spec.add = true;
    if (form == Form::segments) {
      set_segments(spec, Pattern::many);
    } else {
      set_tokens(spec, 0.1);
    }
    spec.seed = rng();
    const OpCase c(spec);
    const std::vector<double> once = c.reference();
    const std::vector<std::int64_t> offsets = c.out().element_offsets();
    const std::vector<std::uint8_t> written = c.written_mask();
    ASSERT_EQ(offsets.size(), once.size());
    ASSERT_EQ(written.size(), once.size());

    Context ctx(spec.device);
    for (int i = 0; i < kCalls; ++i) c.launch(ctx);
    ctx.synchronize();
    const std::vector<unsigned char> got = c.out().download();

    // A written element e starts at init and each call adds once[e] - init
    // (the others are poison that no call reads).
    std::int64_t wrong = 0, checked = 0;
    std::string first;
    for (std::size_t e = 0; e < offsets.size(); ++e) {
      if (written[e] == 0) continue;
      ++checked;
      const double init = c.out().host_value(offsets[e]);
      const double step = once[e] - init;
      const double want = init + kCalls * step;
      float v = 0.0f;
      std::memcpy(&v, got.data() + static_cast<std::size_t>(offsets[e]) * sizeof(float),
                  sizeof(float));
      const double tol = 1e-5 * (std::fabs(init) + kCalls * std::fabs(step)) + 1e-6;
      if (!(std::fabs(v - want) <= tol)) {
        if (wrong++ == 0) {
          first = "element " + std::to_string(e) + ": " + std::to_string(v) + ", want " +
                  std::to_string(want);
        }
      }
    }
    EXPECT_GT(checked, 0);
    EXPECT_EQ(wrong, 0) << "of " << checked << " written elements; first: " << first << " ("
                        << c.dispatch() << ")";
  }
}

}  // namespace
}  // namespace sgmv::test
