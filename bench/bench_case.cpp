#include "bench_case.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "sgmv/core/validate.hpp"
#include "sgmv/half.hpp"
#include "sgmv/reference.hpp"

namespace sgmv_bench {

DeviceBuffer::DeviceBuffer(std::size_t bytes, int device)
    : ptr_(sgmv::device_alloc(std::max<std::size_t>(bytes, 1), device)),
      bytes_(bytes),
      device_(device) {}
DeviceBuffer::~DeviceBuffer() {
  if (ptr_ != nullptr) sgmv::device_free(ptr_, device_);
}
DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(other.bytes_), device_(other.device_) {}

std::size_t rotation_copies(std::size_t rotation_bytes, std::size_t copy_bytes) {
  if (rotation_bytes == 0 || copy_bytes == 0) return 1;
  return std::clamp<std::size_t>((rotation_bytes + copy_bytes - 1) / copy_bytes, 1, 64);
}

namespace {

// splitmix64: fast, reproducible operand values.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [-1, 1).
  float uniform() { return static_cast<float>(next() >> 40) * 0x1p-23f - 1.0f; }

 private:
  std::uint64_t state_;
};

std::vector<unsigned char> random_array(sgmv::DType t, std::int64_t n, Random& rng) {
  std::vector<unsigned char> bytes(static_cast<std::size_t>(n) * sgmv::size_of(t));
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = rng.uniform();
    if (t == sgmv::DType::f32) {
      std::memcpy(bytes.data() + i * 4, &v, 4);
    } else {
      const std::uint16_t b =
          t == sgmv::DType::f16 ? sgmv::float_to_f16_bits(v) : sgmv::float_to_bf16_bits(v);
      std::memcpy(bytes.data() + i * 2, &b, 2);
    }
  }
  return bytes;
}

/// A NaN of every element: an output the op fails to write cannot pass.
std::vector<unsigned char> poison_array(sgmv::DType t, std::int64_t n) {
  std::vector<unsigned char> bytes(static_cast<std::size_t>(n) * sgmv::size_of(t));
  const std::uint32_t f32_nan = 0x7fc00000u;
  const std::uint16_t f16_nan = 0x7e00u, bf16_nan = 0x7fc0u;
  for (std::int64_t i = 0; i < n; ++i) {
    if (t == sgmv::DType::f32) {
      std::memcpy(bytes.data() + i * 4, &f32_nan, 4);
    } else {
      std::memcpy(bytes.data() + i * 2, t == sgmv::DType::f16 ? &f16_nan : &bf16_nan, 2);
    }
  }
  return bytes;
}

double tolerance_of(sgmv::DType out) {
  switch (out) {
    case sgmv::DType::f32:
      return 1e-5;
    case sgmv::DType::f16:
      return 2e-3;
    default:
      return 1e-2;
  }
}

sgmv::TensorView view(void* data, sgmv::DType t, std::initializer_list<std::int64_t> shape) {
  return sgmv::TensorView::contiguous(data, t, shape);
}

}  // namespace

