#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace sgmv_bench {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string shape_of(const CaseResult& c) {
  std::ostringstream s;
  s << "T=" << c.T << " K=" << c.K << " N=" << c.N << " L=" << c.La << "/" << c.L;
  if (c.slices > 1) s << " x" << c.slices;
  return s.str();
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

void print_table(const Report& r) {
  std::printf("sgmv-bench: backend %s, timing by %s\n", r.backend.c_str(), r.timing.c_str());
  if (r.ceilings.copy_gbps > 0) {
    std::printf("  copy bandwidth %.1f GB/s (%s)\n", r.ceilings.copy_gbps,
                r.ceilings.copy_method.c_str());
  } else {
    std::printf("  copy bandwidth: %s\n", r.ceilings.copy_method.c_str());
  }
  std::printf("  empty call     %.2f us (%s)\n", r.ceilings.empty_call_us,
              r.ceilings.empty_method.c_str());
  if (r.ceilings.empty_timed_us > 0) {
    std::printf(
        "  empty call     %.2f us with an event after each call (context; not in the floor)\n",
        r.ceilings.empty_timed_us);
  }
  if (r.ceilings.read_gbps > 0 && r.ceilings.write_gbps > 0) {
    std::printf("  read only      %.1f GB/s, write only %.1f GB/s (context; not in the floor)\n",
                r.ceilings.read_gbps, r.ceilings.write_gbps);
  }
  if (r.calls_per_interval > 1) {
    std::printf("  median: per call, over intervals of %d back-to-back calls\n",
                r.calls_per_interval);
  }
  std::printf("  floor = max(bytes / copy bandwidth, empty call); efficiency = floor / median\n");
  std::printf(
      "  stream: a streaming kernel of the same bytes read and written, timed alike "
      "(context; not in the floor); of stream = stream / median\n\n");

  std::printf("%-12s %-12s %-9s %-30s %-4s %6s %11s %9s %8s %10s %6s %-13s %9s %10s %9s\n",
              "workload", "op", "form", "shape", "add", "iters", "median us", "MB", "GB/s",
              "floor us", "eff", "check", "hit/miss", "stream us", "of stream");
  for (const CaseResult& c : r.cases) {
    if (!c.error.empty()) {
      std::printf("%-12s %-12s %-9s error: %s\n", c.workload.c_str(), c.op.c_str(), c.form.c_str(),
                  c.error.c_str());
      continue;
    }
    std::string check = "skipped";
    if (c.check.ran) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%s %.1e", c.check.passed ? "ok" : "FAIL", c.check.rel_error);
      check = buf;
    }
    const bool stream = c.stream_s > 0 && c.median_s > 0;
    std::printf(
        "%-12s %-12s %-9s %-30s %-4s %6d %11s %9s %8s %10s %6s %-13s %4llu/%-4llu %10s %9s\n",
        c.workload.c_str(), c.op.c_str(), c.form.c_str(), shape_of(c).c_str(), c.add ? "yes" : "no",
        c.iters, fixed(c.median_s * 1e6, 2).c_str(), fixed(c.bytes / 1e6, 2).c_str(),
        fixed(c.gbps, 1).c_str(), fixed(c.floor_s * 1e6, 2).c_str(),
        c.efficiency > 0 ? fixed(c.efficiency, 3).c_str() : "n/a", check.c_str(),
        static_cast<unsigned long long>(c.hits), static_cast<unsigned long long>(c.misses),
        stream ? fixed(c.stream_s * 1e6, 2).c_str() : "n/a",
        stream ? fixed(c.stream_s / c.median_s, 3).c_str() : "n/a");
  }

  bool any_launch = false;
  for (const CaseResult& c : r.cases) any_launch = any_launch || c.launch.measured;
  if (!any_launch) return;
  std::printf("\nlaunch path (host time per call, us):\n");
  std::printf(
      "(hit: an op call on a launch-cache hit, which the CUDA backend launches through the\n"
      " driver unless SGMV_CUDA_DRIVER_LAUNCH=0; raw: the runtime's launch of the same kernel\n"
      " with the same attributes; hit-raw: median of the differences of paired bursts; iqr:\n"
      " their 25th-75th percentiles)\n");
  std::printf("%-12s %-12s %10s %10s %10s %15s %10s %10s  %s\n", "workload", "op", "hit", "raw",
              "hit-raw", "iqr", "miss", "miss-hit", "variant");
  for (const CaseResult& c : r.cases) {
    if (!c.launch.measured) continue;
    const LaunchPath& l = c.launch;
    const bool raw = l.raw_us >= 0;
    const std::string iqr =
        raw ? fixed(l.hit_minus_raw_p25, 3) + ".." + fixed(l.hit_minus_raw_p75, 3) : "n/a";
    std::printf("%-12s %-12s %10s %10s %10s %15s %10s %10s  %s%s%s\n", c.workload.c_str(),
                c.op.c_str(), fixed(l.hit_us, 3).c_str(), raw ? fixed(l.raw_us, 3).c_str() : "n/a",
                raw ? fixed(l.hit_minus_raw_us, 3).c_str() : "n/a", iqr.c_str(),
                fixed(l.miss_us, 2).c_str(), fixed(l.miss_us - l.single_hit_us, 2).c_str(),
                l.variant.c_str(), l.note.empty() ? "" : " - ", l.note.c_str());
  }
}

