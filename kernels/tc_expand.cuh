// Tensor-core expand (CUDA sm_80+, fp16/bf16 in and weights, fp32 accumulate):
// a block computes up to BM rows x 256 output columns (CG groups of 256 with
// column groups); each warp owns 32 columns of each group. K = R is short,
// so a warp keeps its whole B slice (32 columns x up to KW of K, per group)
// in registers for all the rows of its tile, and walks the rows
// 16 at a time with the u rows (and, when adding, the old outputs) of the
// next m16 tiles already in flight: after the first round of loads, only
// mma, conversion and stores. Larger R loops over K in steps of KW.
//
// KW = 16 (R <= 16) loads 8 bytes of a row per lane and issues one mma per
// n-tile; KW = 32, 64, 128 load 16 bytes and issue two (see ExpandK). The
// narrow form takes half the registers, so more blocks share an SM.
//
// Output columns are permuted inside each warp's 32 so that lane (g, c) ends
// up holding 8 consecutive columns of its rows: B fragment column v of n-tile
// j is physical column 8 * (v / 2) + 2 j + v % 2. A thread therefore stores
// (and, when adding, loads) 16 bytes of 16-bit outputs per row straight from
// its accumulators: no shared memory, no barrier between the m16 tiles. The
// output dtype is a template parameter (the variants cover the input dtype
// and fp32; other outputs go to the SIMT kernel).
//
// Without add, outputs are stored evict-first (st.global.cs): written once,
// they would otherwise crowd the L2. On the H100 (kernels/PERF_NOTES.md v10,
// same-run A/B): prefill_r16 14.4 -> 13.6 us, qkv_r16 21.4 -> 20.7,
// prefill_r64 17.7 -> 17.3, decode_r16 4.74 -> 4.8. With add (the old
// values are read first) prefill_r16 was unchanged and decode_r16 0.3 us
// slower, so adding kernels keep plain stores. A flag chosen per call cost
// registers instead (spills on sm_90).

#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/async_copy.cuh"
#include "kernels/metadata.cuh"
#include "kernels/mma.cuh"

#if defined(SGMV_CUDA_FAST_PATHS)

namespace sgmv::gpu {

inline constexpr int kTcExpandCols = (kBlockThreads / 32) * 32;

/// How a warp holds KW of K per row: fragments of kStep (16: 8-byte loads,
/// one mma; 32: 16-byte loads, two mma), lane c taking kStep / 4 consecutive
/// elements of each (mma.cuh explains the k permutation).
template <class T, int KW>
struct ExpandK {
  static_assert(KW == 16 || KW % 32 == 0, "KW");
  using S = typename T::storage;
  static constexpr int kStep = KW == 16 ? 16 : 32;
  static constexpr int kFrags = KW / kStep;
  static constexpr int kLaneK = kStep / 4;
  using Frag = std::conditional_t<KW == 16, uint2, uint4>;
  /// m16 tiles whose loads are in flight ahead of the mma, as registers
  /// allow (with add, the old outputs ride along: one tile for KW = 32).
  /// KW = 64 without add: 128 registers with two (no spills on sm_90), and
  /// prefill_r64 18.9 us against 19.8 with one (H100, PERF_NOTES.md v9).
  template <bool ADD>
  static constexpr int kAhead = KW == 16 || (KW <= 64 && !ADD) ? 2 : 1;
  /// Only the widest form loops over K for R > KW; the narrower ones are
  /// registered for R <= KW alone (KernelVariant::max_rank), which keeps
  /// the loop's registers out of them.
  static constexpr bool kLoopsOverK = KW >= 128;

