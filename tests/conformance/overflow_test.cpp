// Offsets past 2^31 - 1 select the 64-bit-index variant and compute the
// right values. The values are checked where device memory is host memory
// (the Kokkos CPU backend): a large MAP_NORESERVE mapping holds tensors with
// 2^30-element strides, and only the few touched pages are ever allocated.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sgmv/core/kernel_registry.hpp"
#include "sgmv/core/launch_key.hpp"
#include "sgmv/core/runtime.hpp"
#include "sgmv/core/validate.hpp"
#include "sgmv/reference.hpp"
#include "support/cases.hpp"

namespace sgmv::test {
namespace {

constexpr std::int64_t kHugeStride = std::int64_t{1} << 30;  // elements

/// An anonymous, lazily backed mapping.
class HugeRegion {
 public:
  explicit HugeRegion(std::size_t bytes) : bytes_(bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ptr_ = p == MAP_FAILED ? nullptr : p;
  }
  ~HugeRegion() {
    if (ptr_ != nullptr) munmap(ptr_, bytes_);
  }
  HugeRegion(const HugeRegion&) = delete;
  HugeRegion& operator=(const HugeRegion&) = delete;
  void* get() const { return ptr_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

/// The variant the runtime's registry selects for a problem on device 0.
const detail::KernelVariant* variant_for(const detail::Problem& p, detail::LaunchKey* key) {
  const detail::KernelRegistry& registry = detail::Runtime::get().registry();
  *key = detail::make_launch_key(p, 0, registry.tile_policy());
  return registry.select(*key);
}

/// Fake addresses 2^40 bytes apart: validation and key computation never dereference.
void* fake(std::uintptr_t n) { return reinterpret_cast<void*>(n << 40); }

// Backend-independent: the key of a call whose offsets pass 2^31 - 1 asks
// for 64-bit indexing and the registry has a variant that serves it.
TEST(Overflow, KeyAsksFor64BitIndexAndAVariantServesIt) {
  SGMV_REQUIRE_DEVICE();
  const std::int64_t T = 3, R = 16, N = 64, L = 2;
  sgmv::SegmentBatch batch;
  batch.seg_start = TensorView::contiguous(fake(1), DType::i32, {1});
  batch.seg_len = TensorView::contiguous(fake(2), DType::i32, {1});
  batch.lora_id = TensorView::contiguous(fake(3), DType::i32, {1});
  const TensorView u = TensorView::contiguous(fake(4), DType::bf16, {T, R});
  const TensorView B = TensorView::contiguous(fake(5), DType::bf16, {L, N, R});
  const ExpandSlice small{u, B, 0};
  const TensorView out_small = TensorView::contiguous(fake(6), DType::bf16, {T, N});
  const TensorView out_huge = TensorView::strided(fake(6), DType::bf16, {T, N}, {kHugeStride, 1});

  detail::LaunchKey key;
  const detail::Problem p32 =
      detail::make_expand_problem(&small, 1, out_small, detail::batch_args(batch), true);
  variant_for(p32, &key);
  EXPECT_EQ(key.index, detail::IndexWidth::i32) << detail::describe(key);

  const detail::Problem p64 =
      detail::make_expand_problem(&small, 1, out_huge, detail::batch_args(batch), true);
  const detail::KernelVariant* v = variant_for(p64, &key);
  EXPECT_EQ(key.index, detail::IndexWidth::i64) << detail::describe(key);
  ASSERT_NE(v, nullptr) << "no " << sgmv::backend_name() << " variant for "
                        << detail::describe(key);
  EXPECT_EQ(v->index, detail::IndexWidth::i64) << v->name;

  // The same through a huge input stride of shrink.
  const TensorView x = TensorView::strided(fake(7), DType::bf16, {T, N}, {kHugeStride, 1});
  const TensorView A = TensorView::contiguous(fake(8), DType::bf16, {L, R, N});
  const TensorView y = TensorView::contiguous(fake(9), DType::f32, {T, R});
  const detail::Problem ps = detail::make_shrink_problem(x, A, y, detail::batch_args(batch), 1.0f);
  v = variant_for(ps, &key);
  EXPECT_EQ(key.index, detail::IndexWidth::i64) << detail::describe(key);
  ASSERT_NE(v, nullptr) << detail::describe(key);
  EXPECT_EQ(v->index, detail::IndexWidth::i64) << v->name;
}

class OverflowOnHost : public ::testing::Test {
 protected:
  void SetUp() override {
    SGMV_REQUIRE_DEVICE();
    if (std::string(sgmv::backend_name()) != "kokkos" || !device_memory_is_host_accessible(0)) {
      GTEST_SKIP() << "needs device memory the host can map (the Kokkos CPU backend); the "
                   << sgmv::backend_name()
                   << " backend's >2^31-element case is covered by tests/gpu on the device";
    }
  }
};

/// Fills `count` elements at `p` (dtype) with random values.
void fill(void* p, DType dt, std::int64_t count, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> d(-1.0, 1.0);
  for (std::int64_t i = 0; i < count; ++i) write_element(p, dt, i, d(rng));
}

/// Relative error of `count` elements at p against expected (rounded to dt).
double rel_error(const void* p, DType dt, const double* expected, std::int64_t count) {
  double d2 = 0, r2 = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    const double g = read_element(p, dt, i);
    const double r = reference::round_to(dt, expected[i]);
    if (std::isnan(g)) return INFINITY;
    d2 += (g - r) * (g - r);
    r2 += r * r;
  }
  return std::sqrt(d2 / r2);
}

TEST_F(OverflowOnHost, ExpandIntoOutputWithHugeRowStride) {
  const std::int64_t T = 3, R = 16, N = 40, L = 2;
  const DType dt = DType::f32;
  // out [3, N] with row stride 2^30: its last element sits past 2^31.
  HugeRegion region(static_cast<std::size_t>((2 * kHugeStride + N + kGuardElements) * 4));
  ASSERT_NE(region.get(), nullptr) << "mmap of a lazily backed 8 GiB region failed";
  auto* base = static_cast<unsigned char*>(region.get());
  auto row = [&](std::int64_t t) { return base + t * kHugeStride * 4; };

  std::mt19937_64 rng(17);
  OpSpec spec = basic_spec(Op::expand, Form::segments, DType::f32, DType::f32, dt, T, R, N);
  spec.L = L;
  spec.segments = consecutive_segments({2, 1}, {1, 0});
  const OpCase c(spec);  // supplies u, B and the metadata
  for (bool add : {false, true}) {
    for (std::int64_t t = 0; t < T; ++t) {
      fill(row(t), dt, N, rng);
      if (!add) {
        for (std::int64_t i = 0; i < N; ++i) write_poison(row(t), dt, i);
      }
      for (std::int64_t g = 0; g < kGuardElements; ++g) write_poison(row(t), dt, N + g);
    }
    const TensorView out = TensorView::strided(base, dt, {T, N}, {kHugeStride, 1});
    OpArgs dev = c.device_args(), host = c.host_args();
    std::vector<double> expected = reference::to_doubles(out);
    reference::expand_slice(host.slices[0].u, host.slices[0].B, out, host.segments, 0, add,
                            expected);

    detail::LaunchKey key;
    const detail::Problem p = detail::make_expand_problem(dev.slices.data(), 1, out,
                                                          detail::batch_args(dev.segments), add);
    const detail::KernelVariant* v = variant_for(p, &key);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(key.index, detail::IndexWidth::i64);
    EXPECT_EQ(v->index, detail::IndexWidth::i64) << v->name;

    Context ctx;
    SGMV_SKIP_IF_UNSUPPORTED(
        sgmv::expand(ctx, dev.slices[0].u, dev.slices[0].B, out, dev.segments, add));
    ctx.synchronize();
    for (std::int64_t t = 0; t < T; ++t) {
      EXPECT_LE(rel_error(row(t), dt, expected.data() + t * N, N), tolerance_for(dt))
          << "row " << t << " (add=" << add << ")";
      for (std::int64_t g = 0; g < kGuardElements; ++g) {
        std::uint32_t bits;
        std::memcpy(&bits, row(t) + (N + g) * 4, 4);
        EXPECT_EQ(bits, poison_bits(dt)) << "row " << t << " written past its end";
      }
    }
  }
}

TEST_F(OverflowOnHost, ShrinkFromInputWithHugeRowStride) {
  const std::int64_t T = 3, H = 64, R = 8, L = 2;
  const DType dt = DType::bf16;
  HugeRegion region(static_cast<std::size_t>((2 * kHugeStride + H) * 2));
  ASSERT_NE(region.get(), nullptr);
  auto* base = static_cast<unsigned char*>(region.get());
  std::mt19937_64 rng(18);
  for (std::int64_t t = 0; t < T; ++t) fill(base + t * kHugeStride * 2, dt, H, rng);
  const TensorView x = TensorView::strided(base, dt, {T, H}, {kHugeStride, 1});

  OpSpec spec = basic_spec(Op::shrink, Form::tokens, dt, dt, DType::f32, T, H, R);
  spec.L = L;
  spec.token_lora = {1, -1, 0};
  const OpCase c(spec);  // supplies A, y and the metadata; its own x is unused
  OpArgs dev = c.device_args(), host = c.host_args();
  std::vector<double> expected = reference::to_doubles(host.out);
  reference::shrink(x, host.slices[0].B, host.out, host.tokens, 1.0f, expected);

  detail::LaunchKey key;
  const detail::Problem p = detail::make_shrink_problem(x, dev.slices[0].B, dev.out,
                                                        detail::batch_args(dev.tokens), 1.0f);
  const detail::KernelVariant* v = variant_for(p, &key);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(key.index, detail::IndexWidth::i64);
  EXPECT_EQ(v->index, detail::IndexWidth::i64) << v->name;

  Context ctx;
  SGMV_SKIP_IF_UNSUPPORTED(sgmv::shrink(ctx, x, dev.slices[0].B, dev.out, dev.tokens, 1.0f));
  EXPECT_TRUE(c.check(expected));
}

TEST_F(OverflowOnHost, ExpandWithHugeAdapterStride) {
  // B [L = 3, N, R] with 2^30 elements between adapters: adapter 2 starts past 2^31.
  const std::int64_t T = 4, R = 8, N = 24, L = 3;
  const DType dt = DType::f16;
  HugeRegion region(static_cast<std::size_t>((2 * kHugeStride + N * R) * 2));
  ASSERT_NE(region.get(), nullptr);
  auto* base = static_cast<unsigned char*>(region.get());
  std::mt19937_64 rng(19);
  for (std::int64_t l = 0; l < L; ++l) fill(base + l * kHugeStride * 2, dt, N * R, rng);
  const TensorView B = TensorView::strided(base, dt, {L, N, R}, {kHugeStride, R, 1});

  OpSpec spec = basic_spec(Op::expand, Form::segments, dt, dt, DType::f32, T, R, N);
  spec.L = L;
  spec.add = true;
  spec.segments = consecutive_segments({1, 2, 1}, {2, 0, 2});
  const OpCase c(spec);  // supplies u, out and the metadata; its own B is unused
  OpArgs dev = c.device_args(), host = c.host_args();
  std::vector<double> expected = reference::to_doubles(host.out);
  reference::expand_slice(host.slices[0].u, B, host.out, host.segments, 0, true, expected);

  detail::LaunchKey key;
  const ExpandSlice slice{dev.slices[0].u, B, 0};
  const detail::Problem p =
      detail::make_expand_problem(&slice, 1, dev.out, detail::batch_args(dev.segments), true);
  const detail::KernelVariant* v = variant_for(p, &key);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(key.index, detail::IndexWidth::i64);
  EXPECT_EQ(v->index, detail::IndexWidth::i64) << v->name;

  Context ctx;
  SGMV_SKIP_IF_UNSUPPORTED(sgmv::expand(ctx, dev.slices[0].u, B, dev.out, dev.segments, true));
  EXPECT_TRUE(c.check(expected));
}

}  // namespace
}  // namespace sgmv::test
