// Host clock: steady_clock around each call plus a fence. It is the Kokkos
// backend's clock (kernels on the host for Serial/OpenMP builds; with a GPU
// build of Kokkos, the fence makes the time the device's plus one round
// trip); builds of other backends without event timing use it as a fallback
// and say so.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "clock.hpp"
#include "sgmv/context.hpp"

#if defined(SGMV_BACKEND_KOKKOS)
#include <Kokkos_Core.hpp>
#endif

namespace sgmv_bench {
namespace {

#if defined(SGMV_BACKEND_KOKKOS)
using Space = Kokkos::DefaultExecutionSpace;
using DeviceBytes = Kokkos::View<unsigned char*, Space::memory_space, Kokkos::MemoryUnmanaged>;
struct EmptyKernel {
  KOKKOS_INLINE_FUNCTION void operator()(const int) const {}
};
#endif

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
    // Device-to-device copy in the backend's memory space (sgmv's device
    // allocations are Kokkos allocations there).
    constexpr std::size_t kBytes = std::size_t{64} << 20;
    void* src = sgmv::device_alloc(kBytes, ctx_.device());
    void* dst = sgmv::device_alloc(kBytes, ctx_.device());
    const DeviceBytes from(static_cast<unsigned char*>(src), kBytes);
    const DeviceBytes to(static_cast<unsigned char*>(dst), kBytes);
    Kokkos::deep_copy(from, static_cast<unsigned char>(1));
    Kokkos::deep_copy(to, static_cast<unsigned char>(0));  // first touch outside the timing
    // Host-accessible memory: memcpy is the fastest copy there is (Kokkos
    // 3.4's deep_copy on Serial is several times slower); elsewhere deep_copy.
    constexpr bool kHostMemory =
        Kokkos::SpaceAccessibility<Kokkos::HostSpace, Space::memory_space>::accessible;
    std::vector<double> times;
    for (int i = 0; i < 5; ++i) {
      const auto start = Clock::now();
      if constexpr (kHostMemory) {
        std::memcpy(dst, src, kBytes);
      } else {
        Kokkos::deep_copy(to, from);
      }
      Space().fence();
      times.push_back(seconds_since(start));
    }
    sgmv::device_free(src, ctx_.device());
    sgmv::device_free(dst, ctx_.device());
    c.copy_gbps = 2.0 * static_cast<double>(kBytes) / median_of(times) * 1e-9;
    c.copy_method = std::string(kHostMemory ? "memcpy" : "Kokkos deep_copy") + " of 64 MiB in " +
                    Space::name() + " memory, read + written";

    // Empty kernels back to back, then one fence.
    constexpr int kKernels = 1000;
    std::vector<double> per_kernel;
    for (int rep = 0; rep < 5; ++rep) {
      const auto start = Clock::now();
      for (int k = 0; k < kKernels; ++k) {
        Kokkos::parallel_for("sgmv_bench_empty", Kokkos::RangePolicy<Space>(0, 1), EmptyKernel{});
      }
      Space().fence();
      per_kernel.push_back(seconds_since(start) / kKernels);
    }
    c.empty_call_us = median_of(per_kernel) * 1e6;
    c.empty_method = std::string("back-to-back empty parallel_for on ") + Space::name();
#else
    c.copy_method = "not measured (no device-to-device copy without event timing)";
    std::vector<double> fences;
    for (int i = 0; i < 1000; ++i) {
      const auto start = Clock::now();
      ctx_.synchronize();
      fences.push_back(seconds_since(start));
    }
    c.empty_call_us = median_of(fences) * 1e6;
    c.empty_method = "stream sync on an idle context";
#endif
    return c;
  }

  int calls_per_interval() const override { return 1; }
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

  double time_stream(std::size_t /*read_bytes*/, std::size_t /*write_bytes*/,
                     bool /*programmatic*/) override {
    return 0.0;  // a host clock has no kernel of its own to stream with
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
