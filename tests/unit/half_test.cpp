// half.hpp: fp16 / bf16 <-> fp32 conversions against independent float64
// models of IEEE rounding (round to nearest, ties to even; subnormals;
// overflow to infinity; NaN stays NaN).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

#include "sgmv/half.hpp"

namespace {

float from_bits(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
std::uint32_t to_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

/// Value of an fp16 bit pattern, from the definition.
double f16_value(std::uint16_t h) {
  const double sign = (h & 0x8000) ? -1.0 : 1.0;
  const int exp = (h >> 10) & 0x1f;
  const int man = h & 0x3ff;
  if (exp == 0x1f) return man == 0 ? sign * INFINITY : NAN;
  if (exp == 0) return sign * std::ldexp(man, -24);
  return sign * std::ldexp(1024 + man, exp - 25);
}

/// Value of a bf16 bit pattern, from the definition.
double bf16_value(std::uint16_t b) {
  const double sign = (b & 0x8000) ? -1.0 : 1.0;
  const int exp = (b >> 7) & 0xff;
  const int man = b & 0x7f;
  if (exp == 0xff) return man == 0 ? sign * INFINITY : NAN;
  if (exp == 0) return sign * std::ldexp(man, -133);
  return sign * std::ldexp(128 + man, exp - 134);
}

/// Rounds |a| to a grid with `man_bits` fraction bits and smallest normal
/// exponent `min_exp` (ties to even, in double: every step is exact).
double round_to_grid(double a, int man_bits, int min_exp) {
  if (a == 0.0) return 0.0;
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  const int exp = std::max(e - 1, min_exp);
  const double quantum = std::ldexp(1.0, exp - man_bits);
  return std::nearbyint(a / quantum) * quantum;  // default mode: nearest, ties to even
}

/// The fp16 bit pattern IEEE rounding gives for a non-NaN float.
std::uint16_t model_f16(float f) {
  const std::uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  if (std::isinf(a)) return sign | 0x7c00;
  const double v = round_to_grid(a, 10, -14);
  if (v >= 65536.0) return sign | 0x7c00;
  if (v < std::ldexp(1.0, -14))
    return static_cast<std::uint16_t>(sign | static_cast<int>(v * 16777216.0));
  int e;
  const double m = std::frexp(v, &e);  // v = m * 2^e
  const int exp = e - 1 + 15;
  const int man = static_cast<int>((m * 2.0 - 1.0) * 1024.0);
  return static_cast<std::uint16_t>(sign | (exp << 10) | man);
}

/// The bf16 bit pattern IEEE rounding gives for a non-NaN float.
std::uint16_t model_bf16(float f) {
  const std::uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  if (std::isinf(a)) return sign | 0x7f80;
  const double v = round_to_grid(a, 7, -126);
  if (v >= std::ldexp(1.0, 128)) return sign | 0x7f80;
  // v is a bf16 value, hence exactly a float whose low 16 bits are zero.
  return static_cast<std::uint16_t>(sign | (to_bits(static_cast<float>(v)) >> 16));
}

bool f16_is_nan(std::uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0; }
bool bf16_is_nan(std::uint16_t b) { return (b & 0x7f80) == 0x7f80 && (b & 0x7f) != 0; }

TEST(Half, F16ToFloatExhaustive) {
  for (std::uint32_t h = 0; h <= 0xffff; ++h) {
    const auto b = static_cast<std::uint16_t>(h);
    const float got = sgmv::f16_bits_to_float(b);
    const double want = f16_value(b);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << "f16 0x" << std::hex << h;
      ASSERT_EQ(std::signbit(got), (h & 0x8000) != 0) << "NaN sign of 0x" << std::hex << h;
    } else {
      ASSERT_EQ(static_cast<double>(got), want) << "f16 0x" << std::hex << h;
      ASSERT_EQ(std::signbit(got), (h & 0x8000) != 0) << "sign of 0x" << std::hex << h;
    }
  }
}

TEST(Half, Bf16ToFloatExhaustive) {
  for (std::uint32_t h = 0; h <= 0xffff; ++h) {
    const auto b = static_cast<std::uint16_t>(h);
    const float got = sgmv::bf16_bits_to_float(b);
    const double want = bf16_value(b);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << "bf16 0x" << std::hex << h;
    } else {
      ASSERT_EQ(static_cast<double>(got), want) << "bf16 0x" << std::hex << h;
      ASSERT_EQ(std::signbit(got), (h & 0x8000) != 0) << "sign of 0x" << std::hex << h;
    }
  }
}

