// Workloads of sgmv-bench: the named ones of the performance design (bf16,
// H = 4096) and custom ones from flags, and the bytes each must move.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgmv/dtype.hpp"

namespace sgmv_bench {

enum class Op { shrink, expand, expand_multi };
const char* name_of(Op op);
bool parse_op(const std::string& text, Op* op);

struct WorkloadSpec {
  std::string name = "custom";
  std::int64_t segments = 8;  ///< segments (prefill) or token groups (decode)
  std::int64_t seg_len = 512;
  std::int64_t adapters = 8;   ///< L
  std::int64_t hidden = 4096;  ///< H: shrink's K, expand's N
  std::int64_t rank = 16;
  sgmv::DType dtype = sgmv::DType::bf16;      ///< activations and weights
  sgmv::DType out_dtype = sgmv::DType::bf16;  ///< shrink's y (expand writes dtype)
  bool decode = false;                        ///< per-token form with a random adapter per token
  bool add = false;                           ///< expand accumulates into out
  std::vector<std::int64_t> slices;           ///< N of each expand_multi slice
  std::vector<Op> ops;                        ///< ops this workload runs
  std::uint64_t seed = 1;

  std::int64_t tokens() const { return segments * seg_len; }
  std::string form() const { return decode ? "per_token" : "segments"; }
};

/// prefill_r16, prefill_r64, decode_r16, decode_r64, qkv_r16.
const std::vector<WorkloadSpec>& named_workloads();
/// Finds a named workload; false when `name` names none.
bool find_workload(const std::string& name, WorkloadSpec* spec);

/// The adapter of every row (-1: none), as the workload's metadata assigns them.
std::vector<std::int64_t> adapter_of_rows(const WorkloadSpec& spec);
/// Adapters the batch actually uses (La in the floor formula).
std::int64_t adapters_used(const std::vector<std::int64_t>& row_adapter);

/// Output widths of each slice of `op` (one entry unless expand_multi).
std::vector<std::int64_t> slice_widths(const WorkloadSpec& spec, Op op);

/// Bytes a kernel must read and write (the floor of the performance design):
///   shrink: reads T*H*sx + La*R*H*sw, writes T*R*sy
///   expand: reads T*R*su + La*N*R*sw (+ T*N*so with add), writes T*N*so,
///           summed over slices
struct Traffic {
  double read = 0.0;
  double written = 0.0;
  double total() const { return read + written; }
};
Traffic floor_traffic(const WorkloadSpec& spec, Op op, std::int64_t adapters_used);

}  // namespace sgmv_bench
