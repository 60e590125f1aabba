// The problem builders' fast path (validate.cpp) against their exact path:
// on ordinary valid calls and on many random mutations of them, the public
// builders (fast path, falling back to the exact one) and the exact builders
// must throw the same error or build the same Problem. A mutation the fast
// path wrongly accepted would build a Problem where the exact path throws, or
// a different Problem.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "sgmv/core/validate.hpp"
#include "sgmv/error.hpp"

namespace sgmv::detail {
namespace {

/// Made-up device addresses, 256-byte aligned and far apart: validation
/// compares them, never reads what they point to.
void* fake_address(int index) {
  return reinterpret_cast<void*>((std::uintptr_t{1} << 40) +
                                 static_cast<std::uintptr_t>(index) * (std::uintptr_t{1} << 24));
}

/// The arguments of one call, in every form the builders take.
struct Args {
  TensorView x, A, y;              // shrink
  ExpandSlice slices[kMaxSlices];  // expand
  int num_slices = 1;
  TensorView out;
  SegmentBatch segments;
  TokenBatch tokens;
  bool per_token = false;
  float scale = 0.5f;
  bool add = true;

  BatchArgs batch() const { return per_token ? batch_args(tokens) : batch_args(segments); }
};

Args valid_args(int num_slices, bool per_token, bool rank4, DType dtype, DType meta) {
  Args a;
  const std::int64_t T = 12, H = 64, R = 16, L = 3, S = 4;
  a.per_token = per_token;
  a.num_slices = num_slices;
  int next = 0;
  a.x = TensorView::contiguous(fake_address(next++), dtype, {T, H});
  a.A = rank4 ? TensorView::contiguous(fake_address(next++), dtype, {L, 1, R, H})
              : TensorView::contiguous(fake_address(next++), dtype, {L, R, H});
  a.y = TensorView::contiguous(fake_address(next++), DType::f32, {T, R});
  std::int64_t W = 0;
  for (int i = 0; i < num_slices; ++i) {
    const std::int64_t N = 8 * (i + 1);
    a.slices[i].u = TensorView::contiguous(fake_address(next++), dtype, {T, R});
    a.slices[i].B = rank4 ? TensorView::contiguous(fake_address(next++), dtype, {L, 1, N, R})
                          : TensorView::contiguous(fake_address(next++), dtype, {L, N, R});
    a.slices[i].offset = W;
    W += N;
  }
  a.out = TensorView::contiguous(fake_address(next++), dtype, {T, W});
  a.segments.seg_start = TensorView::contiguous(fake_address(next++), meta, {S});
  a.segments.seg_len = TensorView::contiguous(fake_address(next++), meta, {S});
  a.segments.lora_id = TensorView::contiguous(fake_address(next++), meta, {S});
  a.segments.max_seg_len = 3;
  a.tokens.token_lora = TensorView::contiguous(fake_address(next++), meta, {T});
  return a;
}

struct Outcome {
  bool threw = false;
  ErrorCode code = ErrorCode::invalid_argument;
  std::string message;
  Problem problem{};
};

template <typename Build>
Outcome outcome_of(Build&& build) {
  Outcome o;
  try {
    o.problem = build();
  } catch (const Error& e) {
    o.threw = true;
    o.code = e.code();
    o.message = e.what();
  }
  return o;
}

/// Every field a kernel reads (the slices past num_slices are never read).
bool same_problem(const Problem& a, const Problem& b) {
  bool same = a.op == b.op && a.form == b.form && a.in_dtype == b.in_dtype &&
              a.w_dtype == b.w_dtype && a.out_dtype == b.out_dtype &&
              a.meta_dtype == b.meta_dtype && a.add == b.add && a.num_slices == b.num_slices &&
              a.scale == b.scale && a.T == b.T && a.K == b.K && a.L == b.L && a.max_n == b.max_n &&
              a.out == b.out && a.out_row_stride == b.out_row_stride && a.out_cols == b.out_cols &&
              a.seg_start == b.seg_start && a.seg_len == b.seg_len && a.lora == b.lora &&
              a.S == b.S && a.max_seg_len == b.max_seg_len && a.status == b.status;
  for (int s = 0; same && s < a.num_slices && s < kMaxSlices; ++s) {
    const SliceArgs &p = a.slice[s], &q = b.slice[s];
    same = p.in == q.in && p.w == q.w && p.in_row_stride == q.in_row_stride &&
           p.w_stride_l == q.w_stride_l && p.w_stride_n == q.w_stride_n && p.n == q.n &&
           p.out_col == q.out_col;
  }
  return same;
}

/// Both outcomes agree; counts accepted calls in *accepted.
::testing::AssertionResult agree(const Outcome& fast, const Outcome& exact, int* accepted) {
  if (fast.threw != exact.threw) {
    return ::testing::AssertionFailure()
           << (fast.threw ? "fast path threw \"" + fast.message + "\", exact path accepted"
                          : "fast path accepted, exact path threw \"" + exact.message + "\"");
  }
  if (fast.threw) {
    if (fast.code != exact.code || fast.message != exact.message) {
      return ::testing::AssertionFailure()
             << "messages differ: \"" << fast.message << "\" vs \"" << exact.message << "\"";
    }
    return ::testing::AssertionSuccess();
  }
  if (!same_problem(fast.problem, exact.problem)) {
    return ::testing::AssertionFailure() << "problems differ";
  }
  ++*accepted;
  return ::testing::AssertionSuccess();
}

/// a + b, wrapping (a mutated value may already be at a limit: no overflow).
std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

/// Values that sit on or next to the limits the checks (and the fast path's
/// bounds) draw.
std::int64_t interesting(std::mt19937_64& rng, std::int64_t original) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  const std::int64_t values[] = {-1,
                                 0,
                                 1,
                                 2,
                                 3,
                                 4,
                                 8,
                                 16,
                                 17,
                                 64,
                                 4096,
                                 (std::int64_t{1} << 28) - 1,
                                 std::int64_t{1} << 28,
                                 (std::int64_t{1} << 28) + 1,
                                 std::int64_t{1} << 31,
                                 std::int64_t{1} << 40,
                                 std::int64_t{1} << 62,
                                 kMax,
                                 kMin,
                                 wrapping_add(original, 1),
                                 wrapping_add(original, -1),
                                 wrapping_add(original, original),
                                 wrapping_add(original, 8)};
  return values[rng() % (sizeof values / sizeof values[0])];
}

/// address + delta, wrapping (the addresses are made up: no pointer arithmetic).
void* offset_address(const void* address, std::uintptr_t delta) {
  return reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(address) + delta);
}

