// The launch-cache key: every property of a call that can change which kernel
// serves it, computed in one pass into a fixed struct (no allocation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "sgmv/core/problem.hpp"

namespace sgmv::detail {

/// Compile-time tile values of a kernel variant (the "constexpr" part of the
/// key). All zero means "the variant takes any tile" when used in a pattern.
struct TileConfig {
  std::uint16_t block_m = 0;  ///< rows (tokens) per block
  std::uint16_t block_n = 0;  ///< output columns per block
  std::uint16_t block_k = 0;  ///< reduction step
  std::uint8_t warps = 0;     ///< warps (or wavefronts) per block
  std::uint8_t stages = 0;    ///< pipeline depth
  std::uint16_t options = 0;  ///< kernel options the policy picks per call (backend's bits)

  bool is_any() const {
    return block_m == 0 && block_n == 0 && block_k == 0 && warps == 0 && stages == 0 &&
           options == 0;
  }
  friend bool operator==(const TileConfig& a, const TileConfig& b) {
    return a.block_m == b.block_m && a.block_n == b.block_n && a.block_k == b.block_k &&
           a.warps == b.warps && a.stages == b.stages && a.options == b.options;
  }
  friend bool operator!=(const TileConfig& a, const TileConfig& b) { return !(a == b); }
};

/// Bits of LaunchKey::align: set when every pointer and row stride of that
/// operand is a multiple of 16 bytes (vector loads are legal).
enum AlignBits : std::uint8_t {
  align_in = 1u << 0,
  align_w = 1u << 1,
  align_out = 1u << 2,
};

struct LaunchKey {
  OpKind op = OpKind::shrink;
  MetaForm form = MetaForm::segments;
  DType in_dtype = DType::f32;
  DType w_dtype = DType::f32;
  DType out_dtype = DType::f32;
  DType meta_dtype = DType::i32;
  IndexWidth index = IndexWidth::i32;
  std::uint8_t align = 0;  ///< AlignBits
  std::uint8_t num_slices = 0;
  bool add = false;
  std::uint16_t rank = 0;  ///< LoRA rank; 0 when it does not fit 16 bits
  std::int16_t device = 0;
  TileConfig tile;  ///< chosen by the backend's tile policy

  /// Every field, compared as the key's bytes (the struct has no padding:
  /// see the static_assert below), which compiles to a few word compares.
  friend bool operator==(const LaunchKey& a, const LaunchKey& b) noexcept {
    return std::memcmp(&a, &b, sizeof(LaunchKey)) == 0;
  }
  friend bool operator!=(const LaunchKey& a, const LaunchKey& b) noexcept { return !(a == b); }
  /// Of every field (of the key's bytes).
  std::size_t hash() const noexcept;
};
// Equality and hash read the key's bytes: every byte must belong to a field.
// A new field that leaves padding fails here; reorder or widen fields so that
// it does not.
static_assert(std::has_unique_object_representations_v<LaunchKey>,
              "LaunchKey must have no padding bytes");
static_assert(sizeof(LaunchKey) > 16 && sizeof(LaunchKey) <= 24,
              "LaunchKey::hash() reads the key as three overlapping words");

inline std::size_t LaunchKey::hash() const noexcept {
  // The key's bytes as three 8-byte words (the last overlaps the middle one
  // when the key is shorter than 24 bytes), each spread by its own odd
  // multiplier, then the splitmix64 finaliser over their sum. A change in any
  // one field changes the sum, and the finaliser is a bijection. Inline: it
  // runs on every op call.
  const auto* bytes = reinterpret_cast<const unsigned char*>(this);
  std::uint64_t w0, w1, w2;
  std::memcpy(&w0, bytes, 8);
  std::memcpy(&w1, bytes + 8, 8);
  std::memcpy(&w2, bytes + sizeof(LaunchKey) - 8, 8);
  std::uint64_t h =
      w0 * 0x9e3779b97f4a7c15ull + w1 * 0xc2b2ae3d27d4eb4full + w2 * 0x165667b19e3779f9ull;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return static_cast<std::size_t>(h);
}

struct LaunchKeyHash {
  std::size_t operator()(const LaunchKey& k) const noexcept { return k.hash(); }
};

/// Chooses tile values for a call; a backend supplies one. Must be cheap and
/// pure: it runs on every call, cache hit or not.
using TilePolicy = TileConfig (*)(const Problem& problem, const LaunchKey& key);

/// Offsets fit int32? (largest element offset any kernel forms, per operand)
IndexWidth index_width_for(const Problem& problem) noexcept;
/// AlignBits of the call.
std::uint8_t align_bits_for(const Problem& problem) noexcept;
/// The key of a call: every field but tile from the problem, tile from `policy`
/// (may be null: tile stays zero).
LaunchKey make_launch_key(const Problem& problem, int device, TilePolicy policy) noexcept;

}  // namespace sgmv::detail
