// Portable fp16 / bf16 <-> fp32 conversions, usable on the host and inside
// kernels of every backend. Device code with native types (CUDA, HIP) may use
// the vendor intrinsics instead; these are the bit-exact reference behaviour
// (round to nearest even, NaN preserved).
#pragma once

#include <cstdint>
#include <cstring>

#include "sgmv/config.hpp"

namespace sgmv {

/// Storage type of an IEEE binary16 value (host-side; no arithmetic).
struct half_t {
  std::uint16_t bits;
};
/// Storage type of a bfloat16 value (host-side; no arithmetic).
struct bfloat16_t {
  std::uint16_t bits;
};

namespace detail {
SGMV_HOST_DEVICE inline std::uint32_t float_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
SGMV_HOST_DEVICE inline float bits_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
}  // namespace detail

SGMV_HOST_DEVICE inline float bf16_bits_to_float(std::uint16_t b) {
  return detail::bits_float(static_cast<std::uint32_t>(b) << 16);
}

SGMV_HOST_DEVICE inline std::uint16_t float_to_bf16_bits(float f) {
  std::uint32_t u = detail::float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return static_cast<std::uint16_t>((u >> 16) | 0x40u);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);                         // round to nearest even
  return static_cast<std::uint16_t>(u >> 16);
}

SGMV_HOST_DEVICE inline float f16_bits_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t man = h & 0x3ffu;
  if (exp == 0x1f) return detail::bits_float(sign | 0x7f800000u | (man << 13));  // inf / NaN
  if (exp == 0) {
    if (man == 0) return detail::bits_float(sign);
    // Subnormal: value = man * 2^-24.
    float v = static_cast<float>(man) * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  return detail::bits_float(sign | ((exp + 112u) << 23) | (man << 13));
}

SGMV_HOST_DEVICE inline std::uint16_t float_to_f16_bits(float f) {
  const std::uint32_t u = detail::float_bits(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const std::uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u);   // NaN
  if (a >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // overflow -> inf
  if (a < 0x38800000u) {
    // Result is subnormal or zero: scale into the subnormal grid, round to nearest even.
    if (a < 0x33000000u) return sign;  // below half of the smallest subnormal
    const std::uint32_t man = (a & 0x7fffffu) | 0x800000u;
    const int shift = 126 - static_cast<int>(a >> 23);  // 14..24
    std::uint32_t r = man >> shift;
    const std::uint32_t rem = man & ((1u << shift) - 1u);
    const std::uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return static_cast<std::uint16_t>(sign | r);
  }
  std::uint32_t r = a - 0x38000000u;  // rebias exponent (127 -> 15) in place
  r += 0xfffu + ((r >> 13) & 1u);
  return static_cast<std::uint16_t>(sign | (r >> 13));
}

inline float to_float(half_t h) { return f16_bits_to_float(h.bits); }
inline float to_float(bfloat16_t h) { return bf16_bits_to_float(h.bits); }
inline half_t to_half(float f) { return half_t{float_to_f16_bits(f)}; }
inline bfloat16_t to_bfloat16(float f) { return bfloat16_t{float_to_bf16_bits(f)}; }

}  // namespace sgmv