BenchCase::BenchCase(const WorkloadSpec& spec, Op op, sgmv::Context& ctx,
                     std::size_t rotation_bytes, bool rotate_meta)
    : spec_(spec),
      op_(op),
      ctx_(ctx),
      in_dtype_(spec.dtype),
      w_dtype_(spec.dtype),
      out_dtype_(op == Op::shrink ? spec.out_dtype : spec.dtype) {
  T_ = spec.tokens();
  L_ = spec.adapters;
  K_ = op == Op::shrink ? spec.hidden : spec.rank;
  widths_ = slice_widths(spec, op);
  for (std::int64_t n : widths_) {
    offsets_.push_back(out_cols_);
    out_cols_ += n;
  }
  row_adapter_ = adapter_of_rows(spec);
  adapters_used_ = sgmv_bench::adapters_used(row_adapter_);

  Random rng(spec.seed * 7919 + static_cast<std::uint64_t>(op));
  for (std::int64_t n : widths_) {
    host_in_.push_back(random_array(in_dtype_, T_ * K_, rng));
    host_w_.push_back(random_array(w_dtype_, L_ * n * K_, rng));
  }
  host_out_init_ = spec.add && op != Op::shrink ? random_array(out_dtype_, T_ * out_cols_, rng)
                                                : poison_array(out_dtype_, T_ * out_cols_);
  if (spec.decode) {
    for (std::int64_t a : row_adapter_) token_lora_.push_back(static_cast<std::int32_t>(a));
  } else {
    for (std::int64_t s = 0; s < spec.segments; ++s) {
      seg_start_.push_back(static_cast<std::int32_t>(s * spec.seg_len));
      seg_len_.push_back(static_cast<std::int32_t>(spec.seg_len));
      lora_id_.push_back(static_cast<std::int32_t>(s % spec.adapters));
    }
  }
  build_sets(rotation_bytes, rotate_meta);
}

void BenchCase::build_sets(std::size_t rotation_bytes, bool rotate_meta) {
  const int device = ctx_.device();
  std::size_t bytes = host_out_init_.size();
  for (std::size_t i = 0; i < widths_.size(); ++i) bytes += host_in_[i].size() + host_w_[i].size();
  bytes += 4 * (token_lora_.size() + 3 * seg_start_.size());
  set_bytes_ = bytes;
  const std::size_t copies = rotation_copies(rotation_bytes, bytes);

  auto upload = [device](const void* host, std::size_t n) {
    DeviceBuffer b(n, device);
    sgmv::copy_to_device(b.get(), host, n, device);
    return b;
  };
  auto meta_view = [](const DeviceBuffer& b, std::size_t n) {
    return view(b.get(), sgmv::DType::i32, {static_cast<std::int64_t>(n)});
  };
  for (std::size_t c = 0; c < copies; ++c) {
    Set set;
    for (std::size_t i = 0; i < widths_.size(); ++i) {
      set.in.push_back(upload(host_in_[i].data(), host_in_[i].size()));
      set.w.push_back(upload(host_w_[i].data(), host_w_[i].size()));
      set.in_view.push_back(view(set.in.back().get(), in_dtype_, {T_, K_}));
      set.w_view.push_back(view(set.w.back().get(), w_dtype_, {L_, widths_[i], K_}));
      set.slices.push_back(sgmv::ExpandSlice{set.in_view.back(), set.w_view.back(), offsets_[i]});
    }
    set.out.push_back(upload(host_out_init_.data(), host_out_init_.size()));
    set.out_view = view(set.out.back().get(), out_dtype_, {T_, out_cols_});
    if (c > 0 && !rotate_meta) {  // copy 0's metadata
      set.segments = sets_[0].segments;
      set.tokens = sets_[0].tokens;
    } else if (spec_.decode) {
      set.meta.push_back(upload(token_lora_.data(), 4 * token_lora_.size()));
      set.tokens.token_lora = meta_view(set.meta[0], token_lora_.size());
    } else {
      const std::size_t S = seg_start_.size();
      set.meta.push_back(upload(seg_start_.data(), 4 * S));
      set.meta.push_back(upload(seg_len_.data(), 4 * S));
      set.meta.push_back(upload(lora_id_.data(), 4 * S));
      set.segments.seg_start = meta_view(set.meta[0], S);
      set.segments.seg_len = meta_view(set.meta[1], S);
      set.segments.lora_id = meta_view(set.meta[2], S);
      set.segments.max_seg_len = spec_.seg_len;
    }
    sets_.push_back(std::move(set));
  }

  Set& first = sets_[0];
  const std::vector<std::int32_t> none(spec_.decode ? token_lora_.size() : lora_id_.size(), -1);
  first.idle_meta.push_back(upload(none.data(), 4 * none.size()));
  if (spec_.decode) {
    first.idle_tokens.token_lora = meta_view(first.idle_meta[0], none.size());
  } else {
    first.idle_segments = first.segments;
    first.idle_segments.lora_id = meta_view(first.idle_meta[0], none.size());
  }
}

