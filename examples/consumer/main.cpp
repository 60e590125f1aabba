// Uses the installed sgmv through its public API only: one shrink of three
// tokens against two adapters, checked against values worked out by hand.
#include <sgmv/sgmv.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

// Device buffer holding a copy of a host vector; freed on scope exit.
template <typename T>
class DeviceCopy {
 public:
  explicit DeviceCopy(const std::vector<T>& host) : bytes_(host.size() * sizeof(T)) {
    ptr_ = sgmv::device_alloc(bytes_);
    sgmv::copy_to_device(ptr_, host.data(), bytes_);
  }
  ~DeviceCopy() { sgmv::device_free(ptr_); }
  DeviceCopy(const DeviceCopy&) = delete;
  DeviceCopy& operator=(const DeviceCopy&) = delete;
  void* get() const { return ptr_; }

 private:
  std::size_t bytes_;
  void* ptr_;
};

}  // namespace

int main() {
  if (sgmv::device_count() == 0) {
    std::printf("sgmv-consumer: no %s device; nothing to run\n", sgmv::backend_name());
    return 0;
  }
  constexpr std::int64_t T = 3, H = 4, R = 2, L = 2;
  // x[t, h] = t + 1; A[l, r, h] = (l + 1) * (r + 1) for every h.
  std::vector<float> x(T * H), A(L * R * H), y(T * R, -1.0f);
  for (std::int64_t t = 0; t < T; ++t)
    for (std::int64_t h = 0; h < H; ++h) x[t * H + h] = static_cast<float>(t + 1);
  for (std::int64_t l = 0; l < L; ++l)
    for (std::int64_t r = 0; r < R; ++r)
      for (std::int64_t h = 0; h < H; ++h)
        A[(l * R + r) * H + h] = static_cast<float>((l + 1) * (r + 1));
  // Rows 0-1 use adapter 1, row 2 uses adapter 0.
  const std::vector<std::int32_t> seg_start{0, 2}, seg_len{2, 1}, lora_id{1, 0};

  try {
    sgmv::Context ctx;
    DeviceCopy<float> dx(x), dA(A), dy(y);
    DeviceCopy<std::int32_t> dstart(seg_start), dlen(seg_len), dlora(lora_id);
    sgmv::SegmentBatch batch;
    batch.seg_start = sgmv::TensorView::contiguous(dstart.get(), sgmv::DType::i32, {2});
    batch.seg_len = sgmv::TensorView::contiguous(dlen.get(), sgmv::DType::i32, {2});
    batch.lora_id = sgmv::TensorView::contiguous(dlora.get(), sgmv::DType::i32, {2});
    batch.max_seg_len = 2;

    const float scale = 0.5f;
    sgmv::shrink(ctx, sgmv::TensorView::contiguous(dx.get(), sgmv::DType::f32, {T, H}),
                 sgmv::TensorView::contiguous(dA.get(), sgmv::DType::f32, {L, R, H}),
                 sgmv::TensorView::contiguous(dy.get(), sgmv::DType::f32, {T, R}), batch, scale);
    ctx.synchronize();
    sgmv::copy_to_host(y.data(), dy.get(), y.size() * sizeof(float));
    if (ctx.read_status() != sgmv::status_ok) {
      std::printf("sgmv-consumer: device status 0x%x\n", ctx.read_status());
      return 1;
    }
  } catch (const sgmv::Error& e) {
    std::printf("sgmv-consumer: sgmv error (%s): %s\n", sgmv::name_of(e.code()), e.what());
    return 1;
  }

  // y[t, r] = scale * H * (t + 1) * (l + 1) * (r + 1).
  const std::int64_t adapter_of_row[T] = {1, 1, 0};
  int bad = 0;
  for (std::int64_t t = 0; t < T; ++t) {
    for (std::int64_t r = 0; r < R; ++r) {
      const double want = 0.5 * H * (t + 1) * (adapter_of_row[t] + 1) * (r + 1);
      const double got = y[t * R + r];
      if (std::fabs(got - want) > 1e-5 * std::fabs(want)) {
        std::printf("sgmv-consumer: y[%lld, %lld] = %g, expected %g\n", static_cast<long long>(t),
                    static_cast<long long>(r), got, want);
        ++bad;
      }
    }
  }
  std::printf("sgmv-consumer: %s backend, shrink of %lld tokens: %s\n", sgmv::backend_name(),
              static_cast<long long>(T), bad == 0 ? "ok" : "WRONG");
  return bad == 0 ? 0 : 1;
}
