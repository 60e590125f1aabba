// GPU clock: device time from events recorded between groups of back-to-back
// calls, after a spin kernel has given the host time to queue them all (so
// times are GPU-paced, not launch-paced). Vendor calls go through gpu_runtime.hpp, so
// this file compiles as CUDA, and as HIP where a build compiles it so.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_case.hpp"  // DeviceBuffer, rotation_copies
#include "clock.hpp"
#include "gpu_runtime.hpp"
#if !defined(SGMV_BACKEND_HIP)
#include "backends/cuda_hip/programmatic_launch.hpp"
#include "kernels/vendor.cuh"  // await_previous_grids
#endif
#include "sgmv/context.hpp"

namespace sgmv_bench {
namespace {

__global__ void empty_kernel() {}

// Reads `n` 16-byte words and keeps the result live (a read-only ceiling);
// `sink` is written only for a value the data never produces.
__global__ void read_kernel(const uint4* src, std::size_t n, unsigned* sink) {
  unsigned acc = 0;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const uint4 v = src[i];
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x9e3779b9u) *sink = acc;
}

// The same-bytes reference (DeviceClock::time_stream): reads `n_read` and
// writes `n_write` 16-byte words, kUnroll independent loads in flight per
// thread; word i is written from word i read where both exist, and reads
// past the written words fold into `sink` (written only for a value the data
// never produces). It waits for the previous kernel where sgmv's kernels do.
constexpr int kStreamUnroll = 4;
constexpr int kStreamThreads = 256;
__global__ void __launch_bounds__(kStreamThreads)
    stream_kernel(const uint4* src, std::size_t n_read, uint4* dst, std::size_t n_write,
                  unsigned* sink) {
#if !defined(SGMV_BACKEND_HIP)
  sgmv::gpu::await_previous_grids();
#endif
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t n = n_read > n_write ? n_read : n_write;
  unsigned acc = 0;
  for (std::size_t base = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; base < n;
       base += kStreamUnroll * stride) {
    uint4 v[kStreamUnroll];
#pragma unroll
    for (int u = 0; u < kStreamUnroll; ++u) {
      const std::size_t i = base + u * stride;
      v[u] = i < n_read ? src[i] : make_uint4(static_cast<unsigned>(i), 0u, 0u, 0u);
    }
#pragma unroll
    for (int u = 0; u < kStreamUnroll; ++u) {
      const std::size_t i = base + u * stride;
      if (i < n_write) {
        dst[i] = v[u];
      } else {
        acc ^= v[u].x ^ v[u].y ^ v[u].z ^ v[u].w;
      }
    }
  }
  if (acc == 0x9e3779b9u) *sink = acc;
}

// Busy-waits for `ns` nanoseconds of device time.
__global__ void spin_kernel(unsigned long long ns) {
#if defined(__HIP_PLATFORM_AMD__)
  // The real-time counter ticks at 100 MHz on the AMD GPUs sgmv targets.
  const unsigned long long start = __builtin_amdgcn_s_memrealtime();
  while ((__builtin_amdgcn_s_memrealtime() - start) * 10ull < ns) {
  }
#else
  unsigned long long start, now;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
  } while (now - start < ns);
#endif
}

