// Element types as the kernels see them: storage, conversion to and from
// fp32 (round to nearest even, once, on store), 16-byte vector loads, and a
// dtype-dynamic path for the mixed-dtype kernels.
#pragma once

#include <cstdint>

#include "kernels/vendor.cuh"
#include "sgmv/dtype.hpp"
#include "sgmv/half.hpp"

namespace sgmv::gpu {

/// IEEE binary16. kVec: elements in one 16-byte vector.
struct F16 {
  using storage = std::uint16_t;
  static constexpr DType dtype = DType::f16;
  static constexpr int kVec = 8;
  __device__ static float to_float(storage v) { return f16_to_float(v); }
  __device__ static storage from_float(float v) { return float_to_f16(v); }
};

/// bfloat16: the upper half of a binary32, so widening is a shift.
struct BF16 {
  using storage = std::uint16_t;
  static constexpr DType dtype = DType::bf16;
  static constexpr int kVec = 8;
  __device__ static float to_float(storage v) { return bf16_bits_to_float(v); }
  __device__ static storage from_float(float v) { return float_to_bf16_bits(v); }
};

struct F32 {
  using storage = float;
  static constexpr DType dtype = DType::f32;
  static constexpr int kVec = 4;
  __device__ static float to_float(storage v) { return v; }
  __device__ static storage from_float(float v) { return v; }
};

/// Tag of the dtype-dynamic kernels: each element is loaded through a switch
/// on the run-time dtype (one element per "vector").
struct Dyn {
  static constexpr int kVec = 1;
};

/// Element i of an array of run-time dtype `t`, as fp32.
template <class Index>
__device__ inline float load_dyn(const void* base, DType t, Index i) {
  switch (t) {
    case DType::f16:
      return f16_to_float(static_cast<const std::uint16_t*>(base)[i]);
    case DType::bf16:
      return bf16_bits_to_float(static_cast<const std::uint16_t*>(base)[i]);
    default:
      return static_cast<const float*>(base)[i];
  }
}

/// Rounds v once to dtype `t` and stores it as element i.
template <class Index>
__device__ inline void store_dyn(void* base, DType t, Index i, float v) {
  switch (t) {
    case DType::f16:
      static_cast<std::uint16_t*>(base)[i] = float_to_f16(v);
      break;
    case DType::bf16:
      static_cast<std::uint16_t*>(base)[i] = float_to_bf16_bits(v);
      break;
    default:
      static_cast<float*>(base)[i] = v;
      break;
  }
}

/// Two packed 16-bit elements of a 32-bit word, widened.
template <class T>
__device__ inline void unpack2(std::uint32_t word, float& lo, float& hi) {
  lo = T::to_float(static_cast<std::uint16_t>(word & 0xffffu));
  hi = T::to_float(static_cast<std::uint16_t>(word >> 16));
}

/// kVec elements of type T at `p` (16-byte aligned) as fp32.
template <class T>
__device__ inline void load_vec(const void* p, float (&v)[T::kVec]) {
  const uint4 raw = *static_cast<const uint4*>(p);
  if constexpr (T::kVec == 4) {
    v[0] = __uint_as_float(raw.x);
    v[1] = __uint_as_float(raw.y);
    v[2] = __uint_as_float(raw.z);
    v[3] = __uint_as_float(raw.w);
  } else {
    unpack2<T>(raw.x, v[0], v[1]);
    unpack2<T>(raw.y, v[2], v[3]);
    unpack2<T>(raw.z, v[4], v[5]);
    unpack2<T>(raw.w, v[6], v[7]);
  }
}

/// Up to 16 bytes of one "vector" of T as loaded from memory, widened one
/// element at a time by element<T>(raw, e) (e a compile-time constant after
/// unrolling). Keeping vectors packed halves the registers they take.
template <class T, class Index>
__device__ inline uint4 load_raw(const void* base, DType dtype, Index off) {
  if constexpr (T::kVec == 1) {
    return make_uint4(__float_as_uint(load_dyn(base, dtype, off)), 0u, 0u, 0u);
  } else {
    (void)dtype;
    return *reinterpret_cast<const uint4*>(static_cast<const typename T::storage*>(base) + off);
  }
}

template <class T>
__device__ inline float element(const uint4& raw, int e) {
  if constexpr (T::kVec == 1) {
    return __uint_as_float(raw.x);
  } else if constexpr (T::kVec == 4) {
    return __uint_as_float(e == 0 ? raw.x : e == 1 ? raw.y : e == 2 ? raw.z : raw.w);
  } else {
    const std::uint32_t w = e < 2 ? raw.x : e < 4 ? raw.y : e < 6 ? raw.z : raw.w;
    return T::to_float(static_cast<std::uint16_t>((e & 1) != 0 ? w >> 16 : w & 0xffffu));
  }
}

/// Loads `count` (<= C, C a multiple of 8) consecutive output elements at
/// element `off` of `base` (run-time dtype), zero beyond count: 16-byte loads
/// when the whole chunk is in range and aligned.
template <int C, class Index>
__device__ inline void load_out_chunk(const void* base, DType t, Index off, int count,
                                      float (&v)[C]) {
  static_assert(C % 8 == 0, "C");
  const int size = t == DType::f32 ? 4 : 2;
  const auto addr = reinterpret_cast<std::uintptr_t>(base) +
                    static_cast<std::uintptr_t>(off) * static_cast<std::uintptr_t>(size);
  if (count == C && (addr & 15u) == 0) {
#pragma unroll
    for (int j = 0; j < C; j += 8) {
      if (t == DType::f32) {
        float a[4], b[4];
        load_vec<F32>(reinterpret_cast<const float*>(addr) + j, a);
        load_vec<F32>(reinterpret_cast<const float*>(addr) + j + 4, b);
#pragma unroll
        for (int q = 0; q < 4; ++q) v[j + q] = a[q], v[j + 4 + q] = b[q];
      } else {
        float a[8];
        const auto* p = reinterpret_cast<const std::uint16_t*>(addr) + j;
        if (t == DType::f16) {
          load_vec<F16>(p, a);
        } else {
          load_vec<BF16>(p, a);
        }
#pragma unroll
        for (int q = 0; q < 8; ++q) v[j + q] = a[q];
      }
    }
    return;
  }
#pragma unroll
  for (int j = 0; j < C; ++j) v[j] = j < count ? load_dyn(base, t, off + j) : 0.0f;
}

/// Rounds 8 floats once to T and stores them at `dst`: 16-byte stores when
/// `vec` (all 8 in range and 16-byte aligned; evict-first ones when
/// kStreaming, vendor.cuh), else one element at a time below `count`.
template <class T, bool kStreaming = false>
__device__ inline void store8(typename T::storage* dst, bool vec, int count, const float* v) {
  auto store16 = [](auto* at, const auto& value) {
    if constexpr (kStreaming) {
      store_evict_first(at, value);
    } else {
      *at = value;
    }
  };
  if (vec) {
    if constexpr (T::kVec == 8) {
      std::uint32_t w[4];
#pragma unroll
      for (int m = 0; m < 4; ++m) {
        w[m] = T::dtype == DType::bf16 ? pack_bf16x2(v[2 * m], v[2 * m + 1])
                                       : pack_f16x2(v[2 * m], v[2 * m + 1]);
      }
      store16(reinterpret_cast<uint4*>(dst), make_uint4(w[0], w[1], w[2], w[3]));
    } else {
      store16(reinterpret_cast<float4*>(dst), make_float4(v[0], v[1], v[2], v[3]));
      store16(reinterpret_cast<float4*>(dst) + 1, make_float4(v[4], v[5], v[6], v[7]));
    }
    return;
  }
#pragma unroll
  for (int m = 0; m < 8; ++m) {
    if (m < count) dst[m] = T::from_float(v[m]);
  }
}

/// Rounds once and stores `count` (<= C, C a multiple of 8) consecutive
/// outputs at element `off` of `base` (run-time dtype): store8 of the dtype,
/// 16-byte stores when the whole chunk is in range and aligned.
template <int C, class Index>
__device__ inline void store_out_chunk(void* base, DType t, Index off, int count,
                                       const float (&v)[C]) {
  static_assert(C % 8 == 0, "C");
  auto store = [&](auto type) {
    using T = decltype(type);
    auto* p = static_cast<typename T::storage*>(base) + off;
    const bool vec = count == C && (reinterpret_cast<std::uintptr_t>(p) & 15u) == 0;
#pragma unroll
    for (int j = 0; j < C; j += 8) store8<T>(p + j, vec, count - j, v + j);
  };
  switch (t) {
    case DType::f16:
      store(F16{});
      break;
    case DType::bf16:
      store(BF16{});
      break;
    default:
      store(F32{});
      break;
  }
}

}  // namespace sgmv::gpu