void BenchCase::enqueue_on(Set& s, bool idle) {
  const sgmv::SegmentBatch& segments = idle ? s.idle_segments : s.segments;
  const sgmv::TokenBatch& tokens = idle ? s.idle_tokens : s.tokens;
  switch (op_) {
    case Op::shrink:
      if (spec_.decode) {
        sgmv::shrink(ctx_, s.in_view[0], s.w_view[0], s.out_view, tokens);
      } else {
        sgmv::shrink(ctx_, s.in_view[0], s.w_view[0], s.out_view, segments);
      }
      return;
    case Op::expand:
      if (spec_.decode) {
        sgmv::expand(ctx_, s.in_view[0], s.w_view[0], s.out_view, tokens, spec_.add);
      } else {
        sgmv::expand(ctx_, s.in_view[0], s.w_view[0], s.out_view, segments, spec_.add);
      }
      return;
    case Op::expand_multi: {
      const int n = num_slices();
      if (spec_.decode) {
        sgmv::expand_multi(ctx_, s.slices.data(), n, s.out_view, tokens, spec_.add);
      } else {
        sgmv::expand_multi(ctx_, s.slices.data(), n, s.out_view, segments, spec_.add);
      }
      return;
    }
  }
}

sgmv::detail::Problem BenchCase::idle_problem() const {
  const Set& s = sets_[0];
  const sgmv::detail::BatchArgs batch =
      spec_.decode ? sgmv::detail::batch_args(s.tokens) : sgmv::detail::batch_args(s.segments);
  sgmv::detail::Problem p;
  if (op_ == Op::shrink) {
    p = sgmv::detail::make_shrink_problem(s.in_view[0], s.w_view[0], s.out_view, batch, 1.0f);
  } else {
    sgmv::ExpandSlice slices[sgmv::kMaxSlices];
    for (std::size_t k = 0; k < widths_.size(); ++k) {
      slices[k] = sgmv::ExpandSlice{s.in_view[k], s.w_view[k], offsets_[k]};
    }
    p = sgmv::detail::make_expand_problem(slices, num_slices(), s.out_view, batch, spec_.add);
  }
  p.status = ctx_.status_word();  // as the op sets it before launching
  return p;
}

void BenchCase::upload_output(const Set& set, const std::vector<unsigned char>& host) {
  sgmv::copy_to_device(set.out[0].get(), host.data(), host.size(), ctx_.device());
}