  /// This lane's fragment at `at`, or zeros when it lies past K. The
  /// variants serve R % 8 == 0 alone (KernelVariant::rank_step), so a
  /// fragment lies wholly inside K or wholly past it: one vector load.
  __device__ static Frag load(const S* at, bool live) {
    return live ? *reinterpret_cast<const Frag*>(at) : Frag{};
  }
  /// live[f]: whether this lane's fragment f at k0 lies inside K.
  __device__ static void find_live(std::int64_t K, std::int64_t k0, int lane_k,
                                   bool (&live)[kFrags]) {
#pragma unroll
    for (int f = 0; f < kFrags; ++f) live[f] = k0 + f * kStep + lane_k < K;
  }
  __device__ static void mma(float (&d)[4], const Frag& a_lo, const Frag& a_hi, const Frag& b) {
    if constexpr (KW == 16) {
      mma_chunk16<T>(d, a_lo, a_hi, b);
    } else {
      mma_chunk32<T>(d, a_lo, a_hi, b);
    }
  }
};

/// 8 consecutive outputs of type O as loaded (16 or 32 bytes), widened on use:
/// packed, they take half the registers of 8 floats while in flight.
template <class O>
struct Out8 {
  using OS = typename O::storage;
  static constexpr int kQuads = static_cast<int>(sizeof(OS)) * 8 / 16;
  uint4 q[kQuads];

  /// From `src`: whole 16-byte accesses when VEC (8 in range, aligned), else
  /// element by element below `count`; zeros for a null `src`.
  __device__ void load(const OS* src, bool vec, int count) {
#pragma unroll
    for (int i = 0; i < kQuads; ++i) q[i] = make_uint4(0u, 0u, 0u, 0u);
    if (src == nullptr) return;
    if (vec) {
#pragma unroll
      for (int i = 0; i < kQuads; ++i) q[i] = reinterpret_cast<const uint4*>(src)[i];
      return;
    }
    std::uint32_t w[kQuads * 4] = {};
#pragma unroll
    for (int m = 0; m < 8; ++m) {
      if (m >= count) continue;
      if constexpr (sizeof(OS) == 4) {
        w[m] = __float_as_uint(src[m]);
      } else {
        w[m / 2] |= static_cast<std::uint32_t>(src[m]) << (16 * (m % 2));
      }
    }
#pragma unroll
    for (int i = 0; i < kQuads; ++i)
      q[i] = make_uint4(w[4 * i], w[4 * i + 1], w[4 * i + 2], w[4 * i + 3]);
  }
  __device__ float get(int m) const { return element<O>(q[m / O::kVec], m % O::kVec); }
};

/// The block's B slice in shared memory (the staged-B form, SMEM_B below):
/// ROWS rows (one per output column of the chunk; rows past the chunk copy
/// its last) of K <= KW elements, row r at r * kRowBytes. A lane reads 16
/// bytes of rows r and r + 1 (r even) of the same chunks in a quarter warp,
/// so 128-byte rows swap the halves of odd rows (chunk q at q ^ 4): the 8
/// lanes of a quarter warp then hit distinct banks, as 64-byte rows do
/// unchanged. Each warp copies the rows it reads itself (its 32 columns of
/// each group of 256), so only the warp waits for them: no block barrier.
template <class S, int KW, int ROWS>
struct StagedB {
  static_assert(KW == 32 || KW == 64, "rows of 64 or 128 bytes");
  static constexpr int kRowBytes = KW * static_cast<int>(sizeof(S));
  static constexpr int kChunks = kRowBytes / 16;
  static constexpr int kElemsPerChunk = 16 / static_cast<int>(sizeof(S));
  static constexpr int kBytes = ROWS * kRowBytes;

