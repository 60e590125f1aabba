// Tensor-core building blocks (CUDA sm_80+): the m16n8k16 fp16/bf16 -> fp32
// mma.sync instruction and fragment loads straight from global memory.
//
// Fragment layout (PTX ISA, mma.m16n8k16, row.col), lane = 4 * g + c:
//   A (16x16): a0 = (row g,   k 2c..2c+1)  a1 = (row g+8, k 2c..2c+1)
//              a2 = (row g,   k 2c+8..+9)  a3 = (row g+8, k 2c+8..+9)
//   B (16x8):  b0 = (k 2c..2c+1, col g)    b1 = (k 2c+8..+9, col g)
//   C (16x8):  c0,c1 = (row g, cols 2c, 2c+1)   c2,c3 = (row g+8, same cols)
// A dot product does not care in which order k is visited, so both operands
// use the same permutation of k: lane (g, c) loads 16 contiguous bytes (k =
// 8c..8c+7 of a 32-wide chunk) of its row and feeds the first four elements
// to one mma and the last four to the next. Loads are then 16 bytes wide and
// a quad of lanes reads 64 contiguous bytes of a row, with no shared memory.
#pragma once

#include <cstdint>

#include "kernels/elements.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

/// d += a * b for one 16x8x16 tile.
template <class T>
__device__ inline void mma_16816(float (&d)[4], std::uint32_t a0, std::uint32_t a1,
                                 std::uint32_t a2, std::uint32_t a3, std::uint32_t b0,
                                 std::uint32_t b1) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  if constexpr (T::dtype == DType::bf16) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  }
#else
  (void)d, (void)a0, (void)a1, (void)a2, (void)a3, (void)b0, (void)b1;
  __trap();  // registered only for builds with sm_80+ targets
#endif
}

/// 16 bytes of a row at element k (row == nullptr: a row past the tile, zeros).
template <class T>
__device__ inline uint4 load16(const typename T::storage* row, std::int64_t k) {
  if (row == nullptr) return make_uint4(0u, 0u, 0u, 0u);
  return *reinterpret_cast<const uint4*>(row + k);
}

/// 8 bytes of a row at element k (for a 16-wide chunk: lane c loads k = 4c..4c+3).
template <class T>
__device__ inline uint2 load8(const typename T::storage* row, std::int64_t k) {
  if (row == nullptr) return make_uint2(0u, 0u);
  return *reinterpret_cast<const uint2*>(row + k);
}

/// The last K % 16 elements: 4 elements at k .. k+3, each only if < K.
template <class T>
__device__ inline uint2 load8_guarded(const typename T::storage* row, std::int64_t k,
                                      std::int64_t K) {
  std::uint32_t e[4] = {0u, 0u, 0u, 0u};
  if (row != nullptr) {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      if (k + i < K) e[i] = row[k + i];
    }
  }
  return make_uint2(e[0] | (e[1] << 16), e[2] | (e[3] << 16));
}

/// Half H (0 or 1) of a 32-wide k chunk loaded with load16 (a: rows g and
/// g+8): one mma step over the first or the last four elements of each lane.
template <class T, int H>
__device__ inline void mma_half32(float (&d)[4], const uint4& a_lo, const uint4& a_hi,
                                  const uint4& b) {
  if constexpr (H == 0) {
    mma_16816<T>(d, a_lo.x, a_hi.x, a_lo.y, a_hi.y, b.x, b.y);
  } else {
    mma_16816<T>(d, a_lo.z, a_hi.z, a_lo.w, a_hi.w, b.z, b.w);
  }
}

/// Both mma steps of a 32-wide k chunk loaded with load16 (a: rows g and g+8).
template <class T>
__device__ inline void mma_chunk32(float (&d)[4], const uint4& a_lo, const uint4& a_hi,
                                   const uint4& b) {
  mma_half32<T, 0>(d, a_lo, a_hi, b);
  mma_half32<T, 1>(d, a_lo, a_hi, b);
}

/// One mma step over a 16-wide k chunk loaded with load8.
template <class T>
__device__ inline void mma_chunk16(float (&d)[4], const uint2& a_lo, const uint2& a_hi,
                                   const uint2& b) {
  mma_16816<T>(d, a_lo.x, a_hi.x, a_lo.y, a_hi.y, b.x, b.y);
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
