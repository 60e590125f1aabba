// How a block finds its work: the launch grid's shape (computed identically
// on the host, for the launch, and on the device, to decode blockIdx), the
// rows of a block from device-resident metadata, and the status word.
//
// Grid: x enumerates "row units", y enumerates column chunks.
//  - segment form: a row unit is (segment s, tile of `bm` rows of s);
//  - per-token form: a row unit is (adapter l, range of tokens); its block
//    gathers the tokens of adapter l in that range, so each adapter's weights
//    are read once per range however the tokens are interleaved. It scans
//    the range kScanChunk tokens per pass and cuts tiles of bm rows from all
//    the rows gathered so far (an unfinished tile waits for the next pass).
// The shape depends only on host-known sizes (S, T, L, max_seg_len, n), never
// on metadata values, so a captured graph stays valid when they change.
#pragma once

#include <cstdint>

#include "kernels/vendor.cuh"
#include "sgmv/config.hpp"
#include "sgmv/core/problem.hpp"
#include "sgmv/error.hpp"

namespace sgmv::gpu {

using detail::MetaForm;
using detail::Problem;
using detail::SliceArgs;

/// Threads of every sgmv block (a multiple of 32 and of 64).
inline constexpr int kBlockThreads = 256;
/// Tokens a per-token block scans per pass (one per thread).
inline constexpr int kScanChunk = kBlockThreads;

SGMV_HOST_DEVICE inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

/// Per-token form: tokens scanned by one block. Chosen so that, with tokens
/// spread evenly over the L adapters, a block expects about 2 * bm rows.
SGMV_HOST_DEVICE inline std::int64_t token_range(const Problem& p, int bm) {
  const std::int64_t want = 2 * static_cast<std::int64_t>(bm) * (p.L > 0 ? p.L : 1);
  const std::int64_t range = want > kScanChunk ? want : kScanChunk;
  return ceil_div(range, kScanChunk) * kScanChunk;
}

/// Segment form: row tiles per segment (at least one, so that every segment's
/// metadata is checked even when max_seg_len is 0).
SGMV_HOST_DEVICE inline std::int64_t tiles_per_segment(const Problem& p, int bm) {
  const std::int64_t t = ceil_div(p.max_seg_len, bm);
  return t > 0 ? t : 1;
}

/// Row units of the grid's x dimension.
SGMV_HOST_DEVICE inline std::int64_t row_units(const Problem& p, int bm) {
  if (p.form == MetaForm::segments) return p.S * tiles_per_segment(p, bm);
  const std::int64_t adapters = p.L > 0 ? p.L : 1;  // one block still checks ids when L == 0
  return adapters * ceil_div(p.T, token_range(p, bm));
}

/// The launch clamps the grid to these (grid-stride loops cover the rest):
/// x to kMaxGridUnits row units, y to kMaxGridChunks.
inline constexpr std::int64_t kMaxGridUnits = 0x7fffffff;
inline constexpr std::int64_t kMaxGridChunks = 65535;

/// Column chunks of the grid's y dimension: every slice split in chunks of bn.
SGMV_HOST_DEVICE inline std::int64_t column_chunks(const Problem& p, int bn) {
  std::int64_t chunks = 0;
  for (int s = 0; s < p.num_slices; ++s) chunks += ceil_div(p.slice[s].n, bn);
  return chunks;
}

/// One chunk of output columns: [n0, n_end) of slice `slice`.
struct ColumnChunk {
  int slice = 0;
  std::int64_t n0 = 0;
  std::int64_t n_end = 0;
};

__device__ inline ColumnChunk column_chunk(const Problem& p, std::int64_t chunk, int bn) {
  ColumnChunk cc;
  for (int s = 0; s < p.num_slices; ++s) {
    const std::int64_t here = ceil_div(p.slice[s].n, bn);
    if (chunk < here) {
      cc.slice = s;
      cc.n0 = chunk * bn;
      cc.n_end = cc.n0 + bn < p.slice[s].n ? cc.n0 + bn : p.slice[s].n;
      return cc;
    }
    chunk -= here;
  }
  return cc;  // not reached for chunk < column_chunks()
}

/// Per-token form: whether each block asks the L2 for its adapter's weights
/// before it waits for the previous grid (prefetch_weights). Its adapter is
/// known from blockIdx alone there (not in the segment form, where it is
/// metadata), but whether any token uses it is not, so a block of an unused
/// adapter fetches weights for nothing: only done when T >= 2 L, where
/// tokens spread evenly over the adapters leave at most (1 - 1/L)^(2L) <
/// 14 % of them unused. Host-known sizes alone, like the grid. Only where
/// blocks start early (programmatic launch, sm_90): elsewhere the lines
/// would be requested just before the block's own loads, which made the
/// calls slower on the H100 (kernels/PERF_NOTES.md v9).
__device__ inline bool prefetches_weights(const Problem& p) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  return p.form == MetaForm::per_token && p.T >= 2 * p.L;
#else
  (void)p;
  return false;
#endif
}

