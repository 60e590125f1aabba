// sgmv-bench: times the SGMV ops on the configured backend against the
// device's own ceilings, measured in the same run, and checks every result
// against the float64 reference. See `sgmv-bench --help`.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "bench_case.hpp"
#include "clock.hpp"
#include "options.hpp"
#include "report.hpp"
#include "sgmv/core/launch_key.hpp"
#include "sgmv/core/runtime.hpp"
#include "sgmv/sgmv.hpp"
#include "workload.hpp"

namespace sgmv_bench {
namespace {

using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::lround(q * static_cast<double>(v.size() - 1)));
  return v[std::min(i, v.size() - 1)];
}

/// The kernel that serves a case's calls and its launch, described as the
/// library launches it (for raw launches made alike).
struct CaseKernel {
  sgmv::detail::Problem problem;  ///< enqueue_idle's call
  std::string variant = "(none)";
  sgmv::detail::RawLaunch raw;
  bool described = false;  ///< raw holds a single launch of the kernel
};
CaseKernel describe_kernel(const BenchCase& bc, sgmv::Context& ctx) {
  CaseKernel k;
  k.problem = bc.idle_problem();
  sgmv::detail::Runtime& runtime = sgmv::detail::Runtime::get();
  const sgmv::detail::LaunchKey key =
      sgmv::detail::make_launch_key(k.problem, ctx.device(), runtime.registry().tile_policy());
  const sgmv::detail::KernelVariant* variant = runtime.registry().select(key);
  if (variant == nullptr) return k;
  k.variant = variant->name;
  k.described = variant->describe != nullptr && variant->describe(k.problem, key.tile, &k.raw);
  return k;
}

/// Host cost of the launch path: an op call on a cache hit, a raw launch of
/// the same kernel, and a cache miss. The calls are the case's own with every
/// adapter id -1: the same key and kernel with no rows to compute, so that on
/// a synchronous backend too the time is the launch path's.
LaunchPath measure_launch_path(BenchCase& bc, const CaseKernel& kernel, sgmv::Context& ctx,
                               DeviceClock& clock, int burst_calls) {
  LaunchPath l;
  l.measured = true;
  l.variant = kernel.variant;
  const auto library_call = [&bc]() { bc.enqueue_idle(); };

  // Host time of bursts of calls (on asynchronous backends, the device is
  // still busy with the burst when it ends), against raw launches.
  std::function<void()> raw_call;
  if (kernel.described) raw_call = clock.raw_launcher(kernel.raw, &kernel.problem);
  if (!raw_call) l.note = "this variant has no single raw launch";
  // Pairs of bursts of `burst_calls` calls (--launch-burst), the two in
  // either order by turns; the first pair warms both paths up and is not
  // counted.
  constexpr int kPairs = 51;
  std::vector<double> lib_us, raw_us, diff_us;
  const auto burst = [&](const std::function<void()>& call) {
    ctx.synchronize();
    const auto start = Steady::now();
    for (int k = 0; k < burst_calls; ++k) call();
    return seconds_since(start) * 1e6 / burst_calls;
  };
  for (int b = 0; b <= kPairs; ++b) {
    double lib_time = 0.0, raw_time = 0.0;
    if (raw_call && b % 2 == 1) {
      raw_time = burst(raw_call);
      lib_time = burst(library_call);
    } else {
      lib_time = burst(library_call);
      if (raw_call) raw_time = burst(raw_call);
    }
    if (b == 0) continue;
    lib_us.push_back(lib_time);
    if (raw_call) {
      raw_us.push_back(raw_time);
      diff_us.push_back(lib_time - raw_time);
    }
  }
  ctx.synchronize();
  l.hit_us = percentile(lib_us, 0.5);
  if (raw_call) {
    l.raw_us = percentile(raw_us, 0.5);
    l.hit_minus_raw_us = percentile(diff_us, 0.5);
    l.hit_minus_raw_p25 = percentile(diff_us, 0.25);
    l.hit_minus_raw_p75 = percentile(diff_us, 0.75);
  }
  if (!clock.device_timing()) l.note = "synchronous backend: includes an idle kernel sweep";

  // Cache miss: clear the cache, time one call; then one hit timed the same way.
  constexpr int kReps = 21;
  std::vector<double> miss_us, hit_us;
  for (int r = 0; r < kReps; ++r) {
    ctx.synchronize();
    sgmv::clear_cache();
    auto start = Steady::now();
    library_call();
    miss_us.push_back(seconds_since(start) * 1e6);
    ctx.synchronize();
    start = Steady::now();
    library_call();
    hit_us.push_back(seconds_since(start) * 1e6);
    ctx.synchronize();
  }
  l.miss_us = percentile(miss_us, 0.5);
  l.single_hit_us = percentile(hit_us, 0.5);
  return l;
}

