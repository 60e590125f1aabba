// The public ops: validate into a Problem, build the launch key, find the
// kernel through the per-device launch cache, launch it.
#include "sgmv/ops.hpp"

#include <string>
#include <vector>

#include "sgmv/core/backend.hpp"
#include "sgmv/core/runtime.hpp"
#include "sgmv/core/validate.hpp"
#include "sgmv/error.hpp"

namespace sgmv {
namespace {

using detail::Problem;

const detail::KernelVariant* select_or_throw(const detail::LaunchKey& key, const void* registry) {
  const auto* variant = static_cast<const detail::KernelRegistry*>(registry)->select(key);
  if (variant == nullptr) {
    throw Error(ErrorCode::unsupported, std::string("no kernel of the ") + detail::backend::name() +
                                            " backend serves this call (" + detail::describe(key) +
                                            ")");
  }
  return variant;
}

/// Strict mode: copy the metadata to the host (this waits for the stream) and check it.
void check_metadata_strictly(const Context& ctx, const Problem& p) {
  const std::size_t bytes = static_cast<std::size_t>(p.S) * size_of(p.meta_dtype);
  std::vector<unsigned char> start, len, lora(bytes);
  detail::backend::copy_to_host_on_stream(lora.data(), p.lora, bytes, ctx.device(), ctx.stream());
  if (p.form == detail::MetaForm::segments) {
    start.resize(bytes);
    len.resize(bytes);
    detail::backend::copy_to_host_on_stream(start.data(), p.seg_start, bytes, ctx.device(),
                                            ctx.stream());
    detail::backend::copy_to_host_on_stream(len.data(), p.seg_len, bytes, ctx.device(),
                                            ctx.stream());
  }
  detail::check_metadata_on_host(p, start.data(), len.data(), lora.data());
}

/// Runs a validated problem. Takes it by reference: the Problem is several
/// hundred bytes, and only its status word is filled in here.
void run(Context& ctx, Problem& p) {
  if (p.empty()) return;  // T == 0 or S == 0: a successful no-op
  if (ctx.strict()) check_metadata_strictly(ctx, p);
  p.status = ctx.status_word();
  detail::Runtime& runtime = detail::Runtime::get();
  const detail::LaunchKey key =
      detail::make_launch_key(p, ctx.device(), runtime.registry().tile_policy());
  const detail::KernelVariant* variant =
      runtime.cache(ctx.device()).get(key, &select_or_throw, &runtime.registry());
  variant->launch(p, key.tile, detail::LaunchEnv{ctx.device(), ctx.stream()});
}

}  // namespace

void shrink(Context& ctx, const TensorView& x, const TensorView& A, const TensorView& y,
            const SegmentBatch& batch, float scale) {
  Problem p = detail::make_shrink_problem(x, A, y, detail::batch_args(batch), scale);
  run(ctx, p);
}
void shrink(Context& ctx, const TensorView& x, const TensorView& A, const TensorView& y,
            const TokenBatch& batch, float scale) {
  Problem p = detail::make_shrink_problem(x, A, y, detail::batch_args(batch), scale);
  run(ctx, p);
}

void expand(Context& ctx, const TensorView& u, const TensorView& B, const TensorView& out,
            const SegmentBatch& batch, bool add) {
  Problem p = detail::make_whole_expand_problem(u, B, out, detail::batch_args(batch), add);
  run(ctx, p);
}
void expand(Context& ctx, const TensorView& u, const TensorView& B, const TensorView& out,
            const TokenBatch& batch, bool add) {
  Problem p = detail::make_whole_expand_problem(u, B, out, detail::batch_args(batch), add);
  run(ctx, p);
}

void expand_slice(Context& ctx, const TensorView& u, const TensorView& B, const TensorView& out,
                  const SegmentBatch& batch, std::int64_t offset, bool add) {
  Problem p = detail::make_expand_problem(u, B, offset, out, detail::batch_args(batch), add);
  run(ctx, p);
}
void expand_slice(Context& ctx, const TensorView& u, const TensorView& B, const TensorView& out,
                  const TokenBatch& batch, std::int64_t offset, bool add) {
  Problem p = detail::make_expand_problem(u, B, offset, out, detail::batch_args(batch), add);
  run(ctx, p);
}

void expand_multi(Context& ctx, const ExpandSlice* slices, int num_slices, const TensorView& out,
                  const SegmentBatch& batch, bool add) {
  Problem p = detail::make_expand_problem(slices, num_slices, out, detail::batch_args(batch), add);
  run(ctx, p);
}
void expand_multi(Context& ctx, const ExpandSlice* slices, int num_slices, const TensorView& out,
                  const TokenBatch& batch, bool add) {
  Problem p = detail::make_expand_problem(slices, num_slices, out, detail::batch_args(batch), add);
  run(ctx, p);
}

}  // namespace sgmv