/// Asks the L2 for the weights a block of adapter l reads for column chunk
/// cc: rows [n0, n_end) of w[l], K elements each, spread over the block's
/// threads one 128-byte line each. Weights are read from memory on every
/// call (a model's layers each have their own), and the lines arrive while
/// the previous grid finishes; the block's loads then find them in the L2.
/// A hint only (prefetch_l2): safe before await_previous_grids.
__device__ inline void prefetch_weights(const Problem& p, std::int64_t l, const ColumnChunk& cc) {
  constexpr std::int64_t kLine = 128;
  const SliceArgs& sl = p.slice[cc.slice];
  const auto es = static_cast<std::int64_t>(size_of(p.w_dtype));
  const char* first =
      static_cast<const char*>(sl.w) + (l * sl.w_stride_l + cc.n0 * sl.w_stride_n) * es;
  const std::int64_t row_bytes = p.K * es, stride = sl.w_stride_n * es;
  std::int64_t rows = cc.n_end - cc.n0, bytes = row_bytes;
  if (rows <= 0 || row_bytes <= 0) return;
  if (stride == row_bytes) {  // the rows are one range
    bytes *= rows;
    rows = 1;
  }
  // Lines of each row, counted from the line holding its first byte (one
  // more than bytes / kLine covers any alignment; lines past the end are
  // skipped).
  const std::int64_t per_row = bytes / kLine + 2;
  for (std::int64_t i = threadIdx.x; i < rows * per_row; i += kBlockThreads) {
    const std::int64_t r = rows == 1 ? 0 : i / per_row;
    const char* row = first + r * stride;
    const auto start = reinterpret_cast<std::uintptr_t>(row);
    const std::uintptr_t line = (start & ~std::uintptr_t{kLine - 1}) + (i - r * per_row) * kLine;
    if (line < start + bytes)
      prefetch_l2(reinterpret_cast<const void*>(line < start ? start : line));
  }
}

/// ORs bits into the caller's status word (null: nowhere to report).
__device__ inline void report(const Problem& p, std::uint32_t bits) {
  if (bits != 0 && p.status != nullptr) atomicOr(p.status, bits);
}

__device__ inline std::int64_t load_meta(const void* base, DType t, std::int64_t i) {
  return t == DType::i64 ? static_cast<const std::int64_t*>(base)[i]
                         : static_cast<const std::int32_t*>(base)[i];
}

/// Row i of a tile of consecutive rows (a segment) and of a listed one
/// (gathered tokens), as separate types for RowTile::with_rows.
struct ConsecutiveRows {
  std::int64_t first;
  __device__ std::int64_t operator()(int i) const { return first + i; }
};
struct ListedRows {
  const std::int64_t* list;
  __device__ std::int64_t operator()(int i) const { return list[i]; }
};

/// Rows a block works on: `count` rows, listed in shared memory (gathered
/// tokens) or consecutive from `first` (a segment).
struct RowTile {
  const std::int64_t* list = nullptr;
  std::int64_t first = 0;
  int count = 0;
  __device__ std::int64_t row(int i) const { return list != nullptr ? list[i] : first + i; }
  /// f(rows) with rows(i) == row(i), compiled once per form: in a loop over
  /// consecutive rows, row addresses become pointer steps (no shared-memory
  /// load, no select between the forms).
  template <class F>
  __device__ void with_rows(F&& f) const {
    if (list != nullptr) {
      f(ListedRows{list});
    } else {
      f(ConsecutiveRows{first});
    }
  }
};

