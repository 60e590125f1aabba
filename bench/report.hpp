// Results of sgmv-bench and how they are printed: a table on stdout and,
// with --json, a machine-readable file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_case.hpp"
#include "clock.hpp"

namespace sgmv_bench {

/// Host-side cost of the launch path (microseconds per call).
struct LaunchPath {
  bool measured = false;
  double hit_us = 0.0;   ///< one op call on a cache hit, host time (bursts on GPUs)
  double raw_us = -1.0;  ///< raw vendor launch of the same kernel; < 0: not available
  /// hit - raw: the median, 25th and 75th percentiles of the differences of
  /// paired bursts (a burst of calls and the burst of raw launches next to
  /// it), which cancels the host's slow drifts that the two medians see.
  double hit_minus_raw_us = 0.0, hit_minus_raw_p25 = 0.0, hit_minus_raw_p75 = 0.0;
  double miss_us = 0.0;        ///< first call after clear_cache, host time
  double single_hit_us = 0.0;  ///< one call on a hit, timed like the miss (for the difference)
  std::string variant;         ///< name of the kernel variant that served the call
  std::string note;
};

struct CaseResult {
  std::string workload;
  std::string op;
  std::string form;
  std::int64_t T = 0, K = 0, N = 0, R = 0, L = 0, La = 0;
  int slices = 1;
  std::string dtype, out_dtype;
  bool add = false;
  int warmup = 0, iters = 0, copies = 1;
  double median_s = 0.0, min_s = 0.0, p90_s = 0.0;
  double bytes = 0.0;
  double gbps = 0.0;
  double floor_s = 0.0;
  double efficiency = 0.0;  ///< floor / median; 0 when the floor is unknown
  /// The same-bytes streaming kernel's median (DeviceClock::time_stream),
  /// seconds; 0 when not measured.
  double stream_s = 0.0;
  CheckResult check;
  std::uint64_t hits = 0, misses = 0;
  LaunchPath launch;
  std::string error;  ///< non-empty when the case could not run
};

struct Report {
  std::string backend;
  std::string timing;
  int calls_per_interval = 1;  ///< back-to-back calls per timed interval
  Ceilings ceilings;
  std::vector<CaseResult> cases;
};

void print_table(const Report& report);
/// Writes the report as JSON; false (with a message on stderr) on an I/O error.
bool write_json(const Report& report, const std::string& path);

}  // namespace sgmv_bench