void mutate_view(std::mt19937_64& rng, TensorView& v, const std::vector<TensorView*>& all) {
  const int d = static_cast<int>(rng() % kMaxRank);
  switch (rng() % 9) {
    case 0:
      v.rank = static_cast<int>(rng() % 6);
      break;
    case 1:
      v.dtype = static_cast<DType>(rng() % 6);
      break;
    case 2:
    case 3:
      v.shape[d] = interesting(rng, v.shape[d]);
      break;
    case 4:
    case 5:
      v.stride[d] = interesting(rng, v.stride[d]);
      break;
    case 6: {  // misaligned or null
      const std::uintptr_t deltas[] = {1, 2, 4, 8, 16};
      v.data = rng() % 4 == 0 ? nullptr : offset_address(v.data, deltas[rng() % 5]);
      break;
    }
    case 7: {  // another view's memory, or just before it
      const TensorView& other = *all[rng() % all.size()];
      v.data = offset_address(other.data, rng() % 2 == 0 ? 0 : ~std::uintptr_t{63});
      break;
    }
    default:  // near the top of the address space: byte ranges wrap
      v.data = reinterpret_cast<void*>(~std::uintptr_t{0} - 255);
      break;
  }
}

void mutate(std::mt19937_64& rng, Args& a) {
  std::vector<TensorView*> views = {&a.x,
                                    &a.A,
                                    &a.y,
                                    &a.out,
                                    &a.segments.seg_start,
                                    &a.segments.seg_len,
                                    &a.segments.lora_id,
                                    &a.tokens.token_lora};
  for (int i = 0; i < a.num_slices; ++i) {
    views.push_back(&a.slices[i].u);
    views.push_back(&a.slices[i].B);
  }
  switch (rng() % 12) {
    case 0:
      a.slices[rng() % static_cast<unsigned>(a.num_slices)].offset =
          interesting(rng, a.slices[0].offset);
      break;
    case 1:
      a.segments.max_seg_len = interesting(rng, a.segments.max_seg_len);
      break;
    case 2: {  // one slice's columns overlapping another's
      const int i = static_cast<int>(rng() % static_cast<unsigned>(a.num_slices));
      a.slices[i].offset =
          wrapping_add(a.slices[rng() % static_cast<unsigned>(a.num_slices)].offset, 4);
      break;
    }
    default: {
      const std::size_t i = rng() % views.size();
      mutate_view(rng, *views[i], views);
      break;
    }
  }
}