TEST(Half, RoundTripOfEveryNonNanValue) {
  for (std::uint32_t h = 0; h <= 0xffff; ++h) {
    const auto b = static_cast<std::uint16_t>(h);
    if (!f16_is_nan(b)) {
      ASSERT_EQ(sgmv::float_to_f16_bits(sgmv::f16_bits_to_float(b)), b) << std::hex << h;
    }
    if (!bf16_is_nan(b)) {
      ASSERT_EQ(sgmv::float_to_bf16_bits(sgmv::bf16_bits_to_float(b)), b) << std::hex << h;
    }
  }
}

// Every midpoint between neighbouring fp16 values (subnormal and normal, both
// signs) and the floats just beside it: ties go to the even neighbour.
TEST(Half, FloatToF16TiesAndNeighbours) {
  for (std::uint32_t h = 0; h < 0x7bff; ++h) {
    const double lo = f16_value(static_cast<std::uint16_t>(h));
    const double hi = f16_value(static_cast<std::uint16_t>(h + 1));
    const auto mid = static_cast<float>((lo + hi) / 2);  // exact: 12 significant bits
    ASSERT_EQ(static_cast<double>(mid), (lo + hi) / 2);
    const std::uint16_t even =
        (h & 1) ? static_cast<std::uint16_t>(h + 1) : static_cast<std::uint16_t>(h);
    for (float sign : {1.0f, -1.0f}) {
      const std::uint16_t s = sign < 0 ? 0x8000 : 0;
      ASSERT_EQ(sgmv::float_to_f16_bits(sign * mid), s | even) << "tie above 0x" << std::hex << h;
      ASSERT_EQ(sgmv::float_to_f16_bits(sign * std::nextafter(mid, 0.0f)), s | h)
          << "just below the midpoint above 0x" << std::hex << h;
      ASSERT_EQ(sgmv::float_to_f16_bits(sign * std::nextafter(mid, INFINITY)), s | (h + 1))
          << "just above the midpoint above 0x" << std::hex << h;
    }
  }
}

TEST(Half, FloatToF16SampledAgainstModel) {
  // Every float whose low 13 bits (the ones fp16 drops for normals) are one
  // of the interesting patterns, then random patterns over all floats.
  const std::uint32_t lows[] = {0x0000, 0x0001, 0x0fff, 0x1000, 0x1001, 0x1fff};
  for (std::uint32_t top = 0; top < (1u << 19); ++top) {
    for (std::uint32_t low : lows) {
      const float f = from_bits((top << 13) | low);
      if (std::isnan(f)) continue;
      ASSERT_EQ(sgmv::float_to_f16_bits(f), model_f16(f))
          << "float bits 0x" << std::hex << to_bits(f);
    }
  }
  std::mt19937 rng(20261127);
  for (int i = 0; i < 2000000; ++i) {
    const float f = from_bits(static_cast<std::uint32_t>(rng()));
    if (std::isnan(f)) continue;
    ASSERT_EQ(sgmv::float_to_f16_bits(f), model_f16(f))
        << "float bits 0x" << std::hex << to_bits(f);
  }
}

TEST(Half, FloatToBf16SampledAgainstModel) {
  const std::uint32_t lows[] = {0x0000, 0x0001, 0x7fff, 0x8000, 0x8001, 0xffff};
  for (std::uint32_t top = 0; top <= 0xffff; ++top) {
    for (std::uint32_t low : lows) {
      const float f = from_bits((top << 16) | low);
      if (std::isnan(f)) continue;
      ASSERT_EQ(sgmv::float_to_bf16_bits(f), model_bf16(f))
          << "float bits 0x" << std::hex << to_bits(f);
    }
  }
  std::mt19937 rng(11272026);
  for (int i = 0; i < 2000000; ++i) {
    const float f = from_bits(static_cast<std::uint32_t>(rng()));
    if (std::isnan(f)) continue;
    ASSERT_EQ(sgmv::float_to_bf16_bits(f), model_bf16(f))
        << "float bits 0x" << std::hex << to_bits(f);
  }
}

