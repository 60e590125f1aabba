// libFuzzer target: arbitrary shapes, strides, dtypes, pointers, offsets and
// metadata go through host-side validation (make_shrink_problem /
// make_expand_problem) and launch-key building. It must never crash, and a
// call that validation accepts must be safe to run: when its extents are
// small, the op really runs on the Kokkos backend (device memory is host
// memory there) over buffers sized exactly to the views, under ASan/UBSan,
// with the metadata values the input chose.
//
// Input format (bytes; missing bytes read as 0). dim() and val() are one byte
// each: small values directly, the top of the byte range picks an extreme.
//   op (%3: shrink, expand, expand_multi), flags (bit 0 per-token form,
//   bit 1 add, bit 2 output aliases the first input, bit 3 strict mode),
//   slices (expand_multi: %10 - 1), meta dtype (%5), scale (4 bytes, raw
//   float bits), max_seg_len dim(), S dim()
//   per tensor (in, w for each slice, then out): dtype (%5), rank (%7 - 1),
//     one dim() per dimension, stride mode, pointer mode; expand slices also
//     an offset dim()
//   per metadata array: dtype override, length override, stride override,
//     pointer mode, then one val() per element
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "sgmv/core/launch_key.hpp"
#include "sgmv/core/runtime.hpp"
#include "sgmv/core/validate.hpp"
#include "sgmv/reference.hpp"
#include "sgmv/sgmv.hpp"