bool write_json(const Report& r, const std::string& path) {
  std::ostringstream j;
  j << "{\n  \"backend\": " << json_string(r.backend)
    << ",\n  \"timing\": " << json_string(r.timing)
    << ",\n  \"calls_per_interval\": " << r.calls_per_interval
    << ",\n  \"ceilings\": {\"copy_gbps\": "
    << json_number(r.ceilings.copy_gbps > 0 ? r.ceilings.copy_gbps : NAN)
    << ", \"copy_method\": " << json_string(r.ceilings.copy_method)
    << ", \"empty_call_us\": " << json_number(r.ceilings.empty_call_us)
    << ", \"empty_method\": " << json_string(r.ceilings.empty_method)
    << ", \"read_gbps\": " << json_number(r.ceilings.read_gbps > 0 ? r.ceilings.read_gbps : NAN)
    << ", \"empty_timed_us\": "
    << json_number(r.ceilings.empty_timed_us > 0 ? r.ceilings.empty_timed_us : NAN)
    << ", \"write_gbps\": " << json_number(r.ceilings.write_gbps > 0 ? r.ceilings.write_gbps : NAN)
    << "},\n  \"results\": [";
  for (std::size_t i = 0; i < r.cases.size(); ++i) {
    const CaseResult& c = r.cases[i];
    j << (i ? "," : "") << "\n    {\"workload\": " << json_string(c.workload)
      << ", \"op\": " << json_string(c.op) << ", \"form\": " << json_string(c.form);
    if (!c.error.empty()) {
      j << ", \"error\": " << json_string(c.error) << "}";
      continue;
    }
    j << ", \"T\": " << c.T << ", \"K\": " << c.K << ", \"N\": " << c.N << ", \"rank\": " << c.R
      << ", \"adapters\": " << c.L << ", \"adapters_used\": " << c.La
      << ", \"slices\": " << c.slices << ", \"dtype\": " << json_string(c.dtype)
      << ", \"out_dtype\": " << json_string(c.out_dtype)
      << ", \"add\": " << (c.add ? "true" : "false") << ",\n     \"warmup\": " << c.warmup
      << ", \"iters\": " << c.iters << ", \"copies\": " << c.copies
      << ", \"median_us\": " << json_number(c.median_s * 1e6)
      << ", \"min_us\": " << json_number(c.min_s * 1e6)
      << ", \"p90_us\": " << json_number(c.p90_s * 1e6) << ", \"bytes\": " << json_number(c.bytes)
      << ", \"gbps\": " << json_number(c.gbps) << ", \"floor_us\": " << json_number(c.floor_s * 1e6)
      << ", \"efficiency\": " << json_number(c.efficiency > 0 ? c.efficiency : NAN)
      << ", \"stream_us\": " << json_number(c.stream_s > 0 ? c.stream_s * 1e6 : NAN)
      << ",\n     \"check\": {\"ran\": " << (c.check.ran ? "true" : "false")
      << ", \"passed\": " << (c.check.passed ? "true" : "false") << ", \"rows\": " << c.check.rows
      << ", \"rel_error\": " << json_number(c.check.rel_error)
      << ", \"tolerance\": " << json_number(c.check.tolerance) << ", \"status\": " << c.check.status
      << ", \"message\": " << json_string(c.check.message) << "}"
      << ",\n     \"cache\": {\"hits\": " << c.hits << ", \"misses\": " << c.misses << "}";
    if (c.launch.measured) {
      const LaunchPath& l = c.launch;
      j << ",\n     \"launch\": {\"hit_us\": " << json_number(l.hit_us)
        << ", \"raw_us\": " << json_number(l.raw_us >= 0 ? l.raw_us : NAN)
        << ", \"hit_minus_raw_us\": " << json_number(l.raw_us >= 0 ? l.hit_minus_raw_us : NAN)
        << ", \"hit_minus_raw_iqr_us\": [" << json_number(l.raw_us >= 0 ? l.hit_minus_raw_p25 : NAN)
        << ", " << json_number(l.raw_us >= 0 ? l.hit_minus_raw_p75 : NAN) << "]"
        << ", \"miss_us\": " << json_number(l.miss_us)
        << ", \"single_hit_us\": " << json_number(l.single_hit_us)
        << ", \"variant\": " << json_string(l.variant) << ", \"note\": " << json_string(l.note)
        << "}";
    }
    j << "}";
  }
  j << "\n  ]\n}\n";
  std::ofstream f(path);
  f << j.str();
  if (!f) {
    std::fprintf(stderr, "sgmv-bench: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace sgmv_bench