/// Rows of an unfinished tile that a per-token block carries from one pass
/// of its scan to the next (tiles of more rows are emitted at every pass).
inline constexpr int kCarryRows = 128;

/// Scratch in shared memory for gathering the tokens of one adapter: the
/// rows carried from earlier passes (kCarry), then the current pass's.
///
/// kCarry is a kernel's choice, made at compile time: carrying pays where a
/// block's range takes several passes, and costs the one-pass calls of
/// decode (shared memory, a barrier, registers) even where nothing is
/// carried. Kernels whose tiles serve both build one variant of each; the
/// tile policy takes the carrying one only where a range takes more than
/// one pass (kernels/PERF_NOTES.md v17). Kernels built without it stay
/// correct whatever the call: a block then runs one or more tiles per pass.
template <bool kCarry = true>
struct TokenList {
  std::int64_t rows[(kCarry ? kCarryRows : 0) + kScanChunk];
  int warp_count[kBlockThreads / 32];  // matches per warp of the current pass
};

/// Whether a per-token block of BM-row tiles scans its range of p in more
/// than one pass (so that a kernel that carries tiles across passes runs
/// fewer of them). Host-known sizes alone, like the grid.
SGMV_HOST_DEVICE inline bool scans_several_passes(const Problem& p, int bm) {
  if (p.form != MetaForm::per_token) return false;
  const std::int64_t range = token_range(p, bm);
  return (p.T < range ? p.T : range) > kScanChunk;
}

