// One op call set up for testing: its tensors (host mirror + device copy),
// metadata, the device launch, the float64 reference and the check of the
// output against it. The conformance, fault, concurrency and multi-device
// tests all build on this.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sgmv/sgmv.hpp"
#include "support/device_tensor.hpp"
#include "support/segments.hpp"

namespace sgmv::test {

enum class Op { shrink, expand, expand_slice, expand_multi };
enum class Form { segments, tokens };

const char* name_of(Op op);
const char* name_of(Form form);

/// Largest relative error SEMANTICS.md allows for outputs of `dtype`.
double tolerance_for(DType dtype);

/// One slice of the call: shrink and expand use exactly one. For shrink, n
/// is the rank R; for the expand ops, N (offset: first output column).
struct SliceSpec {
  std::int64_t n = 8;
  std::int64_t offset = 0;
  Layout in_layout;
  Layout w_layout;
};

struct OpSpec {
  Op op = Op::shrink;
  Form form = Form::segments;
  DType in = DType::f32;  ///< x (shrink) or u (expand)
  DType w = DType::f32;   ///< A or B
  DType out = DType::f32;
  DType meta = DType::i32;
  std::int64_t T = 16;
  std::int64_t K = 64;  ///< H (shrink) or R (expand)
  std::int64_t L = 3;
  std::vector<SliceSpec> slices = {SliceSpec{}};
  std::int64_t W = 0;  ///< out width; 0: the smallest that holds every slice
  bool add = false;
  float scale = 1.0f;
  Layout out_layout;
  bool w_rank4 = false;                  ///< pass weights as [L, 1, n, K]
  Segments segments;                     ///< Form::segments
  std::vector<std::int64_t> token_lora;  ///< Form::tokens (T entries)
  int device = 0;
  std::uint64_t seed = 1;

  std::int64_t out_width() const;
};

/// The arguments of one call, in device or host memory.
struct OpArgs {
  std::vector<ExpandSlice> slices;  ///< shrink: slices[0].u = x, .B = A
  TensorView out;
  SegmentBatch segments;
  TokenBatch tokens;
  bool add = false;
  float scale = 1.0f;
  int num_slices = 1;
};

/// Runs the float64 reference of `op` in `form` over host arguments into
/// `result` (which holds the output's initial values); returns its StatusBits.
std::uint32_t run_reference(Op op, Form form, const OpArgs& host, std::vector<double>& result);

/// Rethrows anything but Error(unsupported); for that, reports a skip.
#define SGMV_SKIP_IF_UNSUPPORTED(statement)                                        \
  do {                                                                             \
    try {                                                                          \
      statement;                                                                   \
    } catch (const ::sgmv::Error& sgmv_unsupported_error_) {                       \
      if (sgmv_unsupported_error_.code() != ::sgmv::ErrorCode::unsupported) throw; \
      GTEST_SKIP() << "not supported by the " << ::sgmv::backend_name()            \
                   << " backend: " << sgmv_unsupported_error_.what();              \
    }                                                                              \
  } while (0)

/// Skips the test when the backend sees no device.
#define SGMV_REQUIRE_DEVICE()                                                        \
  do {                                                                               \
    if (::sgmv::device_count() == 0) {                                               \
      GTEST_SKIP() << "the " << ::sgmv::backend_name() << " backend sees no device"; \
    }                                                                                \
  } while (0)

class OpCase {
 public:
  /// Allocates every tensor on spec.device, fills inputs with random values,
  /// poisons the output (random values where add == true reads them) and
  /// uploads everything.
  explicit OpCase(OpSpec spec);

  const OpSpec& spec() const { return spec_; }
  OpArgs device_args() const;
  OpArgs host_args() const;

  /// The device call (throws what the library throws).
  void launch(Context& ctx) const { launch(ctx, device_args()); }
  void launch(Context& ctx, const OpArgs& args) const;

  /// The float64 reference of the call on the host mirror: the expected
  /// [T, W] values (untouched elements keep the output's initial values).
  std::vector<double> reference(std::uint32_t* status = nullptr) const;

  /// Elements (row-major [T, W]) the call must write.
  std::vector<std::uint8_t> written_mask() const;

  /// Downloads the output and compares it with `expected`: written elements
  /// by relative error after rounding to the output dtype (no NaN), every
  /// other byte of the output's storage bit for bit with its initial state.
  ::testing::AssertionResult check(const std::vector<double>& expected) const;
  /// Checks a downloaded copy of the output's storage instead.
  ::testing::AssertionResult check_bytes(const std::vector<unsigned char>& got,
                                         const std::vector<double>& expected) const;
  /// The output's storage is bit for bit its initial state.
  ::testing::AssertionResult check_unchanged() const;

  /// Every input tensor (activations, weights, metadata) is bit for bit as uploaded.
  ::testing::AssertionResult check_inputs_unchanged() const;

  /// The launch key of the call and the kernel variant the runtime's
  /// registry selects for it, for failure messages ("" when validation fails).
  std::string dispatch() const;

  /// Puts the output back to its initial state (host and device).
  void reset_output() const;

  const Tensor& out() const { return out_; }
  const std::vector<unsigned char>& out_initial() const { return out_initial_; }

 private:
  OpArgs args(bool device) const;

  OpSpec spec_;
  std::vector<Tensor> in_, w_;
  Tensor out_;
  std::vector<unsigned char> out_initial_;
  Tensor seg_start_, seg_len_, lora_id_, token_lora_;
};

/// A stable 64-bit seed from a string (FNV-1a), for per-case random streams.
std::uint64_t seed_of(const std::string& text);

/// "f16" -> "f16", used to build readable test names.
std::string dtype_tag(DType t);

}  // namespace sgmv::test
