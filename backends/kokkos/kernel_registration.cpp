// The Kokkos backend's kernel variants and tile policy.
//
// One variant per (op, form, in dtype, w dtype, index width): 72 in all, each
// serving every output dtype and metadata width. i32-index variants have the
// higher priority; the i64 ones serve every call (offsets past 2^31 - 1).
#include <array>
#include <string>

#include "segment_product.hpp"
#include "sgmv/core/backend.hpp"

namespace sgmv::detail::backend {
namespace {

namespace kb = kokkos_backend;

constexpr std::array<DType, 3> kFloatTypes = {DType::f16, DType::bf16, DType::f32};
constexpr std::array<OpKind, 2> kOps = {OpKind::shrink, OpKind::expand};
constexpr std::array<MetaForm, 2> kForms = {MetaForm::segments, MetaForm::per_token};
constexpr std::array<IndexWidth, 2> kIndexWidths = {IndexWidth::i32, IndexWidth::i64};
constexpr std::size_t kNumVariants =
    kOps.size() * kForms.size() * kFloatTypes.size() * kFloatTypes.size() * kIndexWidths.size();

std::string variant_name(OpKind op, MetaForm form, DType in, DType w, IndexWidth index) {
  return std::string("kokkos/") + name_of(op) + "/" + name_of(form) + "/in=" + name_of(in) +
         ",w=" + name_of(w) + "/" + (index == IndexWidth::i32 ? "i32" : "i64");
}

// Variant names need static storage: built once, in registration order.
const std::array<std::string, kNumVariants>& variant_names() {
  static const std::array<std::string, kNumVariants> names = [] {
    std::array<std::string, kNumVariants> out;
    std::size_t i = 0;
    for (OpKind op : kOps)
      for (MetaForm form : kForms)
        for (DType in : kFloatTypes)
          for (DType w : kFloatTypes)
            for (IndexWidth index : kIndexWidths) out[i++] = variant_name(op, form, in, w, index);
    return out;
  }();
  return names;
}

// Host spaces: up to 256 output columns per item (all of any LoRA rank, and
// column chunks of a wide expand that OpenMP threads can share). Device
// spaces: one column per item, for more parallel items. Segments: blocks of
// kRowBlock rows share each weight row; per-token: one row.
TileConfig tile_policy(const Problem& p, const LaunchKey& /*key*/) {
  TileConfig tile;
  tile.block_m = p.form == MetaForm::per_token ? 1 : static_cast<std::uint16_t>(kb::kRowBlock);
  const std::int64_t widest = kb::kHostExec ? 256 : 1;
  tile.block_n =
      static_cast<std::uint16_t>(p.max_n < 1 ? 1 : (p.max_n < widest ? p.max_n : widest));
  return tile;
}

}  // namespace

void register_kernels(KernelRegistry& registry) {
  const auto& names = variant_names();
  std::size_t i = 0;
  for (OpKind op : kOps)
    for (MetaForm form : kForms)
      for (DType in : kFloatTypes)
        for (DType w : kFloatTypes)
          for (IndexWidth index : kIndexWidths) {
            KernelVariant v;
            v.name = names[i++].c_str();
            v.op = op;
            v.forms = static_cast<std::uint8_t>(1u << static_cast<unsigned>(form));
            v.in = dtype_bit(in);
            v.w = dtype_bit(w);
            v.out = kAnyFloat;
            v.meta = kAnyIndex;
            v.index = index;
            v.max_slices = op == OpKind::shrink ? 1 : kMaxSlices;
            v.priority = index == IndexWidth::i32 ? 1 : 0;
            v.launch = kb::segment_product_launcher(in, w, index, form);
            registry.add(v);
          }
  registry.set_tile_policy(&tile_policy);
}

}  // namespace sgmv::detail::backend