/// Calls body(tile, adapter) for each tile of at most BM rows of row unit
/// `unit`, uniformly across the block (body may synchronise the block).
/// `reporter`: this block reports the metadata faults it meets (exactly one
/// block per segment or token range does, so each fault is seen once).
/// `prefetch`: in the per-token form, the block asks the L2 for the weights
/// of its adapter under column chunk `chunk` (of BN columns) before it waits.
template <int BM, int BN, bool kCarryTiles, class Body>
__device__ inline void for_each_row_tile(const Problem& p, std::int64_t unit, std::int64_t chunk,
                                         bool reporter, bool prefetch,
                                         TokenList<kCarryTiles>& scratch, Body&& body) {
  if (p.form == MetaForm::segments) {
    const std::int64_t tiles = tiles_per_segment(p, BM);
    const std::int64_t s = unit / tiles;
    const std::int64_t tile = unit - s * tiles;
    await_previous_grids();  // the first access to memory
    const std::int64_t l = load_meta(p.lora, p.meta_dtype, s);
    const std::int64_t first = load_meta(p.seg_start, p.meta_dtype, s);
    const std::int64_t len = load_meta(p.seg_len, p.meta_dtype, s);
    std::uint32_t fault = 0;
    if (l < -1 || l >= p.L) fault |= status_bad_adapter;
    // Written so that no sum can overflow, whatever the values.
    if (first < 0 || len < 0 || first > p.T || len > p.T - first) fault |= status_bad_segment;
    if (reporter && tile == 0 && threadIdx.x == 0) report(p, fault);
    if (fault != 0 || l == -1) return;
    const std::int64_t rows = len < p.max_seg_len ? len : p.max_seg_len;
    const std::int64_t r0 = tile * BM;
    if (r0 >= rows) return;
    RowTile t;
    t.first = first + r0;
    t.count = static_cast<int>(rows - r0 < BM ? rows - r0 : BM);
    body(static_cast<const RowTile&>(t), l);
    return;
  }

  // Per-token form: gather the tokens of adapter l in [begin, end).
  const std::int64_t range = token_range(p, BM);
  const std::int64_t ranges = p.T <= range ? 1 : ceil_div(p.T, range);  // decode: one
  const std::int64_t l = ranges == 1 ? unit : unit / ranges;
  const std::int64_t begin = (unit - l * ranges) * range;
  const std::int64_t end = begin + range < p.T ? begin + range : p.T;
  const bool checker = reporter && l == 0;  // the l == 0 block of each range checks every id
  const bool serve = l < p.L;
  // An order-preserving compaction (ballot + prefix over warps): the rows of
  // a tile, and so the results, do not depend on the warps' timing.
  constexpr int kWarps = kBlockThreads / kWarpSize;
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const std::uint64_t below = (std::uint64_t{1} << lane) - 1u;
  // With kCarry, tiles are cut from the rows of every pass so far: the
  // rows of an unfinished tile (fewer than BM) wait at the start of the list
  // for the next pass, so a block whose range takes several passes runs
  // ceil(rows / BM) tiles, not one or more per pass, each of which reads
  // the adapter's weights again.
  constexpr bool kCarry = kCarryTiles && BM - 1 <= kCarryRows;
  int carried = 0;
  if (prefetch && serve && begin == 0) prefetch_weights(p, l, column_chunk(p, chunk, BN));
  await_previous_grids();  // the first access to memory (prefetches are hints)
  for (std::int64_t base = begin; base < end; base += kScanChunk) {
    const std::int64_t t = base + threadIdx.x;
    bool match = false;
    if (t < end) {
      const std::int64_t id = load_meta(p.lora, p.meta_dtype, t);
      match = serve && id == l;
      if (checker && (id < -1 || id >= p.L)) report(p, status_bad_adapter);
    }
    const std::uint64_t votes = ballot(match);
    if (lane == 0) scratch.warp_count[warp] = __popcll(votes);
    __syncthreads();
    int before = 0, n = 0;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const int c = scratch.warp_count[w];
      before += w < warp ? c : 0;
      n += c;
    }
    if (match) scratch.rows[carried + before + __popcll(votes & below)] = t;
    __syncthreads();
    n += carried;
    const bool last = base + kScanChunk >= end;
    const int emit = kCarry && !last ? n - n % BM : n;  // whole tiles, and at the end the rest
    for (int i = 0; i < emit; i += BM) {
      RowTile tile;
      tile.list = scratch.rows + i;
      tile.count = emit - i < BM ? emit - i : BM;
      body(static_cast<const RowTile&>(tile), l);
    }
    if constexpr (kCarry) {
      // The rest (fewer than BM rows, past the emitted ones, which the
      // tiles may still read) moves to the front once every thread is done
      // with the tiles; nothing moves when nothing was emitted. That
      // barrier also orders the tiles' reads before the next pass's
      // writes, which land past the moved rows: no second one.
      carried = n - emit;
      const int tid = static_cast<int>(threadIdx.x);
      const bool mover = emit > 0 && tid < carried;
      const std::int64_t row = mover ? scratch.rows[emit + tid] : 0;
      __syncthreads();
      if (mover) scratch.rows[tid] = row;
    } else {
      __syncthreads();  // the list is rewritten by the next pass
    }
  }
}

/// Walks the grid (with grid-stride loops, for grids clamped to the
/// hardware's limits) and calls body(tile, adapter, chunk) for every tile.
/// kPrefetchWeights: blocks of the per-token form ask the L2 for their
/// weights before they wait (prefetches_weights), which pays for the expand
/// but made the shrinks slower on the H100 (kernels/PERF_NOTES.md v10).
template <int BM, int BN, bool kPrefetchWeights = false, bool kCarry, class Body>
__device__ inline void for_each_tile(const Problem& p, TokenList<kCarry>& scratch, Body&& body) {
  // A grid below the clamp has exactly one block per row unit and per
  // chunk: the counts are its dimensions, not worth recomputing.
  const std::int64_t units = gridDim.x < kMaxGridUnits ? gridDim.x : row_units(p, BM);
  const std::int64_t chunks = gridDim.y < kMaxGridChunks ? gridDim.y : column_chunks(p, BN);
  const bool prefetch = kPrefetchWeights && prefetches_weights(p);
  for (std::int64_t chunk = blockIdx.y; chunk < chunks; chunk += gridDim.y) {
    for (std::int64_t unit = blockIdx.x; unit < units; unit += gridDim.x) {
      for_each_row_tile<BM, BN>(p, unit, chunk, chunk == 0, prefetch, scratch,
                                [&](const RowTile& tile, std::int64_t l) { body(tile, l, chunk); });
    }
  }
}

}  // namespace sgmv::gpu
