// CUDA/HIP graphs: shrink, expand_multi and the per-token forms captured
// once, then replayed while the batch composition changes underneath (new
// segment starts, lengths, adapters, token ids, faults), as a serving loop
// does. The launch grid depends only on host-known sizes, so every replay
// must follow the new metadata exactly.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "gpu_api.hpp"
#include "support/cases.hpp"

namespace sgmv::test {
namespace {

constexpr std::int64_t kT = 96, kL = 4, kMaxSegLen = 40;

/// A segment batch over [0, kT) with lengths <= kMaxSegLen, a few adapter -1
/// and, when `faults`, one bad adapter and one segment reaching past T.
Segments random_batch(std::mt19937_64& rng, bool faults) {
  SegmentShape shape;
  shape.min_len = 0;
  shape.max_len = kMaxSegLen;
  shape.no_adapter_fraction = 0.2;
  shape.max_gap = 3;
  shape.shuffle = true;
  Segments segs = random_segments(kT, kL, rng, shape);
  if (faults) {
    segs.add(10, 4, kL + 2);
    segs.add(kT - 2, 5, 1);
  }
  segs.max_seg_len = kMaxSegLen;
  return segs;
}

/// Copies new metadata values into the device arrays the graph reads (the
/// same length: the graph's launch grid does not change).
void overwrite(const TensorView& device, DType dtype, const std::vector<std::int64_t>& values) {
  ASSERT_EQ(static_cast<std::int64_t>(values.size()), device.shape[0]);
  const Tensor fresh = Tensor::indices(dtype, values);  // host bytes in dtype (plus guards)
  copy_to_device(device.data, fresh.host().data(),
                 static_cast<std::size_t>(device.shape[0]) * size_of(dtype));
}

/// Pads or trims a segment batch to exactly `count` segments (extra ones empty).
Segments resized(Segments segs, std::int64_t count) {
  while (segs.size() < count) segs.add(0, 0, -1);
  segs.start.resize(static_cast<std::size_t>(count));
  segs.len.resize(static_cast<std::size_t>(count));
  segs.lora.resize(static_cast<std::size_t>(count));
  return segs;
}

class GraphReplay : public ::testing::TestWithParam<Op> {};

TEST_P(GraphReplay, FollowsMetadataChangedBetweenReplays) {
  SGMV_REQUIRE_DEVICE();
  const Op op = GetParam();
  const bool shrink = op == Op::shrink;
  std::mt19937_64 rng(seed_of(std::string("graph") + name_of(op)));
  constexpr std::int64_t kSegments = 24;

  for (Form form : {Form::segments, Form::tokens}) {
    for (DType dtype : {DType::bf16, DType::f32}) {
      SCOPED_TRACE(std::string(name_of(op)) + "/" + name_of(form) + "/" + sgmv::name_of(dtype));
      OpSpec spec = basic_spec(op, form, dtype, dtype, shrink ? DType::f32 : dtype, kT,
                               shrink ? 200 : 16, shrink ? 16 : 72);
      spec.L = kL;
      if (op == Op::expand_multi) {
        spec.slices = {SliceSpec{72, 0, {}, {}}, SliceSpec{24, 72, {}, {}}};
        spec.add = true;
      }
      if (form == Form::segments) {
        spec.segments = resized(random_batch(rng, false), kSegments);
      } else {
        spec.token_lora = random_token_lora(kT, kL, rng, 0.2);
      }
      spec.seed = rng();
      const OpCase first(spec);

      GpuStream stream = nullptr;
      SGMV_GPU_OK(SGMV_TEST_GPU(StreamCreate)(&stream));
      {  // the Context goes before its stream: its destructor synchronises the stream
        Context ctx(0, stream);
        first.launch(ctx);  // the cache miss happens outside the capture
        ctx.synchronize();

        GpuGraph graph = nullptr;
        GpuGraphExec exec = nullptr;
        SGMV_GPU_OK(
            SGMV_TEST_GPU(StreamBeginCapture)(stream, SGMV_TEST_GPU(StreamCaptureModeThreadLocal)));
        first.launch(ctx);
        SGMV_GPU_OK(SGMV_TEST_GPU(StreamEndCapture)(stream, &graph));
        SGMV_GPU_OK(instantiate_graph(&exec, graph));

        const OpArgs device = first.device_args();
        for (int round = 0; round < 4; ++round) {
          const bool faults = round == 2;
          // The same inputs (same seed), new metadata: its reference is the expectation.
          OpSpec next = spec;
          if (form == Form::segments) {
            next.segments = resized(random_batch(rng, faults), kSegments);
            overwrite(device.segments.seg_start, spec.meta, next.segments.start);
            overwrite(device.segments.seg_len, spec.meta, next.segments.len);
            overwrite(device.segments.lora_id, spec.meta, next.segments.lora);
          } else {
            next.token_lora = random_token_lora(kT, kL, rng, 0.2);
            if (faults) next.token_lora[5] = -7;
            overwrite(device.tokens.token_lora, spec.meta, next.token_lora);
          }
          const OpCase expected_case(next);
          std::uint32_t want_status = 0;
          const std::vector<double> expected = expected_case.reference(&want_status);
          // The expectation starts from the new case's initial output (add reads it).
          copy_to_device(first.out().device_view().data, expected_case.out().host().data(),
                         expected_case.out().storage_bytes());
          ctx.clear_status();
          SGMV_GPU_OK(SGMV_TEST_GPU(GraphLaunch)(exec, stream));
          EXPECT_EQ(ctx.read_status(), want_status) << "round " << round;
          EXPECT_TRUE(expected_case.check_bytes(first.out().download(), expected))
              << "round " << round;
        }
        SGMV_GPU_OK(SGMV_TEST_GPU(GraphExecDestroy)(exec));
        SGMV_GPU_OK(SGMV_TEST_GPU(GraphDestroy)(graph));
        ctx.synchronize();
      }
      SGMV_GPU_OK(SGMV_TEST_GPU(StreamDestroy)(stream));
    }
  }
}

std::string op_name(const ::testing::TestParamInfo<Op>& param) { return name_of(param.param); }

INSTANTIATE_TEST_SUITE_P(Ops, GraphReplay,
                         ::testing::Values(Op::shrink, Op::expand, Op::expand_multi), op_name);

}  // namespace
}  // namespace sgmv::test
