// Index overflow on the GPU (issue 5): a real output of more than 2^31 - 1
// elements (300k tokens x 8192 columns, bf16, ~4.9 GB), and a real input of
// the same size for shrink. The launch key must pick a 64-bit-index variant,
// and rows past the 2^31 boundary must get the right values. Only the rows
// the segments cover are checked against a host reference (cheap), all of
// them past element 2^31 except one control segment near the start.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gpu_api.hpp"
#include "sgmv/core/launch_key.hpp"
#include "sgmv/core/validate.hpp"
#include "sgmv/half.hpp"
#include "sgmv/sgmv.hpp"
#include "support/op_case.hpp"

namespace sgmv::test {
namespace {

constexpr std::int64_t kT = 300000, kW = 8192, kR = 16, kL = 2;
// Segments: a control near the start and two past 2^31 elements.
const std::vector<std::int32_t> kStart = {10, 262200, kT - 6};
const std::vector<std::int32_t> kLen = {4, 3, 6};
const std::vector<std::int32_t> kLora = {0, 1, 0};

/// Device buffer freed at scope exit.
struct DeviceBuffer {
  explicit DeviceBuffer(std::size_t bytes) : ptr(device_alloc(bytes)) {}
  ~DeviceBuffer() { device_free(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* ptr;
};

std::vector<std::uint16_t> random_bf16(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<std::uint16_t> v(n);
  for (auto& e : v) e = float_to_bf16_bits(dist(rng));
  return v;
}

bool enough_memory(std::size_t bytes) {
  std::size_t free_bytes = 0, total = 0;
  return SGMV_TEST_GPU(MemGetInfo)(&free_bytes, &total) == SGMV_TEST_GPU(Success) &&
         free_bytes > bytes + (std::size_t{1} << 30);
}

struct Metadata {
  DeviceBuffer start{kStart.size() * 4}, len{kLen.size() * 4}, lora{kLora.size() * 4};
  SegmentBatch batch;
  Metadata() {
    copy_to_device(start.ptr, kStart.data(), kStart.size() * 4);
    copy_to_device(len.ptr, kLen.data(), kLen.size() * 4);
    copy_to_device(lora.ptr, kLora.data(), kLora.size() * 4);
    const auto S = static_cast<std::int64_t>(kStart.size());
    batch.seg_start = TensorView::contiguous(start.ptr, DType::i32, {S});
    batch.seg_len = TensorView::contiguous(len.ptr, DType::i32, {S});
    batch.lora_id = TensorView::contiguous(lora.ptr, DType::i32, {S});
    batch.max_seg_len = 8;
  }
};

/// Fills every row the segments cover (rows of kW bf16 elements at `base` on
/// the device) with random values; returns them in segment order.
std::vector<std::vector<std::uint16_t>> upload_covered_rows(void* base, std::mt19937_64& rng) {
  std::vector<std::vector<std::uint16_t>> rows;
  for (std::size_t s = 0; s < kStart.size(); ++s) {
    for (std::int32_t i = 0; i < kLen[s]; ++i) {
      rows.push_back(random_bf16(kW, rng));
      copy_to_device(static_cast<char*>(base) + (kStart[s] + i) * kW * 2, rows.back().data(),
                     kW * 2);
    }
  }
  return rows;
}

TEST(GpuOverflow, ExpandIntoMoreThan2To31Elements) {
  SGMV_REQUIRE_DEVICE();
  const std::size_t out_bytes = static_cast<std::size_t>(kT * kW) * 2;
  if (!enough_memory(out_bytes + static_cast<std::size_t>(kT * kR) * 2)) {
    GTEST_SKIP() << "needs about 6 GB of free device memory";
  }
  std::mt19937_64 rng(31);
  const std::vector<std::uint16_t> u = random_bf16(static_cast<std::size_t>(kT * kR), rng);
  const std::vector<std::uint16_t> B = random_bf16(static_cast<std::size_t>(kL * kW * kR), rng);
  DeviceBuffer du(u.size() * 2), dB(B.size() * 2), dout(out_bytes);
  copy_to_device(du.ptr, u.data(), u.size() * 2);
  copy_to_device(dB.ptr, B.data(), B.size() * 2);
  Metadata meta;
  // Initial values of the covered rows (add = true reads them).
  const std::vector<std::vector<std::uint16_t>> init = upload_covered_rows(dout.ptr, rng);
  const TensorView uv = TensorView::contiguous(du.ptr, DType::bf16, {kT, kR});
  const TensorView Bv = TensorView::contiguous(dB.ptr, DType::bf16, {kL, kW, kR});
  const TensorView ov = TensorView::contiguous(dout.ptr, DType::bf16, {kT, kW});

  const ExpandSlice slice{uv, Bv, 0};
  const detail::Problem p =
      detail::make_expand_problem(&slice, 1, ov, detail::batch_args(meta.batch), true);
  ASSERT_EQ(detail::index_width_for(p), detail::IndexWidth::i64);

  Context ctx;
  expand(ctx, uv, Bv, ov, meta.batch, true);
  ctx.synchronize();
  EXPECT_EQ(ctx.read_status(), 0u);

  std::size_t row = 0;
  for (std::size_t s = 0; s < kStart.size(); ++s) {
    for (std::int32_t i = 0; i < kLen[s]; ++i, ++row) {
      const std::int64_t t = kStart[s] + i;
      std::vector<std::uint16_t> got(kW);
      copy_to_host(got.data(), static_cast<char*>(dout.ptr) + t * kW * 2, kW * 2);
      double err = 0, norm = 0;
      for (std::int64_t n = 0; n < kW; ++n) {
        double ref = bf16_bits_to_float(init[row][static_cast<std::size_t>(n)]);
        for (std::int64_t r = 0; r < kR; ++r) {
          ref += double{bf16_bits_to_float(u[static_cast<std::size_t>(t * kR + r)])} *
                 bf16_bits_to_float(B[static_cast<std::size_t>((kLora[s] * kW + n) * kR + r)]);
        }
        const double g = bf16_bits_to_float(got[static_cast<std::size_t>(n)]);
        ASSERT_FALSE(std::isnan(g)) << "row " << t << " column " << n;
        err += (g - ref) * (g - ref);
        norm += ref * ref;
      }
      EXPECT_LE(std::sqrt(err / norm), 1e-2) << "row " << t << " (element offset " << t * kW << ")";
    }
  }
}

TEST(GpuOverflow, ShrinkFromMoreThan2To31Elements) {
  SGMV_REQUIRE_DEVICE();
  const std::size_t x_bytes = static_cast<std::size_t>(kT * kW) * 2;
  if (!enough_memory(x_bytes)) GTEST_SKIP() << "needs about 6 GB of free device memory";
  std::mt19937_64 rng(32);
  const std::vector<std::uint16_t> A = random_bf16(static_cast<std::size_t>(kL * kR * kW), rng);
  DeviceBuffer dx(x_bytes), dA(A.size() * 2), dy(static_cast<std::size_t>(kT * kR) * 4);
  copy_to_device(dA.ptr, A.data(), A.size() * 2);
  Metadata meta;
  const std::vector<std::vector<std::uint16_t>> rows = upload_covered_rows(dx.ptr, rng);
  const TensorView xv = TensorView::contiguous(dx.ptr, DType::bf16, {kT, kW});
  const TensorView Av = TensorView::contiguous(dA.ptr, DType::bf16, {kL, kR, kW});
  const TensorView yv = TensorView::contiguous(dy.ptr, DType::f32, {kT, kR});
  const detail::Problem p =
      detail::make_shrink_problem(xv, Av, yv, detail::batch_args(meta.batch), 0.5f);
  ASSERT_EQ(detail::index_width_for(p), detail::IndexWidth::i64);

  Context ctx;
  shrink(ctx, xv, Av, yv, meta.batch, 0.5f);
  ctx.synchronize();
  EXPECT_EQ(ctx.read_status(), 0u);

  std::size_t row = 0;
  for (std::size_t s = 0; s < kStart.size(); ++s) {
    for (std::int32_t i = 0; i < kLen[s]; ++i, ++row) {
      const std::int64_t t = kStart[s] + i;
      float got[kR];
      copy_to_host(got, static_cast<char*>(dy.ptr) + t * kR * 4, sizeof got);
      double err = 0, norm = 0;
      for (std::int64_t r = 0; r < kR; ++r) {
        double ref = 0;
        for (std::int64_t h = 0; h < kW; ++h) {
          ref += double{bf16_bits_to_float(rows[row][static_cast<std::size_t>(h)])} *
                 bf16_bits_to_float(A[static_cast<std::size_t>((kLora[s] * kR + r) * kW + h)]);
        }
        ref *= 0.5;
        ASSERT_FALSE(std::isnan(got[r])) << "row " << t;
        err += (got[r] - ref) * (got[r] - ref);
        norm += ref * ref;
      }
      EXPECT_LE(std::sqrt(err / norm), 1e-5) << "row " << t << " (x offset " << t * kW << ")";
    }
  }
}

}  // namespace
}  // namespace sgmv::test
