// How a call's work is cut into items, and the launcher table by dtype.
#include <algorithm>

#include "segment_product.hpp"

namespace sgmv::detail::kokkos_backend {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

std::int64_t host_rows_bound(const Problem& p) {
  if (p.form == MetaForm::per_token) return 1;
  const bool wide = p.meta_dtype == DType::i64;
  std::int64_t bound = 0;
  for (std::int64_t s = 0; s < p.S && bound < p.max_seg_len; ++s) {
    const std::int64_t l = load_meta(p.lora, wide, s);
    const std::int64_t start = load_meta(p.seg_start, wide, s);
    const std::int64_t len = load_meta(p.seg_len, wide, s);
    // Faulty segments compute nothing (their first item records the fault).
    if (l < 0 || l >= p.L || start < 0 || len < 0 || start > p.T || len > p.T - start) continue;
    bound = std::max(bound, len);
  }
  return std::min(bound, p.max_seg_len);
}

// Rules:
//  - Serial (one thread): one item per segment and slice, covering all its
//    rows and columns; nothing is launched for rows a segment does not have.
//  - Other host spaces (OpenMP, Threads): tile.block_m rows and
//    tile.block_n columns per item, rows bounded by the longest segment
//    actually present (the metadata is in host memory; read after a fence).
//  - Device spaces: the same tiles over max_seg_len rows (the grid must not
//    depend on device-resident values).
WorkShape work_shape(const Problem& p, const TileConfig& tile, ExecSpace exec) {
  WorkShape shape;
  const std::int64_t max_n = std::max<std::int64_t>(p.max_n, 1);
  const std::int64_t rows =
      std::max<std::int64_t>(p.form == MetaForm::per_token ? 1 : p.max_seg_len, 1);
  if (kHostExec && concurrency() <= 1) {
    shape.rows_per_item = rows;
    shape.cols_per_item = max_n;
    return shape;  // row_items = col_items = 1
  }
  std::int64_t bound = rows;
  if constexpr (kHostExec && kHostMemory) {
    exec.fence();  // earlier work on the stream may still be writing the metadata
    bound = std::max<std::int64_t>(host_rows_bound(p), 1);
  }
  const std::int64_t bm = tile.block_m > 0 ? tile.block_m : kRowBlock;
  const std::int64_t bn = tile.block_n > 0 ? std::min<std::int64_t>(tile.block_n, max_n) : max_n;
  shape.rows_per_item = bm;
  shape.row_items = ceil_div(bound, bm);
  shape.cols_per_item = bn;
  shape.col_items = ceil_div(max_n, bn);
  return shape;
}

LaunchFn segment_product_launcher(DType in, DType w, IndexWidth index, MetaForm form) {
  switch (in) {
    case DType::f16:
      return segment_product_launcher_f16(w, index, form);
    case DType::bf16:
      return segment_product_launcher_bf16(w, index, form);
    case DType::f32:
      return segment_product_launcher_f32(w, index, form);
    default:
      return nullptr;
  }
}

}  // namespace sgmv::detail::kokkos_backend