void compare_all(const Args& a, int* accepted) {
  const BatchArgs batch = a.batch();
  EXPECT_TRUE(
      agree(outcome_of([&] { return make_shrink_problem(a.x, a.A, a.y, batch, a.scale); }),
            outcome_of([&] { return make_shrink_problem_exact(a.x, a.A, a.y, batch, a.scale); }),
            accepted));
  EXPECT_TRUE(agree(
      outcome_of([&] { return make_expand_problem(a.slices, a.num_slices, a.out, batch, a.add); }),
      outcome_of(
          [&] { return make_expand_problem_exact(a.slices, a.num_slices, a.out, batch, a.add); }),
      accepted));
  const ExpandSlice& s = a.slices[0];
  EXPECT_TRUE(agree(
      outcome_of([&] { return make_expand_problem(s.u, s.B, s.offset, a.out, batch, a.add); }),
      outcome_of([&] { return make_expand_problem_exact(&s, 1, a.out, batch, a.add); }), accepted));
}

TEST(ValidateFastPath, ValidCallsMatchTheExactPath) {
  int accepted = 0;
  for (int slices = 1; slices <= 3; ++slices)
    for (bool per_token : {false, true})
      for (bool rank4 : {false, true})
        for (DType dtype : {DType::f16, DType::bf16, DType::f32})
          for (DType meta : {DType::i32, DType::i64}) {
            compare_all(valid_args(slices, per_token, rank4, dtype, meta), &accepted);
          }
  // Every call above is valid, for all three builders.
  EXPECT_EQ(accepted, 3 * 2 * 2 * 3 * 2 * 3);
}

TEST(ValidateFastPath, MutatedCallsMatchTheExactPath) {
  std::mt19937_64 rng(20261127);
  int accepted = 0;
  constexpr int kTrials = 20000;
  for (int trial = 0; trial < kTrials; ++trial) {
    const int slices = 1 + static_cast<int>(rng() % 3);
    const DType dtype = static_cast<DType>(rng() % 3);
    const DType meta = rng() % 2 == 0 ? DType::i32 : DType::i64;
    Args a = valid_args(slices, rng() % 2 == 0, rng() % 2 == 0, dtype, meta);
    const int mutations = 1 + static_cast<int>(rng() % 3);
    for (int m = 0; m < mutations; ++m) mutate(rng, a);
    if (rng() % 16 == 0) a.num_slices = static_cast<int>(rng() % (kMaxSlices + 2));
    compare_all(a, &accepted);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "first failing trial: " << trial;
      break;
    }
  }
  // Many mutations keep the call valid (an unread stride, a larger row
  // stride, max_seg_len): both paths must accept those alike.
  EXPECT_GT(accepted, kTrials / 10);
}

}  // namespace
}  // namespace sgmv::detail
