// One op of one workload, ready to run: host data, device buffers (several
// copies, for rotation), views and metadata, plus the reference check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sgmv/core/problem.hpp"
#include "sgmv/sgmv.hpp"
#include "workload.hpp"

namespace sgmv_bench {

/// Device memory of one buffer, freed on destruction.
class DeviceBuffer {
 public:
  DeviceBuffer(std::size_t bytes, int device);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&&) = delete;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return ptr_; }
  std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
  int device_ = 0;
};

/// Copies of `copy_bytes` that together exceed `rotation_bytes` (1 when
/// either is 0; at most 64): how many operand sets a rotation cycles through.
std::size_t rotation_copies(std::size_t rotation_bytes, std::size_t copy_bytes);

struct CheckResult {
  bool ran = false;
  bool passed = false;
  std::int64_t rows = 0;  ///< rows compared with the reference
  double rel_error = 0.0;
  double tolerance = 0.0;
  std::uint32_t status = 0;  ///< device status word after the checked call
  std::string message;
};

class BenchCase {
 public:
  /// Makes host data and `copies` sets of device buffers; the number of
  /// copies is the smallest whose inputs exceed `rotation_bytes` (at least 1,
  /// at most 64). The copies share one set of batch metadata (as every
  /// layer's call of a serving step shares its batch's) unless
  /// `rotate_meta`, which gives each copy its own.
  BenchCase(const WorkloadSpec& spec, Op op, sgmv::Context& ctx, std::size_t rotation_bytes,
            bool rotate_meta);

  const WorkloadSpec& spec() const { return spec_; }
  Op op() const { return op_; }
  int copies() const { return static_cast<int>(sets_.size()); }
  std::int64_t adapters_used() const { return adapters_used_; }
  std::int64_t out_cols() const { return out_cols_; }
  int num_slices() const { return static_cast<int>(widths_.size()); }
  /// Bytes of one set of operands (inputs, weights, output, metadata).
  std::size_t set_bytes() const { return set_bytes_; }

  /// Enqueues one call of the op on copy `i % copies()` through the public API.
  void enqueue(int i) { enqueue_on(sets_[static_cast<std::size_t>(i) % sets_.size()], false); }
  /// The same call on copy 0 with every adapter id -1: the same launch key
  /// and kernel, but no rows to compute. Measures the launch path alone.
  void enqueue_idle() { enqueue_on(sets_[0], true); }
  /// The validated Problem of enqueue_idle's call, as the library builds it.
  sgmv::detail::Problem idle_problem() const;
  /// Resets copy 0's output, runs the op once on it and compares `sample_rows`
  /// rows (all rows when there are fewer) with the float64 reference.
  CheckResult check(std::int64_t sample_rows);

 private:
  struct Set {
    std::vector<DeviceBuffer> in, w;  // one per slice
    std::vector<DeviceBuffer> meta;   // seg_start, seg_len, lora_id or token_lora
    std::vector<DeviceBuffer> out;    // one
    std::vector<sgmv::TensorView> in_view, w_view;
    std::vector<sgmv::ExpandSlice> slices;  // expand_multi's, built once (as a server would)
    sgmv::TensorView out_view;
    sgmv::SegmentBatch segments;
    sgmv::TokenBatch tokens;
    // Copy 0 only: the same batch with every adapter id -1.
    std::vector<DeviceBuffer> idle_meta;
    sgmv::SegmentBatch idle_segments;
    sgmv::TokenBatch idle_tokens;
  };
  void build_sets(std::size_t rotation_bytes, bool rotate_meta);
  void enqueue_on(Set& s, bool idle);
  void upload_output(const Set& set, const std::vector<unsigned char>& host);

  WorkloadSpec spec_;
  Op op_;
  sgmv::Context& ctx_;
  std::int64_t T_ = 0, K_ = 0, L_ = 0, out_cols_ = 0;
  sgmv::DType in_dtype_, w_dtype_, out_dtype_;
  std::vector<std::int64_t> widths_, offsets_;
  std::vector<std::int64_t> row_adapter_;
  std::int64_t adapters_used_ = 0;
  // Host copies of the operands (the reference's inputs).
  std::vector<std::vector<unsigned char>> host_in_, host_w_;
  std::vector<unsigned char> host_out_init_;  // out before each call (add: accumulated into)
  std::vector<std::int32_t> seg_start_, seg_len_, lora_id_, token_lora_;
  std::vector<Set> sets_;
  std::size_t set_bytes_ = 0;
};

}  // namespace sgmv_bench
