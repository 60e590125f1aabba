#include "support/op_case.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "sgmv/core/kernel_registry.hpp"
#include "sgmv/core/launch_key.hpp"
#include "sgmv/core/runtime.hpp"
#include "sgmv/core/validate.hpp"
#include "sgmv/reference.hpp"

namespace sgmv::test {

const char* name_of(Op op) {
  switch (op) {
    case Op::shrink:
      return "shrink";
    case Op::expand:
      return "expand";
    case Op::expand_slice:
      return "expand_slice";
    case Op::expand_multi:
      return "expand_multi";
  }
  return "?";
}

const char* name_of(Form form) { return form == Form::segments ? "segments" : "tokens"; }

double tolerance_for(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return 1e-5;
    case DType::f16:
      return 2e-3;
    case DType::bf16:
      return 1e-2;
    default:
      return 0.0;
  }
}

std::int64_t OpSpec::out_width() const {
  if (W > 0) return W;
  std::int64_t width = 0;
  for (const SliceSpec& s : slices) width = std::max(width, s.offset + s.n);
  return width;
}

std::uint64_t seed_of(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string dtype_tag(DType t) { return sgmv::name_of(t); }

OpCase::OpCase(OpSpec spec) : spec_(std::move(spec)) {
  const OpSpec& s = spec_;
  if (s.slices.empty() || (s.op != Op::expand_multi && s.slices.size() != 1)) {
    throw std::invalid_argument("OpCase: shrink / expand / expand_slice take exactly one slice");
  }
  std::mt19937_64 rng(s.seed);
  for (const SliceSpec& sl : s.slices) {
    in_.emplace_back(s.in, std::vector<std::int64_t>{s.T, s.K}, sl.in_layout, s.device);
    std::vector<std::int64_t> wshape = s.w_rank4 ? std::vector<std::int64_t>{s.L, 1, sl.n, s.K}
                                                 : std::vector<std::int64_t>{s.L, sl.n, s.K};
    w_.emplace_back(s.w, wshape, sl.w_layout, s.device);
    in_.back().fill_random(rng);
    w_.back().fill_random(rng);
    in_.back().upload();
    w_.back().upload();
  }
  out_ = Tensor(s.out, {s.T, s.out_width()}, s.out_layout, s.device);
  if (s.add) {
    // add == true reads the output: give the written elements real values.
    const std::vector<std::uint8_t> mask = written_mask();
    const std::vector<std::int64_t> offsets = out_.element_offsets();
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    for (std::size_t i = 0; i < mask.size(); ++i) {
      if (mask[i]) out_.set_host_value(offsets[i], dist(rng));
    }
  }
  out_.upload();
  out_initial_ = out_.host();

  if (s.form == Form::segments) {
    seg_start_ = Tensor::indices(s.meta, s.segments.start, s.device);
    seg_len_ = Tensor::indices(s.meta, s.segments.len, s.device);
    lora_id_ = Tensor::indices(s.meta, s.segments.lora, s.device);
  } else {
    if (static_cast<std::int64_t>(s.token_lora.size()) != s.T) {
      throw std::invalid_argument("OpCase: token_lora needs T entries");
    }
    token_lora_ = Tensor::indices(s.meta, s.token_lora, s.device);
  }
}

OpArgs OpCase::args(bool device) const {
  auto view = [device](const Tensor& t) { return device ? t.device_view() : t.host_view(); };
  OpArgs a;
  for (std::size_t i = 0; i < in_.size(); ++i) {
    a.slices.push_back(ExpandSlice{view(in_[i]), view(w_[i]), spec_.slices[i].offset});
  }
  a.num_slices = static_cast<int>(a.slices.size());
  a.out = view(out_);
  if (spec_.form == Form::segments) {
    a.segments.seg_start = view(seg_start_);
    a.segments.seg_len = view(seg_len_);
    a.segments.lora_id = view(lora_id_);
    a.segments.max_seg_len = spec_.segments.max_seg_len;
  } else {
    a.tokens.token_lora = view(token_lora_);
  }
  a.add = spec_.add;
  a.scale = spec_.scale;
  return a;
}

OpArgs OpCase::device_args() const { return args(true); }
OpArgs OpCase::host_args() const { return args(false); }

void OpCase::launch(Context& ctx, const OpArgs& a) const {
  const bool seg = spec_.form == Form::segments;
  const ExpandSlice& s0 = a.slices.at(0);
  switch (spec_.op) {
    case Op::shrink:
      if (seg) {
        sgmv::shrink(ctx, s0.u, s0.B, a.out, a.segments, a.scale);
      } else {
        sgmv::shrink(ctx, s0.u, s0.B, a.out, a.tokens, a.scale);
      }
      return;
    case Op::expand:
      if (seg) {
        sgmv::expand(ctx, s0.u, s0.B, a.out, a.segments, a.add);
      } else {
        sgmv::expand(ctx, s0.u, s0.B, a.out, a.tokens, a.add);
      }
      return;
    case Op::expand_slice:
      if (seg) {
        sgmv::expand_slice(ctx, s0.u, s0.B, a.out, a.segments, s0.offset, a.add);
      } else {
        sgmv::expand_slice(ctx, s0.u, s0.B, a.out, a.tokens, s0.offset, a.add);
      }
      return;
    case Op::expand_multi:
      if (seg) {
        sgmv::expand_multi(ctx, a.slices.data(), a.num_slices, a.out, a.segments, a.add);
      } else {
        sgmv::expand_multi(ctx, a.slices.data(), a.num_slices, a.out, a.tokens, a.add);
      }
      return;
  }
}

std::uint32_t run_reference(Op op, Form form, const OpArgs& a, std::vector<double>& result) {
  const bool seg = form == Form::segments;
  const ExpandSlice& s0 = a.slices.at(0);
  switch (op) {
    case Op::shrink:
      return seg ? reference::shrink(s0.u, s0.B, a.out, a.segments, a.scale, result)
                 : reference::shrink(s0.u, s0.B, a.out, a.tokens, a.scale, result);
    case Op::expand:
      return seg ? reference::expand(s0.u, s0.B, a.out, a.segments, a.add, result)
                 : reference::expand(s0.u, s0.B, a.out, a.tokens, a.add, result);
    case Op::expand_slice:
      return seg ? reference::expand_slice(s0.u, s0.B, a.out, a.segments, s0.offset, a.add, result)
                 : reference::expand_slice(s0.u, s0.B, a.out, a.tokens, s0.offset, a.add, result);
    case Op::expand_multi:
      return seg ? reference::expand_multi(a.slices.data(), a.num_slices, a.out, a.segments, a.add,
                                           result)
                 : reference::expand_multi(a.slices.data(), a.num_slices, a.out, a.tokens, a.add,
                                           result);
  }
  return 0;
}

std::vector<double> OpCase::reference(std::uint32_t* status) const {
  const OpArgs a = host_args();
  // The host mirror of the output holds its initial state.
  std::vector<double> result = reference::to_doubles(a.out);
  const std::uint32_t bits = run_reference(spec_.op, spec_.form, a, result);
  if (status != nullptr) *status = bits;
  return result;
}

std::vector<std::uint8_t> OpCase::written_mask() const {
  const std::int64_t T = spec_.T, W = spec_.out_width();
  const std::vector<std::uint8_t> rows = spec_.form == Form::segments
                                             ? written_rows(T, spec_.L, spec_.segments)
                                             : written_rows(T, spec_.L, spec_.token_lora);
  std::vector<std::uint8_t> cols(static_cast<std::size_t>(W), 0);
  for (const SliceSpec& sl : spec_.slices) {
    const std::int64_t first = spec_.op == Op::shrink || spec_.op == Op::expand ? 0 : sl.offset;
    for (std::int64_t c = first; c < first + sl.n && c < W; ++c) {
      cols[static_cast<std::size_t>(c)] = 1;
    }
  }
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(T * W), 0);
  for (std::int64_t t = 0; t < T; ++t) {
    for (std::int64_t c = 0; c < W; ++c) {
      mask[static_cast<std::size_t>(t * W + c)] =
          rows[static_cast<std::size_t>(t)] & cols[static_cast<std::size_t>(c)];
    }
  }
  return mask;
}

