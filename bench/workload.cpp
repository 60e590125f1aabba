#include "workload.hpp"

#include <algorithm>
#include <random>
#include <set>

namespace sgmv_bench {

const char* name_of(Op op) {
  switch (op) {
    case Op::shrink:
      return "shrink";
    case Op::expand:
      return "expand";
    case Op::expand_multi:
      return "expand_multi";
  }
  return "?";
}

bool parse_op(const std::string& text, Op* op) {
  for (Op o : {Op::shrink, Op::expand, Op::expand_multi}) {
    if (text == name_of(o)) {
      *op = o;
      return true;
    }
  }
  return false;
}

namespace {

WorkloadSpec prefill(const char* name, std::int64_t rank) {
  WorkloadSpec w;
  w.name = name;
  w.segments = 8;
  w.seg_len = 512;
  w.adapters = 8;
  w.rank = rank;
  w.ops = {Op::shrink, Op::expand};
  return w;
}

WorkloadSpec decode(const char* name, std::int64_t rank) {
  WorkloadSpec w;
  w.name = name;
  w.segments = 256;
  w.seg_len = 1;
  w.adapters = 32;
  w.rank = rank;
  w.decode = true;
  w.ops = {Op::shrink, Op::expand};
  return w;
}

WorkloadSpec qkv(const char* name, std::int64_t rank) {
  WorkloadSpec w = prefill(name, rank);
  w.slices = {4096, 1024, 1024};
  w.ops = {Op::expand_multi};
  return w;
}

}  // namespace

const std::vector<WorkloadSpec>& named_workloads() {
  static const std::vector<WorkloadSpec> all = {
      prefill("prefill_r16", 16), prefill("prefill_r64", 64), decode("decode_r16", 16),
      decode("decode_r64", 64),   qkv("qkv_r16", 16),
  };
  return all;
}

bool find_workload(const std::string& name, WorkloadSpec* spec) {
  for (const WorkloadSpec& w : named_workloads()) {
    if (w.name == name) {
      *spec = w;
      return true;
    }
  }
  return false;
}

std::vector<std::int64_t> adapter_of_rows(const WorkloadSpec& spec) {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(spec.tokens()));
  if (spec.decode) {
    // A random adapter per token, reproducible from the seed.
    std::mt19937_64 rng(spec.seed * 0x9e3779b97f4a7c15ull + 17);
    std::uniform_int_distribution<std::int64_t> pick(0, spec.adapters - 1);
    for (auto& a : rows) a = pick(rng);
  } else {
    // Segment s (rows [s * seg_len, (s + 1) * seg_len)) uses adapter s mod L.
    for (std::size_t t = 0; t < rows.size(); ++t) {
      rows[t] =
          static_cast<std::int64_t>(t / static_cast<std::size_t>(spec.seg_len)) % spec.adapters;
    }
  }
  return rows;
}

std::int64_t adapters_used(const std::vector<std::int64_t>& row_adapter) {
  std::set<std::int64_t> used;
  for (std::int64_t a : row_adapter) {
    if (a >= 0) used.insert(a);
  }
  return static_cast<std::int64_t>(used.size());
}

std::vector<std::int64_t> slice_widths(const WorkloadSpec& spec, Op op) {
  if (op == Op::shrink) return {spec.rank};
  if (op == Op::expand_multi && !spec.slices.empty()) return spec.slices;
  if (op == Op::expand_multi) return {spec.hidden, spec.hidden / 4, spec.hidden / 4};
  return {spec.hidden};
}

Traffic floor_traffic(const WorkloadSpec& spec, Op op, std::int64_t adapters_used) {
  const double T = static_cast<double>(spec.tokens());
  const double La = static_cast<double>(adapters_used);
  const double R = static_cast<double>(spec.rank);
  const double s_in = static_cast<double>(sgmv::size_of(spec.dtype));
  const double s_w = s_in;
  Traffic t;
  if (op == Op::shrink) {
    const double H = static_cast<double>(spec.hidden);
    const double s_y = static_cast<double>(sgmv::size_of(spec.out_dtype));
    t.read = T * H * s_in + La * R * H * s_w;
    t.written = T * R * s_y;
    return t;
  }
  const double s_out = s_in;
  for (std::int64_t n : slice_widths(spec, op)) {
    const double N = static_cast<double>(n);
    t.read += T * R * s_in + La * N * R * s_w + (spec.add ? T * N * s_out : 0.0);
    t.written += T * N * s_out;
  }
  return t;
}

}  // namespace sgmv_bench
