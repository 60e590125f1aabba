// Host clock: steady_clock around each call plus a fence. The Kokkos backend
// runs kernels on the host (its device memory is host memory), so this is
// what its timing means; builds of other backends without event timing use it
// as a fallback and say so.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "clock.hpp"
#include "sgmv/context.hpp"

namespace sgmv_bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

class HostClock final : public DeviceClock {
 public:
  explicit HostClock(sgmv::Context& ctx) : ctx_(ctx) {}

  std::string method() const override {
#if defined(SGMV_BACKEND_KOKKOS)
    return "steady_clock + fence";
#else
    return "steady_clock + stream sync (event timing is not available in this build)";
#endif
  }
  bool device_timing() const override { return false; }
  std::size_t rotation_bytes() const override { return 0; }
  int default_warmup() const override { return 1; }
  int min_iters() const override { return 3; }
  int max_iters() const override { return 200; }
  double budget_seconds() const override { return 0.5; }

  Ceilings measure_ceilings() override {
    Ceilings c;
#if defined(SGMV_BACKEND_KOKKOS)
    // Device memory is host memory here: a memcpy between two device buffers
    // is the device-to-device copy.
    constexpr std::size_t kBytes = std::size_t{64} << 20;
    void* src = sgmv::device_alloc(kBytes, ctx_.device());
    void* dst = sgmv::device_alloc(kBytes, ctx_.device());
    std::memset(src, 1, kBytes);
    std::memset(dst, 0, kBytes);  // first touch outside the timed copies
    std::vector<double> times;
    for (int i = 0; i < 5; ++i) {
      const auto start = Clock::now();
      std::memcpy(dst, src, kBytes);
      times.push_back(seconds_since(start));
    }
    sgmv::device_free(src, ctx_.device());
    sgmv::device_free(dst, ctx_.device());
    c.copy_gbps = 2.0 * static_cast<double>(kBytes) / median_of(times) * 1e-9;
    c.copy_method = "memcpy of 64 MiB, read + written";
#else
    c.copy_method = "not measured (no device-to-device copy without event timing)";
#endif
    std::vector<double> fences;
    for (int i = 0; i < 1000; ++i) {
      const auto start = Clock::now();
      ctx_.synchronize();
      fences.push_back(seconds_since(start));
    }
    c.empty_call_us = median_of(fences) * 1e6;
    c.empty_method = "fence on an idle context";
    return c;
  }

  std::vector<double> time_calls(const std::function<void(int)>& call, int warmup,
                                 int iters) override {
    for (int i = 0; i < warmup; ++i) call(i);
    ctx_.synchronize();
    std::vector<double> times;
    times.reserve(static_cast<std::size_t>(iters));
    for (int i = 0; i < iters; ++i) {
      const auto start = Clock::now();
      call(warmup + i);
      ctx_.synchronize();
      times.push_back(seconds_since(start));
    }
    return times;
  }

  std::function<void()> raw_launcher(const sgmv::detail::RawLaunch& /*raw*/,
                                     const sgmv::detail::Problem* /*problem*/) override {
    return {};
  }

 private:
  sgmv::Context& ctx_;
};

}  // namespace

std::unique_ptr<DeviceClock> make_device_clock(sgmv::Context& ctx) {
  return std::make_unique<HostClock>(ctx);
}

}  // namespace sgmv_bench