::testing::AssertionResult OpCase::check(const std::vector<double>& expected) const {
  return check_bytes(out_.download(), expected);
}

::testing::AssertionResult OpCase::check_bytes(const std::vector<unsigned char>& got,
                                               const std::vector<double>& expected) const {
  const DType dt = out_.dtype();
  const std::int64_t W = spec_.out_width();
  const std::size_t esize = size_of(dt);
  const std::vector<std::uint8_t> mask = written_mask();
  const std::vector<std::int64_t> offsets = out_.element_offsets();
  if (got.size() != out_initial_.size() || expected.size() != mask.size()) {
    return ::testing::AssertionFailure() << "size mismatch between output, expectation and mask";
  }
  // owner[e]: the [T, W] index of storage element e, or -1 (padding, base, guard).
  std::vector<std::int64_t> owner(static_cast<std::size_t>(out_.storage_elements()), -1);
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    owner[static_cast<std::size_t>(offsets[i])] = static_cast<std::int64_t>(i);
  }

  auto where = [W](std::int64_t idx) {
    std::ostringstream s;
    if (idx < 0) {
      s << "(outside the view)";
    } else {
      s << "[" << idx / W << ", " << idx % W << "]";
    }
    return s.str();
  };

  double diff2 = 0.0, ref2 = 0.0, worst = -1.0;
  std::int64_t worst_at = -1, nans = 0, first_nan = -1, changed = 0, first_changed = -1,
               first_changed_elem = -1, compared = 0;
  double worst_got = 0.0, worst_ref = 0.0;
  for (std::int64_t e = 0; e < out_.storage_elements(); ++e) {
    const std::int64_t idx = owner[static_cast<std::size_t>(e)];
    if (idx >= 0 && mask[static_cast<std::size_t>(idx)]) {
      ++compared;
      const double g = read_element(got.data(), dt, e);
      const double r = reference::round_to(dt, expected[static_cast<std::size_t>(idx)]);
      if (std::isnan(g) || std::isnan(r)) {
        if (nans++ == 0) first_nan = idx;
        continue;
      }
      const double d = std::fabs(g - r);
      diff2 += d * d;
      ref2 += r * r;
      if (d > worst) {
        worst = d;
        worst_at = idx;
        worst_got = g;
        worst_ref = r;
      }
    } else if (std::memcmp(got.data() + e * static_cast<std::int64_t>(esize),
                           out_initial_.data() + e * static_cast<std::int64_t>(esize),
                           esize) != 0) {
      if (changed++ == 0) {
        first_changed = idx;
        first_changed_elem = e;
      }
    }
  }

  std::ostringstream msg;
  bool ok = true;
  if (changed > 0) {
    ok = false;
    msg << changed << " element(s) that must stay untouched changed; first at storage element "
        << first_changed_elem << " " << where(first_changed) << " now "
        << read_element(got.data(), dt, first_changed_elem) << ". ";
  }
  if (nans > 0) {
    ok = false;
    msg << nans << " written element(s) are NaN (in the output or the reference); first at "
        << where(first_nan) << ". ";
  }
  const double rel = ref2 > 0.0 ? std::sqrt(diff2) / std::sqrt(ref2) : std::sqrt(diff2);
  const double tol = tolerance_for(dt);
  if (!(rel <= tol)) {
    ok = false;
    msg << "relative error " << rel << " > " << tol << " (" << sgmv::name_of(dt)
        << " output); worst element " << where(worst_at) << ": got " << worst_got << ", expected "
        << worst_ref << ". ";
  }
  if (!ok) return ::testing::AssertionFailure() << msg.str();
  return ::testing::AssertionSuccess() << compared << " elements within " << rel;
}