CheckResult BenchCase::check(std::int64_t sample_rows) {
  CheckResult r;
  r.ran = true;
  r.tolerance = tolerance_of(out_dtype_);

  // Run once on copy 0 from a known output.
  ctx_.synchronize();
  upload_output(sets_[0], host_out_init_);
  ctx_.clear_status();
  enqueue(0);
  r.status = ctx_.read_status();
  std::vector<unsigned char> got(host_out_init_.size());
  sgmv::copy_to_host(got.data(), sets_[0].out[0].get(), got.size(), ctx_.device());

  // The rows to compare: all, or an even spread that includes the last one.
  std::vector<std::int64_t> rows;
  if (sample_rows <= 0 || T_ <= sample_rows) {
    for (std::int64_t t = 0; t < T_; ++t) rows.push_back(t);
  } else {
    for (std::int64_t i = 0; i < sample_rows; ++i) rows.push_back(i * (T_ - 1) / (sample_rows - 1));
  }
  const auto Ts = static_cast<std::int64_t>(rows.size());
  r.rows = Ts;

  // The reference on those rows alone: a per-token batch of the sampled rows'
  // adapters over copies of their inputs computes exactly what the full call
  // computes for them.
  const std::size_t in_row = static_cast<std::size_t>(K_) * sgmv::size_of(in_dtype_);
  const std::size_t out_row = static_cast<std::size_t>(out_cols_) * sgmv::size_of(out_dtype_);
  std::vector<std::vector<unsigned char>> in_s(widths_.size());
  std::vector<unsigned char> out_s(static_cast<std::size_t>(Ts) * out_row);
  std::vector<std::int64_t> lora_s(static_cast<std::size_t>(Ts));
  std::vector<double> result(static_cast<std::size_t>(Ts * out_cols_), 0.0);
  for (std::int64_t i = 0; i < Ts; ++i) {
    const auto t = static_cast<std::size_t>(rows[static_cast<std::size_t>(i)]);
    for (std::size_t k = 0; k < widths_.size(); ++k) {
      in_s[k].resize(static_cast<std::size_t>(Ts) * in_row);
      std::memcpy(in_s[k].data() + static_cast<std::size_t>(i) * in_row,
                  host_in_[k].data() + t * in_row, in_row);
    }
    std::memcpy(out_s.data() + static_cast<std::size_t>(i) * out_row,
                host_out_init_.data() + t * out_row, out_row);
    lora_s[static_cast<std::size_t>(i)] = row_adapter_[t];
    if (spec_.add && op_ != Op::shrink) {
      for (std::int64_t c = 0; c < out_cols_; ++c) {
        result[static_cast<std::size_t>(i * out_cols_ + c)] = sgmv::reference::load(
            host_out_init_.data(), out_dtype_, static_cast<std::int64_t>(t) * out_cols_ + c);
      }
    }
  }
  sgmv::TokenBatch batch;
  batch.token_lora = view(lora_s.data(), sgmv::DType::i64, {Ts});
  const sgmv::TensorView out_view = view(out_s.data(), out_dtype_, {Ts, out_cols_});
  if (op_ == Op::shrink) {
    sgmv::reference::shrink(view(in_s[0].data(), in_dtype_, {Ts, K_}),
                            view(host_w_[0].data(), w_dtype_, {L_, widths_[0], K_}), out_view,
                            batch, 1.0f, result);
  } else {
    sgmv::ExpandSlice slices[sgmv::kMaxSlices];
    for (std::size_t k = 0; k < widths_.size(); ++k) {
      slices[k] =
          sgmv::ExpandSlice{view(in_s[k].data(), in_dtype_, {Ts, K_}),
                            view(host_w_[k].data(), w_dtype_, {L_, widths_[k], K_}), offsets_[k]};
    }
    sgmv::reference::expand_multi(slices, num_slices(), out_view, batch, spec_.add, result);
  }

  double diff2 = 0.0, ref2 = 0.0;
  std::int64_t non_finite = 0;
  for (std::int64_t i = 0; i < Ts; ++i) {
    const std::int64_t t = rows[static_cast<std::size_t>(i)];
    for (std::int64_t c = 0; c < out_cols_; ++c) {
      const double want = sgmv::reference::round_to(
          out_dtype_, result[static_cast<std::size_t>(i * out_cols_ + c)]);
      const double have = sgmv::reference::load(got.data(), out_dtype_, t * out_cols_ + c);
      if (!std::isfinite(have)) {
        ++non_finite;
        continue;
      }
      diff2 += (have - want) * (have - want);
      ref2 += want * want;
    }
  }
  r.rel_error = ref2 > 0.0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
  r.passed = non_finite == 0 && r.rel_error <= r.tolerance && r.status == sgmv::status_ok;
  if (non_finite > 0) {
    r.message = std::to_string(non_finite) + " outputs not finite (unwritten or NaN)";
  } else if (r.status != sgmv::status_ok) {
    r.message = "device status " + std::to_string(r.status);
  } else if (!r.passed) {
    r.message = "relative error above tolerance";
  }
  return r;
}

}  // namespace sgmv_bench
