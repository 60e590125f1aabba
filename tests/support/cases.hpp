// Building blocks of the parameterised conformance cases: a named OpSpec,
// metadata patterns, and the run-and-compare step every case ends with.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "support/op_case.hpp"

namespace sgmv::test {

/// One value-parameterised case: a readable name and the call.
struct NamedSpec {
  std::string name;
  OpSpec spec;
};
inline void PrintTo(const NamedSpec& c, std::ostream* os) { *os << c.name; }
inline std::string case_name(const ::testing::TestParamInfo<NamedSpec>& param) {
  return param.param.name;
}

/// How the rows of a case map to adapters.
enum class Pattern {
  mixed,           ///< random lengths 0..7, gaps, some adapter -1, unsorted
  single,          ///< one segment over every row
  one_token,       ///< T segments of one row
  with_empty,      ///< many zero-length segments among the others
  many,            ///< many short segments, in order, covering every row
  unsorted,        ///< as many, shuffled
  gaps,            ///< rows covered by no segment between segments
  no_adapter,      ///< a share of segments with adapter -1
  all_no_adapter,  ///< every segment has adapter -1: nothing is written
  late_start,      ///< one segment starting mid-batch
  bounded,         ///< max_seg_len below some lengths: their tails stay untouched
  bound_exact,     ///< max_seg_len equal to the longest segment
  bound_above,     ///< max_seg_len above T
  halves,          ///< two long segments
};
const char* name_of(Pattern p);

/// Fills spec.segments (Form::segments) or spec.token_lora (Form::tokens,
/// where `no_adapter_share` of the rows get -1) for spec.T and spec.L.
void set_segments(OpSpec& spec, Pattern pattern);
void set_tokens(OpSpec& spec, double no_adapter_share);
/// set_tokens with a tenth of the rows at -1, then every third token on
/// adapter 0: a per-token call whose blocks' token ranges take several scan
/// passes (kernels/metadata.cuh), with an unfinished tile carried between
/// them and whole tiles before it.
void set_skewed_tokens(OpSpec& spec);

/// A spec with one slice of width n (shrink: R; expand ops: N) at `offset`.
OpSpec basic_spec(Op op, Form form, DType in, DType w, DType out, std::int64_t T, std::int64_t K,
                  std::int64_t n, std::int64_t offset = 0);

/// Runs the case on a fresh Context of spec.device: checks the output against
/// the reference and the status word against the metadata. Reports a skip
/// when the backend answers Error(unsupported).
void run_and_check(const OpSpec& spec);

}  // namespace sgmv::test
