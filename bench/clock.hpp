// How sgmv-bench times work on the configured backend. One implementation per
// build: clock_gpu.cu (CUDA events) or clock_host.cpp (steady_clock and a
// fence, for Kokkos and for builds without event timing).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sgmv/context.hpp"
#include "sgmv/core/kernel_registry.hpp"
#include "sgmv/core/problem.hpp"

namespace sgmv_bench {

/// The ceilings of the device, measured in the same run as the kernels.
struct Ceilings {
  double copy_gbps = 0.0;      ///< device-to-device copy, bytes read + written per ns; 0: unknown
  double empty_call_us = 0.0;  ///< back-to-back empty kernel (GPU) or empty fenced call (host)
  /// Context for read-heavy (shrink) and write-heavy (expand) kernels; the
  /// floor uses copy_gbps. Bytes per ns; 0: not measured.
  double read_gbps = 0.0;   ///< a kernel that only reads (16-byte loads)
  double write_gbps = 0.0;  ///< memset: only writes
  /// An empty kernel with an event recorded after every call, us (context:
  /// what a per-call event adds).
  double empty_timed_us = 0.0;
  std::string copy_method;
  std::string empty_method;
};

class DeviceClock {
 public:
  virtual ~DeviceClock() = default;

  /// How times are taken ("cuda events", "steady_clock + fence", ...).
  virtual std::string method() const = 0;
  /// Whether `time_calls` measures device time apart from host enqueue cost.
  virtual bool device_timing() const = 0;
  /// Inputs are rotated over copies until they exceed this many bytes, so
  /// that a timed call does not find its operands in cache (0: no rotation).
  virtual std::size_t rotation_bytes() const = 0;
  /// Defaults for the number of calls timed.
  virtual int default_warmup() const = 0;
  virtual int min_iters() const = 0;
  virtual int max_iters() const = 0;
  virtual double budget_seconds() const = 0;

  virtual Ceilings measure_ceilings() = 0;

  /// Runs `call(i)` for i in [0, warmup + iters), back to back, and times
  /// the last `iters` in intervals of calls_per_interval() calls: returns
  /// each interval's time per call, in seconds.
  virtual std::vector<double> time_calls(const std::function<void(int)>& call, int warmup,
                                         int iters) = 0;
  /// Calls per timed interval of time_calls.
  virtual int calls_per_interval() const = 0;

  /// The same-bytes reference of a case: the median time per call of a
  /// streaming kernel that reads `read_bytes` and writes `write_bytes` in
  /// 16-byte words (read words copied to the written ones, the rest of the
  /// reads folded into a sink), inputs rotated and calls timed back to back
  /// as time_calls does; the fastest of a few grid sizes. `programmatic`:
  /// launched as sgmv launches with programmatic dependent launch
  /// (RawLaunch::programmatic), waiting for the previous kernel as sgmv's
  /// kernels do. Seconds; 0 when this build has no such kernel.
  virtual double time_stream(std::size_t read_bytes, std::size_t write_bytes,
                             bool programmatic) = 0;

  /// A callable that launches `raw` directly through the vendor runtime with
  /// `*problem` as the kernel's only argument (the problem must outlive it);
  /// empty when this build has no raw launch.
  virtual std::function<void()> raw_launcher(const sgmv::detail::RawLaunch& raw,
                                             const sgmv::detail::Problem* problem) = 0;
};

/// The clock of this build's backend, bound to ctx's device and stream.
std::unique_ptr<DeviceClock> make_device_clock(sgmv::Context& ctx);

}  // namespace sgmv_bench
