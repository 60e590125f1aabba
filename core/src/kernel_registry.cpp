#include "sgmv/core/kernel_registry.hpp"

#include <string>

#include "sgmv/error.hpp"

namespace sgmv::detail {

bool KernelVariant::matches(const LaunchKey& key) const noexcept {
  const bool index_ok = index == IndexWidth::i64 || key.index == IndexWidth::i32;
  return op == key.op && (forms & (1u << static_cast<unsigned>(key.form))) != 0 &&
         (in & dtype_bit(key.in_dtype)) != 0 && (w & dtype_bit(key.w_dtype)) != 0 &&
         (out & dtype_bit(key.out_dtype)) != 0 && (meta & dtype_bit(key.meta_dtype)) != 0 &&
         (key.align & align_required) == align_required && index_ok &&
         (rank == 0 || rank == key.rank) &&
         (max_rank == 0 || (key.rank != 0 && key.rank <= max_rank)) &&
         (rank_step == 0 || (key.rank != 0 && key.rank % rank_step == 0)) &&
         (add_mask & (key.add ? 2u : 1u)) != 0 && key.num_slices <= max_slices &&
         (tile.is_any() || tile == key.tile);
}

void KernelRegistry::add(const KernelVariant& variant) {
  if (variant.launch == nullptr) {
    throw Error(ErrorCode::invalid_argument, std::string("KernelRegistry::add: variant '") +
                                                 variant.name + "' has no launch function");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  variants_.push_back(variant);
}

const KernelVariant* KernelRegistry::select(const LaunchKey& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const KernelVariant* best = nullptr;
  for (const KernelVariant& v : variants_) {
    // Ties go to the variant registered first.
    if (v.matches(key) && (best == nullptr || v.priority > best->priority)) best = &v;
  }
  return best;
}

std::size_t KernelRegistry::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return variants_.size();
}

std::vector<KernelVariant> KernelRegistry::variants() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {variants_.begin(), variants_.end()};
}

std::string describe(const LaunchKey& key) {
  std::string s = std::string(name_of(key.op)) + "/" + name_of(key.form) +
                  " in=" + name_of(key.in_dtype) + " w=" + name_of(key.w_dtype) +
                  " out=" + name_of(key.out_dtype) + " meta=" + name_of(key.meta_dtype) +
                  " index=" + (key.index == IndexWidth::i64 ? "i64" : "i32") +
                  " align16=" + std::to_string(key.align) + " rank=" + std::to_string(key.rank) +
                  " slices=" + std::to_string(key.num_slices) + " add=" + (key.add ? "1" : "0") +
                  " device=" + std::to_string(key.device);
  if (!key.tile.is_any()) {
    s += " tile=" + std::to_string(key.tile.block_m) + "x" + std::to_string(key.tile.block_n) +
         "x" + std::to_string(key.tile.block_k) + "/w" + std::to_string(key.tile.warps) + "/s" +
         std::to_string(key.tile.stages);
    if (key.tile.options != 0) s += "/o" + std::to_string(key.tile.options);
  }
  return s;
}

}  // namespace sgmv::detail
