#include "options.hpp"

#include <cstdlib>
#include <sstream>

namespace sgmv_bench {
namespace {

bool parse_int(const std::string& text, std::int64_t lo, std::int64_t* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (*end != '\0' || v < lo) return false;
  *value = v;
  return true;
}

bool parse_double(const std::string& text, double* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return *end == '\0' && *value >= 0;
}

bool parse_float_dtype(const std::string& text, sgmv::DType* t) {
  for (sgmv::DType d : {sgmv::DType::f16, sgmv::DType::bf16, sgmv::DType::f32}) {
    if (text == sgmv::name_of(d)) {
      *t = d;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string usage() {
  std::ostringstream s;
  s << "usage: sgmv-bench [WORKLOAD...] [--all] [options]\n"
       "\n"
       "Times SGMV ops on the configured backend, checks them against the float64\n"
       "reference and reports time, bytes moved, GB/s and efficiency against the\n"
       "device's own copy bandwidth and empty-kernel time (measured in the same run).\n"
       "\n"
       "Workloads (bf16, H = 4096):\n";
  for (const WorkloadSpec& w : named_workloads()) {
    s << "  " << w.name << "  " << (w.decode ? "per-token " : "") << w.segments << " x "
      << w.seg_len << " tokens, " << w.adapters << " adapters, rank " << w.rank;
    if (!w.slices.empty()) s << ", expand into slices 4096/1024/1024";
    s << "\n";
  }
  s << "  --all                 every named workload\n"
       "\n"
       "A custom workload (any of these flags without a workload name):\n"
       "  --segments S          segments (or token groups with --decode)  [8]\n"
       "  --seg-len N           tokens per segment                        [512]\n"
       "  --adapters L          adapters                                  [8]\n"
       "  --hidden H            hidden size (shrink's K, expand's N)      [4096]\n"
       "  --rank R              LoRA rank                                 [16]\n"
       "  --dtype T             f16, bf16 or f32                          [bf16]\n"
       "  --out-dtype T         shrink output dtype: f32 or the dtype     [dtype]\n"
       "  --op OP               shrink, expand or expand_multi (repeatable;\n"
       "                        also filters the ops of named workloads)  [shrink, expand]\n"
       "  --slices N1,N2,...    widths of expand_multi's slices           [H,H/4,H/4]\n"
       "  --decode              per-token form, a random adapter per token\n"
       "  --add                 expand accumulates into its output\n"
       "  --seed N              operand and adapter seed (every workload) [1]\n"
       "\n"
       "Measurement:\n"
       "  --iters N             timed calls per case (default: a time budget)\n"
       "  --warmup N            untimed calls before timing\n"
       "  --budget-ms X         time budget per case when --iters is not given\n"
       "  --rotate-mb M         rotate operand copies until they exceed M MiB\n"
       "                        (default: 4 x L2 on GPUs, none on the host)\n"
       "  --rotate-meta         give every copy its own batch metadata (default:\n"
       "                        the copies share one, as a step's layers do)\n"
       "  --check-rows N        rows compared with the reference (0: all)   [256]\n"
       "  --no-check            skip the reference check\n"
       "  --no-stream           skip the same-bytes streaming kernel of each case\n"
       "  --no-launch-path      skip host cost, raw launch and cache-miss timing\n"
       "  --launch-burst N      calls per timed burst of the launch path    [256]\n"
       "  --device D            device index                              [0]\n"
       "  --json FILE           also write the results as JSON\n"
       "  --list                list the named workloads\n";
  return s.str();
}

bool parse_options(int argc, char** argv, Options* o, std::string* error) {
  WorkloadSpec custom;
  custom.ops.clear();
  bool want_custom = false, all = false;
  std::vector<std::string> names;
  std::vector<Op> op_filter;
  bool add = false, decode = false, out_dtype_set = false;
  std::uint64_t seed = custom.seed;

  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= argc) {
        *error = arg + " needs a value";
        return false;
      }
      *v = argv[++i];
      return true;
    };
    auto int_flag = [&](std::int64_t lo, std::int64_t* out) {
      std::string v;
      if (!value(&v)) return false;
      if (!parse_int(v, lo, out)) {
        *error = arg + ": '" + v + "' is not an integer >= " + std::to_string(lo);
        return false;
      }
      return true;
    };
    std::string v;
    std::int64_t n = 0;
    if (arg == "-h" || arg == "--help") {
      o->help = true;
    } else if (arg == "--list") {
      o->list = true;
    } else if (arg == "--all") {
      all = true;
    } else if (arg == "--segments") {
      if (!int_flag(1, &custom.segments)) return false;
      want_custom = true;
    } else if (arg == "--seg-len") {
      if (!int_flag(1, &custom.seg_len)) return false;
      want_custom = true;
    } else if (arg == "--adapters") {
      if (!int_flag(1, &custom.adapters)) return false;
      want_custom = true;
    } else if (arg == "--hidden") {
      if (!int_flag(1, &custom.hidden)) return false;
      want_custom = true;
    } else if (arg == "--rank") {
      if (!int_flag(1, &custom.rank)) return false;
      want_custom = true;
    } else if (arg == "--dtype" || arg == "--out-dtype") {
      if (!value(&v)) return false;
      sgmv::DType t;
      if (!parse_float_dtype(v, &t)) {
        *error = arg + ": '" + v + "' is not f16, bf16 or f32";
        return false;
      }
      (arg == "--dtype" ? custom.dtype : custom.out_dtype) = t;
      out_dtype_set = out_dtype_set || arg == "--out-dtype";
      want_custom = true;
    } else if (arg == "--op") {
      if (!value(&v)) return false;
      Op op;
      if (!parse_op(v, &op)) {
        *error = "--op: '" + v + "' is not shrink, expand or expand_multi";
        return false;
      }
      op_filter.push_back(op);
    } else if (arg == "--slices") {
      if (!value(&v)) return false;
      std::istringstream in(v);
      std::string part;
      custom.slices.clear();
      while (std::getline(in, part, ',')) {
        if (!parse_int(part, 1, &n)) {
          *error = "--slices: '" + v + "' is not a comma-separated list of widths >= 1";
          return false;
        }
        custom.slices.push_back(n);
      }
      if (custom.slices.empty() || custom.slices.size() > 8) {
        *error = "--slices: give 1 to 8 widths";
        return false;
      }
      want_custom = true;
    } else if (arg == "--decode") {
      decode = true;
      want_custom = true;
    } else if (arg == "--add") {
      add = true;
    } else if (arg == "--seed") {
      if (!int_flag(0, &n)) return false;
      seed = static_cast<std::uint64_t>(n);
    } else if (arg == "--iters") {
      if (!int_flag(1, &n)) return false;
      o->iters = static_cast<int>(n);
    } else if (arg == "--warmup") {
      if (!int_flag(0, &n)) return false;
      o->warmup = static_cast<int>(n);
    } else if (arg == "--budget-ms" || arg == "--rotate-mb") {
      double d = 0;
      if (!value(&v) || !parse_double(v, &d)) {
        if (error->empty()) *error = arg + ": '" + v + "' is not a number >= 0";
        return false;
      }
      (arg == "--budget-ms" ? o->budget_ms : o->rotate_mb) = d;
    } else if (arg == "--check-rows") {
      if (!int_flag(0, &o->check_rows)) return false;
    } else if (arg == "--no-check") {
      o->check = false;
    } else if (arg == "--rotate-meta") {
      o->rotate_meta = true;
    } else if (arg == "--no-stream") {
      o->stream = false;
    } else if (arg == "--no-launch-path") {
      o->launch_path = false;
    } else if (arg == "--launch-burst") {
      if (!int_flag(1, &n)) return false;
      o->launch_burst = static_cast<int>(n);
    } else if (arg == "--device") {
      if (!int_flag(0, &n)) return false;
      o->device = static_cast<int>(n);
    } else if (arg == "--json") {
      if (!value(&o->json_path)) return false;
    } else if (!arg.empty() && arg[0] != '-') {
      names.push_back(arg);
    } else {
      *error = "unknown option '" + arg + "' (try --help)";
      return false;
    }
  }

  if (all) {
    for (const WorkloadSpec& w : named_workloads()) names.push_back(w.name);
  }
  for (const std::string& name : names) {
    WorkloadSpec w;
    if (!find_workload(name, &w)) {
      *error = "no workload named '" + name + "' (try --list)";
      return false;
    }
    o->workloads.push_back(w);
  }
  if (want_custom || (names.empty() && !op_filter.empty())) {
    custom.decode = decode;
    if (!out_dtype_set) custom.out_dtype = custom.dtype;
    if (custom.out_dtype != custom.dtype && custom.out_dtype != sgmv::DType::f32) {
      *error = "--out-dtype must be f32 or the --dtype";
      return false;
    }
    custom.ops = op_filter.empty() ? std::vector<Op>{Op::shrink, Op::expand} : op_filter;
    o->workloads.push_back(custom);
  } else if (!op_filter.empty()) {
    // Filter the named workloads' ops.
    for (WorkloadSpec& w : o->workloads) {
      std::vector<Op> kept;
      for (Op op : w.ops) {
        for (Op f : op_filter) {
          if (op == f) kept.push_back(op);
        }
      }
      w.ops = kept;
    }
  }
  for (WorkloadSpec& w : o->workloads) {
    w.add = w.add || add;
    w.seed = seed;
  }
  if (o->workloads.empty() && !o->list && !o->help) {
    *error = "nothing to run: name a workload, --all, or give a custom shape (try --help)";
    return false;
  }
  return true;
}

}  // namespace sgmv_bench
