// Warpgroup matrix multiply-accumulate (wgmma, CUDA sm_90a): both operands
// read from shared memory through matrix descriptors, fp32 accumulators in
// registers, as raw PTX. Only code compiled for the arch-specific sm_90a
// target may execute these (SGMV_WGMMA below); elsewhere they trap.
//
// Operand layout used here (PTX ISA, "matrix descriptor", K-major, 128-byte
// swizzle): an operand of ROWS x 64 elements (fp16/bf16) is ROWS rows of 128
// bytes; the 16-byte unit u of row r sits at unit u ^ (r % 8) of its row,
// and groups of 8 rows (1024 bytes) follow one another. The operand's base
// must be 1024-byte aligned. Stepping k by 16 elements inside those 64 adds
// 32 bytes to the descriptor's start address (the swizzle is applied by the
// hardware on the final address).
//
// Accumulator layout of m64nNk16 (fp32): warp w of the warpgroup holds rows
// 16w .. 16w + 15; lane (g = lane / 4, c = lane % 4) holds, for each n8
// block j, d[4j + q] at row 16w + g + 8 (q / 2), column 8j + 2c + (q % 2):
// the C-fragment layout of mma.m16n8k16, repeated along N.
#pragma once

#include <cstdint>

#include "kernels/elements.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define SGMV_WGMMA 1
#endif

namespace sgmv::gpu::wgmma {

/// Bytes of one K-major operand row of 64 elements under the 128-byte swizzle.
inline constexpr int kRowBytes = 128;
/// Elements of K one operand slab holds.
inline constexpr int kSlabK = 64;

/// The swizzle's period: operands (and slabs) start on multiples of it.
inline constexpr int kSwizzleBytes = 1024;

/// Bytes from shared address `addr` up to the next multiple of kSwizzleBytes
/// (a kernel's operands start there: kSwizzleBytes more of its dynamic
/// shared memory cover any base).
__device__ inline std::uint32_t swizzle_pad(std::uint32_t addr) {
  return (kSwizzleBytes - addr % kSwizzleBytes) % kSwizzleBytes;
}

/// Byte offset, inside a slab, of 16-byte unit `unit` (0..7) of row `row`.
__host__ __device__ constexpr int swizzled(int row, int unit) {
  return row * kRowBytes + ((unit ^ (row & 7)) << 4);
}

/// The descriptor of a K-major, 128-byte-swizzled operand whose first row
/// starts at shared address `addr` (advanced by 32 bytes per k16 step).
__device__ inline std::uint64_t descriptor(std::uint32_t addr) {
  std::uint64_t d = (addr & 0x3FFFFu) >> 4;  // start address
  d |= std::uint64_t{1} << 16;               // leading byte offset (unused here)
  d |= std::uint64_t{1024 >> 4} << 32;       // stride byte offset: 8 rows
  d |= std::uint64_t{1} << 62;               // 128-byte swizzle
  return d;
}

/// The descriptor of the operand `bytes` (a multiple of 16) past the one
/// `desc` describes: its start address is the low 14 bits, in 16-byte
/// units, and shared addresses stay below 2^18, so the sum stays in that
/// field (one 32-bit add, in place of a descriptor built from scratch).
__device__ inline std::uint64_t advance(std::uint64_t desc, std::uint32_t bytes) {
  const auto lo = static_cast<std::uint32_t>(desc) + (bytes >> 4);
  return (desc & 0xFFFFFFFF00000000ull) | lo;
}

/// Orders this thread's earlier shared-memory writes (cp.async included,
/// after its wait) before reads of the async proxy (wgmma operands).
__device__ inline void fence_async_shared() {
#if defined(SGMV_WGMMA)
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
#endif
}

/// Keeps the compiler from moving accesses of `v` across wgmma boundaries.
__device__ inline void pin(float& v) { asm volatile("" : "+f"(v)::"memory"); }

/// Before the first wgmma of a group: earlier register writes are visible.
__device__ inline void fence() {
#if defined(SGMV_WGMMA)
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#endif
}

/// Closes the group of wgmmas issued since the last commit.
__device__ inline void commit() {
#if defined(SGMV_WGMMA)
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
#endif
}

/// Waits until at most N committed groups are in flight.
template <int N>
__device__ inline void wait() {
#if defined(SGMV_WGMMA)
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
#endif
}

/// d(64 x 32) += a(64 x 16) * b(16 x 32), a and b K-major in shared memory
/// (descriptors).
template <class T>
__device__ inline void mma_m64n32k16(float (&d)[16], std::uint64_t a, std::uint64_t b) {
#if defined(SGMV_WGMMA)
#define SGMV_WGMMA_M64N32K16(TYPE)                                                            \
  asm volatile("wgmma.mma_async.sync.aligned.m64n32k16.f32." TYPE "." TYPE                    \
               " {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15}, %16, %17, 1, 1, 1," \
               " 0, 0;\n"                                                                     \
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]),      \
                 "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]),    \
                 "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15])                           \
               : "l"(a), "l"(b))
  if constexpr (T::dtype == DType::bf16) {
    SGMV_WGMMA_M64N32K16("bf16");
  } else {
    SGMV_WGMMA_M64N32K16("f16");
  }
#undef SGMV_WGMMA_M64N32K16
#else
  (void)d, (void)a, (void)b;
  __trap();  // registered only where the build has sm_90a code
#endif
}

/// d(64 x 128) += a(64 x 16) * b(16 x 128), a and b K-major in shared memory
/// (descriptors); d as described above, 64 floats per thread.
template <class T>
__device__ inline void mma_m64n128k16(float (&d)[64], std::uint64_t a, std::uint64_t b) {
#if defined(SGMV_WGMMA)
#define SGMV_WGMMA_M64N128K16(TYPE)                                                            \
  asm volatile("wgmma.mma_async.sync.aligned.m64n128k16.f32." TYPE "." TYPE                    \
               " {"                                                                            \
               "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,"                        \
               "%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,"              \
               "%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,"              \
               "%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63},"             \
               " %64, %65, 1, 1, 1, 0, 0;\n"                                                   \
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]),       \
                 "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]),     \
                 "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), \
                 "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), \
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), \
                 "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), \
                 "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), \
                 "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), \
                 "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), \
                 "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), \
                 "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])                            \
               : "l"(a), "l"(b))
  if constexpr (T::dtype == DType::bf16) {
    SGMV_WGMMA_M64N128K16("bf16");
  } else {
    SGMV_WGMMA_M64N128K16("f16");
  }
#undef SGMV_WGMMA_M64N128K16
#else
  (void)d, (void)a, (void)b;
  __trap();  // registered only where the build has sm_90a code
#endif
}

}  // namespace sgmv::gpu::wgmma

#endif  // SGMV_CUDA_FAST_PATHS