  /// The slice's row (a column of the chunk) that warp `warp` holds as row
  /// `own` (0..31) of its group `grp`: the copies and the reads agree on it.
  __device__ static int row(int grp, int warp, int own) {
    return grp * kTcExpandCols + warp * 32 + own;
  }
  /// Shared address of 16-byte chunk q of row r.
  __device__ static std::uint32_t at(std::uint32_t base, int r, int q) {
    const int swizzle = kRowBytes == 128 ? (r & 1) << 2 : 0;
    return base + static_cast<std::uint32_t>(r * kRowBytes + ((q ^ swizzle) << 4));
  }
  /// Starts copying warp `warp`'s rows (warp * 32 + [0, 32) of each group
  /// of 256) of chunk cc from `w` (rows w_stride_n apart), chunks inside K
  /// only (the ones past K are never read). The warp must have finished
  /// reading them; settle() waits for them.
  __device__ static void start(std::uint32_t base, const S* w, std::int64_t w_stride_n,
                               const ColumnChunk& cc, std::int64_t K, int warp, int lane) {
    constexpr int kRowsPerWarp = ROWS / kTcExpandCols * 32;  // 32 of each group
    constexpr int kRowsPerStep = 32 / kChunks;               // rows of a whole warp's copies
    const int q = lane % kChunks;  // this lane's chunk of every row it copies
    if (q * kElemsPerChunk < K) {
#pragma unroll 1
      for (int own = lane / kChunks; own < kRowsPerWarp; own += kRowsPerStep) {
        const int r = row(own / 32, warp, own % 32);
        const std::int64_t n = cc.n0 + r < cc.n_end ? cc.n0 + r : cc.n_end - 1;
        async::copy16(at(base, r, q), w + n * w_stride_n + q * kElemsPerChunk, 16);
      }
    }
    async::commit();
  }
  /// Waits for this warp's copies: its rows are then readable by its lanes.
  __device__ static void settle() {
    async::wait<0>();
    __syncwarp();
  }
};

/// Blocks per SM an expand kernel is built for (its register budget): 2 for
/// the staged-B form (B in shared memory, 64 KiB of it per block for R =
/// 64), 3 for the narrow form without add and one column group (78
/// registers on sm_90), else as many as 128 or 255 registers allow (the B
/// fragments of CG groups take 8 CG registers per lane for KW = 16, KW CG
/// / 2 for the others).
template <int KW, bool ADD, int CG = 1, bool SMEM_B = false>
inline constexpr int kTcExpandBlocksPerSm = SMEM_B                        ? 2
                                            : KW == 16 && !ADD && CG == 1 ? 3
                                            : KW * CG <= 64               ? 2
                                                                          : 1;

/// O: the output element type (F16, BF16 or F32). KW: the K width held in
/// registers (16, 32, 64 or 128). ADD: out += product (Problem::add); a
/// template parameter so that the registers holding the old values exist
/// only in the kernels that read them. CG: column groups per block; a block
/// covers CG x 256 columns, and each warp CG groups of 32 (warp w: columns
/// i * 256 + w * 32 of the block's, group i), multiplied with the same u
/// fragments: with few rows per block (decode), one token scan and one u
/// load then serve CG times the columns. CARRY: per-token tiles carried
/// across scan passes (TokenList). SMEM_B (KW = 32 or 64, two groups): the
/// block's B slice (512 columns) is copied to shared memory (StagedB, in
/// the dynamic shared memory, kTcExpandStagedSmem bytes) once per adapter
/// and chunk, and the warps read their fragments there as they multiply,
/// instead of holding them in registers: two blocks of 512 columns share an
/// SM, where the register form holds two of 256. With few rows per block
/// (decode), each block waits for its loads once, and a wave of blocks
/// covers twice the columns: decode_r64's 32 adapters x 4096 columns fit
/// in one wave on 132 SMs (256 blocks), not two.
template <class T, class O, int BM, int KW, bool ADD, int CG, bool CARRY, bool SMEM_B = false>
__global__ void __launch_bounds__(kBlockThreads, kTcExpandBlocksPerSm<KW, ADD, CG, SMEM_B>)
    tc_expand_kernel(const Problem p) {
  using S = typename T::storage;
  using OS = typename O::storage;
  using KF = ExpandK<T, KW>;
  using Frag = typename KF::Frag;
  // One m16 tile ahead in the staged-B form, whose copies take registers
  // (ptxas: kernels/PERF_NOTES.md v17).
  constexpr int F = KF::kFrags, D = SMEM_B ? 1 : KF::template kAhead<ADD>;
  // Old outputs ride in the ring with the u rows where registers allow
  // (all but the 255-register k128 form; ptxas: no spills on sm_90).
  constexpr bool kOldAhead = ADD && KW <= 64 && CG == 1;
  constexpr int kCols = kTcExpandCols * CG;  // columns per block
  static_assert(BM % 16 == 0 && BM <= kScanChunk, "BM");
  static_assert(CG == 1 || !KF::kLoopsOverK, "column groups hold all of K in registers");
  static_assert(!SMEM_B || ((KW == 32 || KW == 64) && CG == 2),
                "staged B: two groups, KW 32 or 64");
  using Staged = StagedB<S, SMEM_B ? KW : 64, kCols>;
  __shared__ TokenList<CARRY> scratch;
  extern __shared__ __align__(128) unsigned char b_smem[];  // staged B only
  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, c = lane % 4;
  // Staged B: the adapter and chunk whose slice b_smem holds (none yet).
  std::int64_t held_l = -1, held_chunk = -1;

  // Per-token form: the weights are asked for before the wait (metadata.cuh).
  for_each_tile<BM, kCols, true>(
      p, scratch, [&](const RowTile& tile, std::int64_t l, std::int64_t chunk) {
        const ColumnChunk cc = column_chunk(p, chunk, kCols);
        const SliceArgs& sl = p.slice[cc.slice];
        if (cc.n0 + warp * 32 >= cc.n_end) return;  // no columns for this warp (no barrier below)
        if constexpr (SMEM_B) {
          // The warp's rows of the slice, unless it holds them already; they
          // arrive while the u rows are asked for (Staged::settle below).
          if (l != held_l || chunk != held_chunk) {
            __syncwarp();  // the warp's reads of the last slice are done
            Staged::start(async::smem_addr(b_smem), static_cast<const S*>(sl.w) + l * sl.w_stride_l,
                          sl.w_stride_n, cc, p.K, warp, lane);
            held_l = l;
            held_chunk = chunk;
          }
        }
        const S* w_rows[CG][4];
#pragma unroll
        for (int grp = 0; grp < CG; ++grp) {
#pragma unroll
          for (int j = 0; j < 4; ++j) {
            const std::int64_t n =
                cc.n0 + grp * kTcExpandCols + warp * 32 + 8 * (g / 2) + 2 * j + (g & 1);
            // Columns past the chunk read its last one; they are never stored.
            const std::int64_t nc = n < cc.n_end ? n : cc.n_end - 1;
            w_rows[grp][j] = static_cast<const S*>(sl.w) + l * sl.w_stride_l + nc * sl.w_stride_n;
          }
        }
        const std::int64_t K = p.K;
        if (!KF::kLoopsOverK && K > KW) {  // not registered for this R (max_rank)
          if constexpr (SMEM_B) Staged::settle();
          return;
        }
        const int lane_k = KF::kLaneK * c;
        const int live_mt = (tile.count + 15) / 16;  // m16 tiles holding rows
        // This thread's 8 output columns of group grp: [col + grp * 256,
        // + cols(grp)) of the slice.
        const std::int64_t col = cc.n0 + warp * 32 + 8 * c;
        const std::int64_t left = cc.n_end - col;
        auto cols = [&](int grp) {
          const std::int64_t here = left - grp * kTcExpandCols;
          return here <= 0 ? 0 : (here < 8 ? static_cast<int>(here) : 8);
        };
        // 16-byte accesses need the whole 8 columns, 16-byte aligned in every
        // row (alike in every group: 256 columns are a multiple of 16 bytes).
        const auto align = reinterpret_cast<std::uintptr_t>(p.out) |
                           static_cast<std::uintptr_t>(p.out_row_stride * sizeof(OS)) |
                           static_cast<std::uintptr_t>((sl.out_col + col) * sizeof(OS));
        const bool aligned = (align & 15u) == 0;
        auto vec = [&](int grp) { return aligned && cols(grp) == 8; };
        const S* const u = static_cast<const S*>(sl.in);
        OS* const out = static_cast<OS*>(p.out) + sl.out_col + col;

        // B fragments of group grp at k0 (live: from KF::find_live for k0).
        auto load_b = [&](int grp, std::int64_t k0, const bool(&live)[F], Frag(&b)[F][4]) {
#pragma unroll
          for (int f = 0; f < F; ++f) {
#pragma unroll
            for (int j = 0; j < 4; ++j) {
              b[f][j] = KF::load(w_rows[grp][j] + k0 + f * KF::kStep + lane_k, live[f]);
            }
          }
        };
        auto mma_all = [&](float(&acc)[4][4], const Frag(&a)[2][F], const Frag(&b)[F][4]) {
#pragma unroll
          for (int f = 0; f < F; ++f) {
#pragma unroll
            for (int j = 0; j < 4; ++j) KF::mma(acc[j], a[0][f], a[1][f], b[f][j]);
          }
        };
        // The same with each B fragment read from the staged slice just
        // before its mma (the row and chunk load_b would read).
        auto mma_staged = [&](float(&acc)[4][4], const Frag(&a)[2][F], const bool(&live)[F],
                              int grp) {
          if constexpr (SMEM_B) {
            const std::uint32_t base = async::smem_addr(b_smem);
#pragma unroll
            for (int f = 0; f < F; ++f) {
              const int q = (f * KF::kStep + lane_k) / Staged::kElemsPerChunk;
#pragma unroll
              for (int j = 0; j < 4; ++j) {
                const int r = Staged::row(grp, warp, 8 * (g / 2) + 2 * j + (g & 1));
                const Frag b = live[f] ? async::load_shared16(Staged::at(base, r, q)) : Frag{};
                KF::mma(acc[j], a[0][f], a[1][f], b);
              }
            }
          }
        };

        // Expand problems carry scale 1 (make_expand_problem); others pay a
        // uniform branch.
        const bool scaled = p.scale != 1.0f;

        // One instantiation per row form. Row mt * 16 + h * 8 + g of the
        // tile: consecutive rows step 16 rows per m16 tile from row h * 8 + g;
        // listed rows look theirs up. u rows past the tile read its last row
        // (their products are never stored), so the loads need no branch.
        tile.with_rows([&](auto rows) {
          constexpr bool kConsecutive = std::is_same_v<decltype(rows), ConsecutiveRows>;
          const int count = tile.count;
          const std::int64_t in_stride = sl.in_row_stride, out_stride = p.out_row_stride;
          const S* const u_last = u + rows(count - 1) * in_stride;
          const S* u_first[2] = {};
          OS* out_first[2] = {};
          if constexpr (kConsecutive) {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              u_first[h] = u + rows(h * 8 + g) * in_stride;  // used for rows < count only
              out_first[h] = out + rows(h * 8 + g) * out_stride;
            }
          }
          auto u_row = [&](int mt, int h) -> const S* {
            const int i = mt * 16 + h * 8 + g;
            if (i >= count) return u_last;
            if constexpr (kConsecutive) {
              return u_first[h] + mt * (16 * in_stride);
            } else {
              return u + rows(i) * in_stride;
            }
          };
          auto out_row = [&](int mt, int h, int grp) -> OS* {
            const int i = mt * 16 + h * 8 + g;
            if (i >= count || cols(grp) == 0) return nullptr;
            if constexpr (kConsecutive) {
              return out_first[h] + mt * (16 * out_stride) + grp * kTcExpandCols;
            } else {
              return out + rows(i) * out_stride + grp * kTcExpandCols;
            }
          };
          // u rows g and g + 8 of m16 tile mt at k0.
          auto load_a = [&](int mt, std::int64_t k0, const bool(&live)[F], Frag(&a)[2][F]) {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              const S* row = u_row(mt, h) + k0 + lane_k;
#pragma unroll
              for (int f = 0; f < F; ++f) a[h][f] = KF::load(row + f * KF::kStep, live[f]);
            }
          };
          auto load_old = [&](int mt, int grp, Out8<O>(&old)[2]) {
#pragma unroll
            for (int h = 0; h < 2; ++h) old[h].load(out_row(mt, h, grp), vec(grp), cols(grp));
          };
          // Rows g and g + 8 of m16 tile mt in group grp: scaled, added to
          // the old values (loaded before any store of this tile), rounded once.
          auto store_tile = [&](int mt, int grp, const float(&acc)[4][4], const Out8<O>(&old)[2]) {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              OS* dst = out_row(mt, h, grp);
              if (dst == nullptr) continue;
              float v[8];
#pragma unroll
              for (int m = 0; m < 8; ++m) v[m] = acc[m / 2][(m & 1) + 2 * h];
              if (scaled) {
#pragma unroll
                for (int m = 0; m < 8; ++m) v[m] *= p.scale;
              }
              if constexpr (ADD) {
#pragma unroll
                for (int m = 0; m < 8; ++m) v[m] += old[h].get(m);
              }
              store8<O, !ADD>(dst, vec(grp), cols(grp), v);
            }
          };

          if (K <= KW) {
            // The usual case: B in registers (or staged) for every row of the
            // tile; the loads of the next D m16 tiles in flight while one is
            // multiplied.
            struct NoOld {};
            struct Slot {
              Frag a[2][F];
              std::conditional_t<kOldAhead, Out8<O>[2], NoOld> old;  // rows g, g + 8
            };
            bool live[F];
            KF::find_live(K, 0, lane_k, live);
            [[maybe_unused]] Frag b[SMEM_B ? 1 : CG][F][4];
            Slot ring[D];
            if constexpr (!SMEM_B) {
#pragma unroll
              for (int grp = 0; grp < CG; ++grp) load_b(grp, 0, live, b[grp]);
            }
#pragma unroll
            for (int d = 0; d < D; ++d) {
              load_a(d, 0, live, ring[d].a);
              if constexpr (kOldAhead) load_old(d, 0, ring[d].old);
            }
            if constexpr (SMEM_B) Staged::settle();
            for (int base = 0; base < live_mt; base += D) {
#pragma unroll
              for (int d = 0; d < D; ++d) {
                const int mt = base + d;
                if (mt >= live_mt) break;
#pragma unroll
                for (int grp = 0; grp < CG; ++grp) {
                  float acc[4][4] = {};
                  if constexpr (SMEM_B) {
                    mma_staged(acc, ring[d].a, live, grp);
                  } else {
                    mma_all(acc, ring[d].a, b[grp]);
                  }
                  if (grp == CG - 1) load_a(mt + D, 0, live, ring[d].a);  // after its last use
                  if constexpr (kOldAhead) {
                    store_tile(mt, grp, acc, ring[d].old);
                    load_old(mt + D, grp, ring[d].old);  // after this tile's stores
                  } else {
                    Out8<O> old[2];
                    if constexpr (ADD) load_old(mt, grp, old);
                    store_tile(mt, grp, acc, old);
                  }
                }
              }
            }
          } else if constexpr (KF::kLoopsOverK) {
            // R > KW: K in steps, B reloaded per m-tile (from L1).
            for (int mt = 0; mt < live_mt; ++mt) {
              float acc[4][4] = {};
              for (std::int64_t k0 = 0; k0 < K; k0 += KW) {
                bool live[F];
                KF::find_live(K, k0, lane_k, live);
                Frag a[2][F], b[F][4];
                load_b(0, k0, live, b);
                load_a(mt, k0, live, a);
                mma_all(acc, a, b);
              }
              Out8<O> old[2];
              if constexpr (ADD) load_old(mt, 0, old);
              store_tile(mt, 0, acc, old);
            }
          }
        });
      });
}

/// Dynamic shared memory of an expand kernel: the staged B slice, or none.
template <class T, int KW, int CG, bool SMEM_B>
inline constexpr int kTcExpandStagedSmem =
    SMEM_B ? StagedB<typename T::storage, SMEM_B ? KW : 64, kTcExpandCols * CG>::kBytes : 0;

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
