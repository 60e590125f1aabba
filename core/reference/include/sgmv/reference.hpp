// The float64 reference of every op: plain C++ on host memory, the oracle of
// the conformance suite and of sgmv-bench's check. Not a backend users pick.
//
// Each function takes the same arguments as the op of the same name, except
// that every view (tensors and metadata) points to host memory and the result
// goes to `result`: a row-major [T, W] array of doubles (W = the output's
// last extent) that the caller fills with the output's values before the call
// (rows the op leaves untouched keep them). Arguments are validated exactly as
// the op validates them (same errors). Device-resident metadata faults are
// skipped as the kernels skip them; the StatusBits they would record are
// returned.
#pragma once

#include <cstdint>
#include <vector>

#include "sgmv/batch.hpp"
#include "sgmv/dtype.hpp"
#include "sgmv/ops.hpp"
#include "sgmv/tensor.hpp"

namespace sgmv::reference {

std::uint32_t shrink(const TensorView& x, const TensorView& A, const TensorView& y,
                     const SegmentBatch& batch, float scale, std::vector<double>& result);
std::uint32_t shrink(const TensorView& x, const TensorView& A, const TensorView& y,
                     const TokenBatch& batch, float scale, std::vector<double>& result);
std::uint32_t expand(const TensorView& u, const TensorView& B, const TensorView& out,
                     const SegmentBatch& batch, bool add, std::vector<double>& result);
std::uint32_t expand(const TensorView& u, const TensorView& B, const TensorView& out,
                     const TokenBatch& batch, bool add, std::vector<double>& result);
std::uint32_t expand_slice(const TensorView& u, const TensorView& B, const TensorView& out,
                           const SegmentBatch& batch, std::int64_t offset, bool add,
                           std::vector<double>& result);
std::uint32_t expand_slice(const TensorView& u, const TensorView& B, const TensorView& out,
                           const TokenBatch& batch, std::int64_t offset, bool add,
                           std::vector<double>& result);
std::uint32_t expand_multi(const ExpandSlice* slices, int num_slices, const TensorView& out,
                           const SegmentBatch& batch, bool add, std::vector<double>& result);
std::uint32_t expand_multi(const ExpandSlice* slices, int num_slices, const TensorView& out,
                           const TokenBatch& batch, bool add, std::vector<double>& result);

/// Reads element i of a host array of `dtype` as a double.
double load(const void* data, DType dtype, std::int64_t i);
/// The value of `v` after rounding to `dtype` (f16, bf16 or f32), as a double.
double round_to(DType dtype, double v);
/// Reads a host tensor view ([T, W], inner dim contiguous) into row-major doubles.
std::vector<double> to_doubles(const TensorView& view);

}  // namespace sgmv::reference