void check(gpuError_t status, const char* what) {
  if (status != gpuSuccess) {
    throw std::runtime_error(std::string("sgmv-bench: ") + what + ": " + gpuGetErrorString(status));
  }
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

class EventClock final : public DeviceClock {
 public:
  explicit EventClock(sgmv::Context& ctx)
      : ctx_(ctx), stream_(static_cast<gpuStream_t>(ctx.stream())) {
    check(gpuSetDevice(ctx.device()), "set device");
    gpuDeviceProp prop{};
    check(gpuGetDeviceProperties(&prop, ctx.device()), "device properties");
    l2_bytes_ = prop.l2CacheSize > 0 ? static_cast<std::size_t>(prop.l2CacheSize) : 0;
    device_name_ = prop.name;
    sms_ = prop.multiProcessorCount > 0 ? prop.multiProcessorCount : 1;
  }
  ~EventClock() override {
    for (gpuEvent_t e : events_) (void)gpuEventDestroy(e);
  }
  EventClock(const EventClock&) = delete;
  EventClock& operator=(const EventClock&) = delete;

  std::string method() const override {
    return std::string(SGMV_GPU_VENDOR) + " events, GPU-paced (" + device_name_ + ")";
  }
  bool device_timing() const override { return true; }
  std::size_t rotation_bytes() const override {
    // Four times the L2 cache (at least 128 MiB): a copy has left the cache
    // before the rotation comes back to it.
    return std::max<std::size_t>(4 * l2_bytes_, std::size_t{128} << 20);
  }
  int default_warmup() const override { return 10; }
  int min_iters() const override { return 50; }
  int max_iters() const override { return 1000; }
  double budget_seconds() const override { return 0.2; }

  Ceilings measure_ceilings() override {
    Ceilings c;
    constexpr std::size_t kBytes = std::size_t{256} << 20;
    const DeviceBuffer src_buffer(kBytes, ctx_.device()), dst_buffer(kBytes, ctx_.device());
    void* src = src_buffer.get();
    void* dst = dst_buffer.get();
    const std::vector<double> copies = timed(
        [&](int) {
          check(gpuMemcpyAsync(dst, src, kBytes, gpuMemcpyDeviceToDevice, stream_), "copy");
        },
        3, 20, 1, 20000ull);
    c.copy_gbps = 2.0 * static_cast<double>(kBytes) / median_of(copies) * 1e-9;
    c.copy_method = "device-to-device copy of 256 MiB, read + written";
    // src is zero-filled first: the read kernel's sink stays untouched.
    check(gpuMemsetAsync(src, 0, kBytes, stream_), "memset");
    const std::vector<double> writes = timed(
        [&](int) { check(gpuMemsetAsync(dst, 1, kBytes, stream_), "memset"); }, 3, 20, 1, 20000ull);
    c.write_gbps = static_cast<double>(kBytes) / median_of(writes) * 1e-9;
    const std::vector<double> reads = timed(
        [&](int) {
          read_kernel<<<8 * sms_, 256, 0, stream_>>>(static_cast<const uint4*>(src), kBytes / 16,
                                                     static_cast<unsigned*>(dst));
          check(gpuGetLastError(), "read kernel launch");
        },
        3, 20, 1, 20000ull);
    c.read_gbps = static_cast<double>(kBytes) / median_of(reads) * 1e-9;

    // Empty kernels back to back: one interval per group of kGroup kernels.
    constexpr int kGroup = kQueuedCalls;
    const std::vector<double> per_kernel = timed(
        [&](int) {
          empty_kernel<<<1, 1, 0, stream_>>>();
          check(gpuGetLastError(), "empty kernel launch");
        },
        kGroup, 9 * kGroup, kGroup, 8000ull);
    c.empty_call_us = median_of(per_kernel) * 1e6;
    const std::vector<double> singles = timed(
        [&](int) {
          empty_kernel<<<1, 1, 0, stream_>>>();
          check(gpuGetLastError(), "empty kernel launch");
        },
        10, 200, 1, 20000ull);
    c.empty_timed_us = median_of(singles) * 1e6;
    c.empty_method = "back-to-back empty kernels, GPU-paced";
    return c;
  }

  std::vector<double> time_calls(const std::function<void(int)>& call, int warmup,
                                 int iters) override {
    return timed(call, warmup, iters, kCallsPerInterval, 20000ull);
  }
  int calls_per_interval() const override { return kCallsPerInterval; }

  double time_stream(std::size_t read_bytes, std::size_t write_bytes, bool programmatic) override {
#if defined(SGMV_BACKEND_HIP)
    (void)programmatic;  // programmatic dependent launch is CUDA's
#endif
    const std::size_t n_read = (read_bytes + 15) / 16, n_write = (write_bytes + 15) / 16;
    // Slots of 256-byte aligned read and write regions, rotated as a case's
    // copies are: enough of them to exceed rotation_bytes (at most 64).
    const auto round_up = [](std::size_t b) { return (b + 255) / 256 * 256; };
    const std::size_t read_span = round_up(16 * n_read), slot = read_span + round_up(16 * n_write);
    const std::size_t slots = rotation_copies(rotation_bytes(), slot);
    const DeviceBuffer pool(slots * slot + 256, ctx_.device());
    auto* base = static_cast<unsigned char*>(pool.get());
    check(gpuMemsetAsync(pool.get(), 0, pool.bytes(), stream_), "memset");
    auto* sink = reinterpret_cast<unsigned*>(base + slots * slot);
    // The best of three grid sizes (2, 4 and 8 blocks per SM): a reference
    // the kernels are held to should be the fastest this kernel manages.
    double best = 0.0;
    for (const int per_sm : {2, 4, 8}) {
      const unsigned blocks = static_cast<unsigned>(per_sm * sms_);
      const std::vector<double> times = timed(
          [&](int i) {
            unsigned char* at = base + static_cast<std::size_t>(i) % slots * slot;
            const auto* src = reinterpret_cast<const uint4*>(at);
            auto* dst = reinterpret_cast<uint4*>(at + read_span);
            std::size_t nr = n_read, nw = n_write;
            void* args[] = {&src, &nr, &dst, &nw, &sink};
            const auto func = reinterpret_cast<const void*>(&stream_kernel);
#if !defined(SGMV_BACKEND_HIP)
            if (programmatic) {
              check(sgmv::gpu::launch_programmatic(func, dim3(blocks), dim3(kStreamThreads), args,
                                                   0, stream_),
                    "stream kernel launch");
              return;
            }
#endif
            check(gpuLaunchKernel(func, dim3(blocks), dim3(kStreamThreads), args, 0, stream_),
                  "stream kernel launch");
          },
          20, 200, kCallsPerInterval, 20000ull);
      const double t = median_of(times);
      if (best == 0.0 || t < best) best = t;
    }
    return best;
  }

  std::function<void()> raw_launcher(const sgmv::detail::RawLaunch& raw,
                                     const sgmv::detail::Problem* problem) override {
    gpuStream_t stream = stream_;
    return [raw, problem, stream]() {
      void* args[] = {const_cast<void*>(raw.argument(problem))};
      const dim3 grid(raw.grid[0], raw.grid[1], raw.grid[2]);
      const dim3 block(raw.block[0], raw.block[1], raw.block[2]);
#if !defined(SGMV_BACKEND_HIP)
      if (raw.programmatic) {  // as the library launches it (launch.cuh)
        check(sgmv::gpu::launch_programmatic(raw.func, grid, block, args, raw.shared_bytes, stream),
              "raw launch");
        return;
      }
#endif
      check(gpuLaunchKernel(raw.func, grid, block, args, raw.shared_bytes, stream), "raw launch");
    };
  }

 private:
  /// Calls run back to back (no event between them) in groups of
  /// kCallsPerInterval per timed interval, as kernels run in a serving loop
  /// and as the empty-kernel ceiling is measured: an event after every call
  /// adds about 2 us of GPU time to each (device run 4 of the sixth session:
  /// an empty kernel took 3.7-3.9 us with one, 1.7-1.9 us without).
  static constexpr int kCallsPerInterval = 10;
  /// Calls queued behind one spin kernel, at most. Past the depth of the
  /// runtime's launch queue the host waits on it and the calls can run no
  /// faster than the host launches them: one spin ahead of 4,500 empty
  /// kernels timed 3.4-8.7 us per kernel from run to run (about the host's
  /// launch cost), 200 at a time 1.7-1.9 us.
  static constexpr int kQueuedCalls = 200;

  /// Times `iters` calls after `warmup` untimed ones, in intervals of `group`
  /// calls; returns each interval's time per call (seconds). Every run of at
  /// most kQueuedCalls calls waits behind a spin kernel that holds the
  /// stream for `host_ns_per_call` per call (plus 2 ms), long enough for the
  /// host to queue them all: times are GPU-paced.
  std::vector<double> timed(const std::function<void(int)>& call, int warmup, int iters, int group,
                            unsigned long long host_ns_per_call) {
    for (int i = 0; i < warmup; ++i) call(i);
    check(gpuStreamSynchronize(stream_), "warm-up");
    group = std::max(1, std::min(group, iters));
    const int per_run = std::max(1, kQueuedCalls / group) * group;
    ensure_events(per_run / group + 1);
    std::vector<double> times;
    for (int done = 0; done < iters;) {
      const int calls = std::min(per_run, iters - done);
      const int intervals = (calls + group - 1) / group;
      spin_kernel<<<1, 1, 0, stream_>>>(2000000ull +
                                        host_ns_per_call * static_cast<unsigned long long>(calls));
      check(gpuGetLastError(), "spin kernel launch");
      check(gpuEventRecord(events_[0], stream_), "event record");
      for (int j = 0; j < intervals; ++j) {
        for (int q = j * group; q < std::min(calls, (j + 1) * group); ++q) call(warmup + done + q);
        check(gpuEventRecord(events_[static_cast<std::size_t>(j) + 1], stream_), "event record");
      }
      check(gpuEventSynchronize(events_[static_cast<std::size_t>(intervals)]), "event sync");
      for (int j = 0; j < intervals; ++j) {
        float ms = 0.0f;
        check(gpuEventElapsedTime(&ms, events_[static_cast<std::size_t>(j)],
                                  events_[static_cast<std::size_t>(j) + 1]),
              "event elapsed time");
        const int in_interval = std::min(calls, (j + 1) * group) - j * group;
        times.push_back(static_cast<double>(ms) * 1e-3 / in_interval);
      }
      done += calls;
    }
    return times;
  }

  void ensure_events(int count) {
    while (static_cast<int>(events_.size()) < count) {
      gpuEvent_t e;
      check(gpuEventCreate(&e), "event create");
      events_.push_back(e);
    }
  }

  sgmv::Context& ctx_;
  gpuStream_t stream_;
  std::size_t l2_bytes_ = 0;
  std::string device_name_;
  int sms_ = 1;
  std::vector<gpuEvent_t> events_;
};

}  // namespace

std::unique_ptr<DeviceClock> make_device_clock(sgmv::Context& ctx) {
  return std::make_unique<EventClock>(ctx);
}

}  // namespace sgmv_bench