namespace {

using sgmv::DType;
using sgmv::TensorView;

// Buffers larger than this are not allocated: their views get an address
// that is never dereferenced, and the call is only validated.
constexpr std::int64_t kMaxBufferBytes = std::int64_t{1} << 18;
// Most multiply-adds a call may cost to be run (kernel plus reference).
constexpr std::int64_t kMaxWork = std::int64_t{1} << 18;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_problem: invariant broken: %s\n", what);
  std::abort();
}

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  /// An extent, stride, offset or count: mostly small, sometimes extreme.
  std::int64_t dim() {
    static constexpr std::int64_t kExtreme[] = {-1,
                                                -2,
                                                -(std::int64_t{1} << 40),
                                                INT64_MIN,
                                                INT64_MAX,
                                                INT32_MAX,
                                                std::int64_t{INT32_MAX} + 1,
                                                std::int64_t{1} << 32,
                                                (std::int64_t{1} << 32) + 1,
                                                std::int64_t{1} << 40,
                                                std::int64_t{1} << 62,
                                                (std::int64_t{1} << 62) + 1,
                                                65535,
                                                65536,
                                                65537,
                                                4096,
                                                1024,
                                                256,
                                                255,
                                                128,
                                                100,
                                                64,
                                                48,
                                                33};
    constexpr int kCount = sizeof kExtreme / sizeof kExtreme[0];
    const std::uint8_t b = byte();
    if (b < 256 - kCount) return b % 40;
    return kExtreme[b - (256 - kCount)];
  }
  /// A metadata value: mostly near the valid range, sometimes extreme.
  std::int64_t val() {
    static constexpr std::int64_t kExtreme[] = {INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX,
                                                -1,        -2,        1 << 20,   -(1 << 20)};
    constexpr int kCount = sizeof kExtreme / sizeof kExtreme[0];
    const std::uint8_t b = byte();
    if (b < 256 - kCount) return static_cast<std::int64_t>(b % 48) - 4;
    return kExtreme[b - (256 - kCount)];
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(byte()) << (8 * i);
    return v;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

DType dtype_of(std::uint8_t b) { return static_cast<DType>(b % sgmv::kNumDTypes); }

/// One tensor argument and the memory behind it.
struct Arg {
  TensorView view;
  int stride_mode = 0;
  int pointer_mode = 0;  // 0 null, 1 exact buffer, 2 exact buffer + misalignment
  int misalign = 0;
  bool real = false;  // view.data points into `storage`
  std::unique_ptr<unsigned char[]> storage;
  std::int64_t bytes = 0;  // bytes the view addresses (from its data pointer)
};

void read_shape(Input& in, Arg& a, DType dtype) {
  a.view.dtype = dtype;
  a.view.rank = static_cast<int>(in.byte() % 7) - 1;  // -1 .. 5
  const int dims =
      a.view.rank < 0 ? 0 : (a.view.rank > sgmv::kMaxRank ? sgmv::kMaxRank : a.view.rank);
  for (int d = 0; d < dims; ++d) a.view.shape[d] = in.dim();
  a.stride_mode = in.byte() % 4;
  // Strides: contiguous, padded rows, arbitrary, or all zero.
  std::int64_t running = 1;
  for (int d = dims - 1; d >= 0; --d) {
    switch (a.stride_mode) {
      case 0:
      case 1: {
        a.view.stride[d] = running;
        std::int64_t extent = a.view.shape[d] < 0 ? 0 : a.view.shape[d];
        const std::int64_t pad = a.stride_mode == 1 && d == dims - 1 ? in.byte() % 9 : 0;
        if (__builtin_add_overflow(extent, pad, &extent)) extent = 1;
        if (__builtin_mul_overflow(running, extent < 1 ? 1 : extent, &running)) running = 1;
        break;
      }
      case 2:
        a.view.stride[d] = in.dim();
        break;
      default:
        a.view.stride[d] = 0;
    }
  }
  const std::uint8_t p = in.byte();
  a.pointer_mode = p % 8 == 0 ? 0 : (p % 8 == 7 ? 2 : 1);
  a.misalign = a.pointer_mode == 2 ? 1 + (p >> 3) % 15 : 0;
}

/// Bytes from the first to one past the last element the view addresses;
/// -1 when that is not a small, well-formed range.
std::int64_t addressed_bytes(const TensorView& v) {
  if (v.rank < 0 || v.rank > sgmv::kMaxRank) return -1;
  std::int64_t last = 0;
  for (int d = 0; d < v.rank; ++d) {
    if (v.shape[d] < 0 || v.stride[d] < 0) return -1;
    if (v.shape[d] == 0) return 0;
    std::int64_t step;
    if (__builtin_mul_overflow(v.shape[d] - 1, v.stride[d], &step) ||
        __builtin_add_overflow(last, step, &last)) {
      return -1;
    }
  }
  std::int64_t count, bytes;
  if (__builtin_add_overflow(last, 1, &count) ||
      __builtin_mul_overflow(count, static_cast<std::int64_t>(sgmv::size_of(v.dtype)), &bytes)) {
    return -1;
  }
  return bytes;
}

/// Gives every argument its pointer: null, an exact host buffer, or (when the
/// view is too large or malformed) a distinct address never dereferenced.
void place(Arg& a, int index) {
  if (a.pointer_mode == 0) {
    a.view.data = nullptr;
    return;
  }
  a.bytes = addressed_bytes(a.view);
  if (a.bytes < 0 || a.bytes > kMaxBufferBytes) {
    const std::uintptr_t fake = (std::uintptr_t{0x100} + static_cast<std::uintptr_t>(index)) << 36;
    a.view.data = reinterpret_cast<void*>(fake + static_cast<std::uintptr_t>(a.misalign));
    return;
  }
  const std::size_t total =
      static_cast<std::size_t>(a.bytes) + static_cast<std::size_t>(a.misalign);
  a.storage.reset(new unsigned char[total == 0 ? 0 : total]);
  a.view.data = a.storage.get() + a.misalign;
  a.real = true;
}

void fill_floats(Arg& a) {
  if (!a.real || a.bytes == 0) return;
  // Small finite values of whatever dtype: 0x3c00 is 1.0 in f16, about 1.6
  // in bf16, and 0x3c003c00 a small f32.
  auto* p = static_cast<unsigned char*>(a.view.data);
  for (std::int64_t i = 0; i + 1 < a.bytes; i += 2) {
    p[i] = 0x00;
    p[i + 1] = 0x3c;
  }
}

void store_index(void* data, DType dtype, std::int64_t i, std::int64_t v) {
  if (dtype == DType::i32) {
    const auto w = static_cast<std::int32_t>(v);
    std::memcpy(static_cast<unsigned char*>(data) + 4 * i, &w, 4);
  } else if (dtype == DType::i64) {
    std::memcpy(static_cast<unsigned char*>(data) + 8 * i, &v, 8);
  }
}

/// Invariants every accepted Problem must meet, whatever the input.
void check_problem(const sgmv::detail::Problem& p) {
  if (p.T < 0 || p.K < 1 || p.L < 0 || p.S < 0) fail("negative extent in an accepted problem");
  if (p.num_slices < 1 || p.num_slices > sgmv::kMaxSlices) fail("num_slices out of range");
  if (p.form == sgmv::detail::MetaForm::segments ? (p.max_seg_len < 0 || p.max_seg_len > p.T)
                                                 : p.max_seg_len != 1) {
    fail("max_seg_len outside [0, T] (segments) or not 1 (per-token)");
  }
  for (int s = 0; s < p.num_slices; ++s) {
    const sgmv::detail::SliceArgs& sl = p.slice[s];
    if (sl.n < 1 || sl.out_col < 0 || sl.out_col > p.out_cols - sl.n) {
      fail("slice columns outside the output");
    }
  }
  if (!sgmv::is_floating(p.in_dtype) || !sgmv::is_floating(p.w_dtype) ||
      !sgmv::is_floating(p.out_dtype) || !sgmv::is_index(p.meta_dtype)) {
    fail("accepted dtype of the wrong kind");
  }
}

void check_key(const sgmv::detail::Problem& p) {
  const sgmv::detail::TilePolicy policy = sgmv::detail::Runtime::get().registry().tile_policy();
  const sgmv::detail::LaunchKey a = sgmv::detail::make_launch_key(p, 0, policy);
  const sgmv::detail::LaunchKey b = sgmv::detail::make_launch_key(p, 0, policy);
  if (!(a == b) || a.hash() != b.hash()) fail("launch key is not deterministic");
  if (a.index != sgmv::detail::index_width_for(p)) fail("key index width differs");
  if (a.align != sgmv::detail::align_bits_for(p)) fail("key alignment bits differ");
  (void)sgmv::detail::describe(a);
}

// SGMV_FUZZ_VERBOSE=1 says what became of each input (for checking seeds).
bool verbose() {
  static const bool on = std::getenv("SGMV_FUZZ_VERBOSE") != nullptr;
  return on;
}

sgmv::Context& context() {
  static sgmv::Context ctx(0);
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const int op = in.byte() % 3;  // 0 shrink, 1 expand, 2 expand_multi
  const std::uint8_t flags = in.byte();
  const bool per_token = (flags & 1) != 0, add = (flags & 2) != 0, alias = (flags & 4) != 0;
  const bool strict = (flags & 8) != 0;
  int num_slices = 1;
  const std::uint8_t slices_byte = in.byte();
  if (op == 2) num_slices = static_cast<int>(slices_byte % 10) - 1;  // -1 .. 8
  const DType meta_dtype = dtype_of(in.byte());
  const std::uint32_t scale_bits = in.u32();
  float scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  const std::int64_t max_seg_len = in.dim();
  const std::int64_t S = in.dim();

  // Tensors: in and w of each slice, then out.
  const int tensor_slices = num_slices < 1 ? 1 : num_slices;
  std::vector<Arg> args(static_cast<std::size_t>(2 * tensor_slices + 1));
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(tensor_slices), 0);
  for (int s = 0; s < tensor_slices; ++s) {
    read_shape(in, args[2 * s], dtype_of(in.byte()));
    read_shape(in, args[2 * s + 1], dtype_of(in.byte()));
    if (op != 0) offsets[static_cast<std::size_t>(s)] = in.dim();
  }
  Arg& out = args.back();
  read_shape(in, out, dtype_of(in.byte()));
  for (std::size_t i = 0; i < args.size(); ++i) place(args[i], static_cast<int>(i));
  if (alias && args[0].real) {
    // The output on top of the first input: validation must refuse it
    // whenever both address memory.
    out.storage.reset();
    out.bytes = addressed_bytes(out.view);
    out.view.data = args[0].view.data;
    out.real = out.bytes >= 0 && out.bytes <= args[0].bytes;
  }

  // Metadata arrays.
  const std::int64_t T = out.view.rank >= 1 ? out.view.shape[0] : 0;
  const int meta_count = per_token ? 1 : 3;
  std::vector<Arg> meta(static_cast<std::size_t>(meta_count));
  for (int m = 0; m < meta_count; ++m) {
    Arg& a = meta[static_cast<std::size_t>(m)];
    const std::uint8_t dt = in.byte(), len = in.byte(), stride = in.byte();
    a.view.rank = 1;
    a.view.dtype = dt < 240 ? meta_dtype : dtype_of(dt);
    a.view.shape[0] = len < 240 ? (per_token ? T : S) : in.dim();
    a.view.stride[0] = stride < 240 ? 1 : in.dim();
    a.pointer_mode = in.byte() % 16 == 0 ? 0 : 1;
    place(a, 100 + m);
    if (a.real && sgmv::is_index(a.view.dtype)) {
      // A zero stride can make a huge extent address one element: write no
      // more values than a real buffer can hold.
      const std::int64_t count = std::min<std::int64_t>(a.view.shape[0], kMaxBufferBytes / 4);
      for (std::int64_t i = 0; i < count; ++i) {
        store_index(a.view.data, a.view.dtype, i * a.view.stride[0], in.val());
      }
    }
  }

  sgmv::SegmentBatch segments;
  sgmv::TokenBatch tokens;
  if (per_token) {
    tokens.token_lora = meta[0].view;
  } else {
    segments.seg_start = meta[0].view;
    segments.seg_len = meta[1].view;
    segments.lora_id = meta[2].view;
    segments.max_seg_len = max_seg_len;
  }
  const sgmv::detail::BatchArgs batch =
      per_token ? sgmv::detail::batch_args(tokens) : sgmv::detail::batch_args(segments);
  std::vector<sgmv::ExpandSlice> slices;
  for (int s = 0; s < tensor_slices; ++s) {
    slices.push_back(sgmv::ExpandSlice{args[2 * s].view, args[2 * s + 1].view,
                                       offsets[static_cast<std::size_t>(s)]});
  }

  sgmv::detail::Problem problem;
  try {
    problem =
        op == 0
            ? sgmv::detail::make_shrink_problem(args[0].view, args[1].view, out.view, batch, scale)
            : sgmv::detail::make_expand_problem(slices.data(), num_slices, out.view, batch, add);
  } catch (const sgmv::Error& e) {
    if (e.code() != sgmv::ErrorCode::invalid_argument)
      fail("validation threw a non-argument error");
    if (verbose()) std::fprintf(stderr, "rejected: %s\n", e.what());
    return 0;
  }
  check_problem(problem);
  check_key(problem);
  if (op == 1) {
    try {
      sgmv::detail::require_whole_width(problem);  // expand()'s extra rule
    } catch (const sgmv::Error& e) {
      if (e.code() != sgmv::ErrorCode::invalid_argument) fail("require_whole_width threw oddly");
    }
  }

  // Run it when every buffer is real and the call is cheap enough.
  bool runnable = true;
  for (const Arg& a : args)
    runnable = runnable && (a.real || a.bytes == 0 || a.view.data == nullptr);
  for (const Arg& a : meta) runnable = runnable && (a.real || a.view.data == nullptr);
  if (!runnable || problem.empty()) {
    if (verbose()) std::fprintf(stderr, "accepted, not run (%s)\n", runnable ? "empty" : "large");
    return 0;
  }
  std::int64_t cols = 0;
  for (int s = 0; s < problem.num_slices; ++s) cols += problem.slice[s].n;
  const std::int64_t rows = problem.form == sgmv::detail::MetaForm::per_token
                                ? problem.T
                                : problem.S * (problem.max_seg_len > 0 ? problem.max_seg_len : 1);
  std::int64_t work;
  if (problem.S > 4096 || problem.T > 4096 || __builtin_mul_overflow(rows, cols, &work) ||
      __builtin_mul_overflow(work, problem.K, &work) || work > kMaxWork ||
      problem.T * problem.out_cols > kMaxWork) {
    return 0;
  }
  for (Arg& a : args) {
    if (&a != &out) fill_floats(a);
  }

  // Output bytes outside the view (row padding) must stay as they were.
  std::vector<unsigned char> before;
  if (out.real) {
    auto* p = static_cast<unsigned char*>(out.view.data);
    for (std::int64_t i = 0; i < out.bytes; ++i) p[i] = static_cast<unsigned char>(0xa5 ^ i);
    before.assign(p, p + out.bytes);
  }

  sgmv::Context& ctx = context();
  ctx.set_strict(strict);
  ctx.clear_status();
  try {
    if (op == 0) {
      if (per_token) {
        sgmv::shrink(ctx, args[0].view, args[1].view, out.view, tokens, scale);
      } else {
        sgmv::shrink(ctx, args[0].view, args[1].view, out.view, segments, scale);
      }
    } else if (per_token) {
      sgmv::expand_multi(ctx, slices.data(), num_slices, out.view, tokens, add);
    } else {
      sgmv::expand_multi(ctx, slices.data(), num_slices, out.view, segments, add);
    }
  } catch (const sgmv::Error& e) {
    // Strict mode may reject bad metadata; nothing else may fail.
    if (!(strict && e.code() == sgmv::ErrorCode::device_fault)) fail("an accepted call threw");
    if (verbose()) std::fprintf(stderr, "accepted, strict mode refused: %s\n", e.what());
    return 0;
  }
  const std::uint32_t status = ctx.read_status();

  if (out.real) {
    const auto* p = static_cast<const unsigned char*>(out.view.data);
    const std::int64_t elem = static_cast<std::int64_t>(sgmv::size_of(out.view.dtype));
    std::vector<bool> inside(static_cast<std::size_t>(out.bytes), false);
    for (std::int64_t t = 0; t < problem.T; ++t) {
      for (std::int64_t c = 0; c < problem.out_cols; ++c) {
        const std::int64_t at = (t * problem.out_row_stride + c) * elem;
        for (std::int64_t b = 0; b < elem; ++b) inside[static_cast<std::size_t>(at + b)] = true;
      }
    }
    for (std::int64_t i = 0; i < out.bytes; ++i) {
      if (!inside[static_cast<std::size_t>(i)] && p[i] != before[static_cast<std::size_t>(i)]) {
        fail("the op wrote output bytes outside the output view");
      }
    }
  }

  // The device status word must report what the reference finds.
  std::vector<double> result(static_cast<std::size_t>(problem.T * problem.out_cols), 0.0);
  std::uint32_t expected;
  if (op == 0) {
    expected = per_token ? sgmv::reference::shrink(args[0].view, args[1].view, out.view, tokens,
                                                   scale, result)
                         : sgmv::reference::shrink(args[0].view, args[1].view, out.view, segments,
                                                   scale, result);
  } else {
    expected = per_token ? sgmv::reference::expand_multi(slices.data(), num_slices, out.view,
                                                         tokens, add, result)
                         : sgmv::reference::expand_multi(slices.data(), num_slices, out.view,
                                                         segments, add, result);
  }
  if (status != expected) fail("device status differs from the reference's");
  if (verbose()) std::fprintf(stderr, "accepted, ran, status %u\n", status);
  return 0;
}