CaseResult run_case(const WorkloadSpec& spec, Op op, const Options& opt, sgmv::Context& ctx,
                    DeviceClock& clock, const Ceilings& ceilings) {
  CaseResult c;
  c.workload = spec.name;
  c.op = name_of(op);
  c.form = spec.form();
  c.T = spec.tokens();
  c.K = op == Op::shrink ? spec.hidden : spec.rank;
  c.R = spec.rank;
  c.L = spec.adapters;
  c.dtype = sgmv::name_of(spec.dtype);
  c.out_dtype = sgmv::name_of(op == Op::shrink ? spec.out_dtype : spec.dtype);
  c.add = spec.add && op != Op::shrink;
  try {
    const std::size_t rotation = opt.rotate_mb >= 0
                                     ? static_cast<std::size_t>(opt.rotate_mb * 1048576.0)
                                     : clock.rotation_bytes();
    BenchCase bc(spec, op, ctx, rotation, opt.rotate_meta);
    c.N = bc.out_cols();
    c.slices = bc.num_slices();
    c.La = bc.adapters_used();
    c.copies = bc.copies();
    const Traffic traffic = floor_traffic(spec, op, c.La);
    c.bytes = traffic.total();

    const auto call = [&bc](int i) { bc.enqueue(i); };
    c.warmup = opt.warmup >= 0 ? opt.warmup : clock.default_warmup();
    const sgmv::CacheStats before = sgmv::cache_stats(ctx.device());
    std::vector<double> times;
    if (opt.iters > 0) {
      c.iters = opt.iters;
      times = clock.time_calls(call, c.warmup, c.iters);
    } else {
      // Size the run from one timed call after the warm-up.
      const double one = clock.time_calls(call, c.warmup, 1).front();
      const double budget = opt.budget_ms > 0 ? opt.budget_ms * 1e-3 : clock.budget_seconds();
      c.iters = std::clamp(static_cast<int>(budget / std::max(one, 1e-7)), clock.min_iters(),
                           clock.max_iters());
      times = clock.time_calls(call, 0, c.iters);
      c.warmup += 1;
    }
    const sgmv::CacheStats after = sgmv::cache_stats(ctx.device());
    c.hits = after.hits - before.hits;
    c.misses = after.misses - before.misses;

    c.median_s = percentile(times, 0.5);
    c.min_s = percentile(times, 0.0);
    c.p90_s = percentile(times, 0.9);
    c.gbps = c.bytes / c.median_s * 1e-9;
    if (ceilings.copy_gbps > 0) {
      c.floor_s = std::max(c.bytes / (ceilings.copy_gbps * 1e9), ceilings.empty_call_us * 1e-6);
      c.efficiency = c.floor_s / c.median_s;
    }
    // The kernel and its launch, for the stream reference (launched alike)
    // and the raw launch of the launch path.
    const CaseKernel kernel =
        opt.stream || opt.launch_path ? describe_kernel(bc, ctx) : CaseKernel{};
    if (opt.stream) {
      c.stream_s =
          clock.time_stream(static_cast<std::size_t>(traffic.read),
                            static_cast<std::size_t>(traffic.written), kernel.raw.programmatic);
    }
    if (opt.check) c.check = bc.check(opt.check_rows);
    if (opt.launch_path) {
      c.launch = measure_launch_path(bc, kernel, ctx, clock, opt.launch_burst);
    }
  } catch (const std::exception& e) {
    c.error = e.what();
  }
  return c;
}

int run(const Options& opt) {
  if (sgmv::device_count() == 0) {
    std::fprintf(stderr, "sgmv-bench: the %s backend sees no device\n", sgmv::backend_name());
    return 2;
  }
  sgmv::Context ctx(opt.device);
  std::unique_ptr<DeviceClock> clock = make_device_clock(ctx);
  Report report;
  report.backend = sgmv::backend_name();
  report.timing = clock->method();
  report.calls_per_interval = clock->calls_per_interval();
  report.ceilings = clock->measure_ceilings();

  for (const WorkloadSpec& spec : opt.workloads) {
    for (Op op : spec.ops) {
      const auto start = Steady::now();
      report.cases.push_back(run_case(spec, op, opt, ctx, *clock, report.ceilings));
      std::fprintf(stderr, "sgmv-bench: %s %s done in %.1f s\n", spec.name.c_str(), name_of(op),
                   seconds_since(start));
    }
  }
  print_table(report);
  if (!opt.json_path.empty() && !write_json(report, opt.json_path)) return 1;

  int failed = 0;
  for (const CaseResult& c : report.cases) {
    if (!c.error.empty() || (c.check.ran && !c.check.passed)) ++failed;
  }
  if (failed > 0) {
    std::printf("\nsgmv-bench: %d of %zu cases failed (error or reference check)\n", failed,
                report.cases.size());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace sgmv_bench

int main(int argc, char** argv) {
  sgmv_bench::Options options;
  std::string error;
  if (!sgmv_bench::parse_options(argc, argv, &options, &error)) {
    std::fprintf(stderr, "sgmv-bench: %s\n", error.c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(sgmv_bench::usage().c_str(), stdout);
    return 0;
  }
  if (options.list) {
    for (const sgmv_bench::WorkloadSpec& w : sgmv_bench::named_workloads()) {
      std::printf("%s\n", w.name.c_str());
    }
    return 0;
  }
  try {
    return sgmv_bench::run(options);
  } catch (const sgmv::Error& e) {
    std::fprintf(stderr, "sgmv-bench: %s: %s\n", sgmv::name_of(e.code()), e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sgmv-bench: %s\n", e.what());
  }
  return 1;
}