::testing::AssertionResult OpCase::check_unchanged() const {
  const std::vector<unsigned char> got = out_.download();
  if (got == out_initial_) return ::testing::AssertionSuccess();
  std::size_t first = 0;
  while (first < got.size() && got[first] == out_initial_[first]) ++first;
  return ::testing::AssertionFailure()
         << "the output changed; first differing byte " << first << " of " << got.size();
}

::testing::AssertionResult OpCase::check_inputs_unchanged() const {
  auto same = [](const Tensor& t) { return t.storage_bytes() == 0 || t.download() == t.host(); };
  for (std::size_t i = 0; i < in_.size(); ++i) {
    if (!same(in_[i])) return ::testing::AssertionFailure() << "input of slice " << i << " changed";
    if (!same(w_[i]))
      return ::testing::AssertionFailure() << "weights of slice " << i << " changed";
  }
  const Tensor* meta[] = {&seg_start_, &seg_len_, &lora_id_, &token_lora_};
  const char* names[] = {"seg_start", "seg_len", "lora_id", "token_lora"};
  for (int i = 0; i < 4; ++i) {
    if (!same(*meta[i])) return ::testing::AssertionFailure() << names[i] << " changed";
  }
  return ::testing::AssertionSuccess();
}

std::string OpCase::dispatch() const {
  try {
    const OpArgs a = device_args();
    const bool seg = spec_.form == Form::segments;
    const detail::BatchArgs batch =
        seg ? detail::batch_args(a.segments) : detail::batch_args(a.tokens);
    detail::Problem p;
    if (spec_.op == Op::shrink) {
      p = detail::make_shrink_problem(a.slices[0].u, a.slices[0].B, a.out, batch, a.scale);
    } else {
      p = detail::make_expand_problem(a.slices.data(), a.num_slices, a.out, batch, a.add);
    }
    const detail::KernelRegistry& registry = detail::Runtime::get().registry();
    const detail::LaunchKey key = detail::make_launch_key(p, spec_.device, registry.tile_policy());
    const detail::KernelVariant* v = registry.select(key);
    return detail::describe(key) + " -> " + (v != nullptr ? v->name : "(no variant)");
  } catch (const std::exception& e) {
    return std::string("(no dispatch: ") + e.what() + ")";
  }
}

void OpCase::reset_output() const {
  out_.upload();  // the host mirror keeps the initial state
}

}  // namespace sgmv::test