TEST(Half, SpecialValues) {
  // fp16
  EXPECT_EQ(sgmv::float_to_f16_bits(0.0f), 0x0000);
  EXPECT_EQ(sgmv::float_to_f16_bits(-0.0f), 0x8000);
  EXPECT_EQ(sgmv::float_to_f16_bits(INFINITY), 0x7c00);
  EXPECT_EQ(sgmv::float_to_f16_bits(-INFINITY), 0xfc00);
  EXPECT_EQ(sgmv::float_to_f16_bits(65504.0f), 0x7bff);                        // largest finite
  EXPECT_EQ(sgmv::float_to_f16_bits(std::nextafter(65520.0f, 0.0f)), 0x7bff);  // below the tie
  EXPECT_EQ(sgmv::float_to_f16_bits(65520.0f), 0x7c00);  // tie with 2^16: to even = inf
  EXPECT_EQ(sgmv::float_to_f16_bits(1e10f), 0x7c00);
  EXPECT_EQ(sgmv::float_to_f16_bits(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(sgmv::float_to_f16_bits(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(sgmv::float_to_f16_bits(std::ldexp(1.0f, -25)), 0x0000);  // tie with 0: to even
  EXPECT_EQ(sgmv::float_to_f16_bits(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(sgmv::float_to_f16_bits(std::ldexp(3.0f, -25)), 0x0002);   // 1.5 ulp: tie to even
  EXPECT_EQ(sgmv::float_to_f16_bits(-std::ldexp(1.0f, -26)), 0x8000);  // underflow keeps sign
  EXPECT_EQ(sgmv::float_to_f16_bits(1.0f), 0x3c00);
  EXPECT_EQ(sgmv::float_to_f16_bits(-2.0f), 0xc000);
  EXPECT_EQ(sgmv::float_to_f16_bits(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie to even
  EXPECT_EQ(sgmv::float_to_f16_bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  // bf16
  EXPECT_EQ(sgmv::float_to_bf16_bits(-0.0f), 0x8000);
  EXPECT_EQ(sgmv::float_to_bf16_bits(INFINITY), 0x7f80);
  EXPECT_EQ(sgmv::float_to_bf16_bits(-INFINITY), 0xff80);
  EXPECT_EQ(sgmv::float_to_bf16_bits(3.0e38f), 0x7f62);
  EXPECT_EQ(sgmv::float_to_bf16_bits(from_bits(0x7f7fffffu)), 0x7f80);  // FLT_MAX rounds up
  EXPECT_EQ(sgmv::float_to_bf16_bits(from_bits(0x3f808000u)), 0x3f80);  // tie to even (down)
  EXPECT_EQ(sgmv::float_to_bf16_bits(from_bits(0x3f818000u)), 0x3f82);  // tie to even (up)
  EXPECT_EQ(sgmv::float_to_bf16_bits(from_bits(0x00000001u)), 0x0000);  // tiny subnormal
  EXPECT_EQ(sgmv::float_to_bf16_bits(from_bits(0x00008000u)), 0x0000);  // tie with 0
  EXPECT_EQ(sgmv::float_to_bf16_bits(from_bits(0x00018000u)), 0x0002);  // tie to even (up)
  EXPECT_EQ(sgmv::float_to_bf16_bits(from_bits(0x00010000u)), 0x0001);  // subnormal kept
}

TEST(Half, NanStaysNan) {
  const std::uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x7fbfffffu,
                                0xff800001u, 0x7fffffffu, 0x7f802000u, 0x7fff0000u};
  for (std::uint32_t bits : nans) {
    const float f = from_bits(bits);
    const std::uint16_t h = sgmv::float_to_f16_bits(f);
    const std::uint16_t b = sgmv::float_to_bf16_bits(f);
    EXPECT_TRUE(f16_is_nan(h)) << "f32 0x" << std::hex << bits << " -> f16 0x" << h;
    EXPECT_TRUE(bf16_is_nan(b)) << "f32 0x" << std::hex << bits << " -> bf16 0x" << b;
    EXPECT_EQ((h & 0x8000) != 0, (bits >> 31) != 0) << "f16 NaN sign, 0x" << std::hex << bits;
    EXPECT_EQ((b & 0x8000) != 0, (bits >> 31) != 0) << "bf16 NaN sign, 0x" << std::hex << bits;
    EXPECT_TRUE(std::isnan(sgmv::f16_bits_to_float(h)));
    EXPECT_TRUE(std::isnan(sgmv::bf16_bits_to_float(b)));
  }
}

TEST(Half, StorageTypeWrappers) {
  EXPECT_EQ(sgmv::to_half(0.5f).bits, 0x3800);
  EXPECT_EQ(sgmv::to_bfloat16(0.5f).bits, 0x3f00);
  EXPECT_EQ(sgmv::to_float(sgmv::half_t{0xc400}), -4.0f);
  EXPECT_EQ(sgmv::to_float(sgmv::bfloat16_t{0xc080}), -4.0f);
  static_assert(sizeof(sgmv::half_t) == 2 && sizeof(sgmv::bfloat16_t) == 2);
}

}  // namespace
