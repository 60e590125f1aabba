// Element types understood by sgmv, and their storage sizes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sgmv {

/// Element type of a tensor. Values are stable: they are part of launch-cache keys.
enum class DType : std::uint8_t {
  f16 = 0,   ///< IEEE binary16
  bf16 = 1,  ///< bfloat16 (upper 16 bits of a binary32)
  f32 = 2,   ///< IEEE binary32
  i32 = 3,   ///< metadata only
  i64 = 4,   ///< metadata only
};

inline constexpr int kNumDTypes = 5;

/// Size of one element in bytes.
constexpr std::size_t size_of(DType t) noexcept {
  switch (t) {
    case DType::f16:
    case DType::bf16:
      return 2;
    case DType::f32:
    case DType::i32:
      return 4;
    case DType::i64:
      return 8;
  }
  return 0;
}

/// Short lower-case name ("f16", "bf16", ...), for messages and tables.
constexpr const char* name_of(DType t) noexcept {
  switch (t) {
    case DType::f16:
      return "f16";
    case DType::bf16:
      return "bf16";
    case DType::f32:
      return "f32";
    case DType::i32:
      return "i32";
    case DType::i64:
      return "i64";
  }
  return "?";
}

constexpr bool is_floating(DType t) noexcept {
  return t == DType::f16 || t == DType::bf16 || t == DType::f32;
}
constexpr bool is_index(DType t) noexcept { return t == DType::i32 || t == DType::i64; }

}  // namespace sgmv
