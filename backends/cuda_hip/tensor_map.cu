// cuTensorMapEncodeTiled for the TMA kernels (tensor_map.hpp). CUDA only:
// empty for HIP.
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)

#include <cstdint>
#include <cstdlib>
#include <limits>

#include "backends/cuda_hip/driver_launch.hpp"
#include "backends/cuda_hip/tensor_map.hpp"

namespace sgmv::gpu {
namespace {

using EncodeTiled = CUresult(CUDAAPI*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*,
                                       const cuuint64_t*, const cuuint64_t*, const cuuint32_t*,
                                       const cuuint32_t*, CUtensorMapInterleave, CUtensorMapSwizzle,
                                       CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

/// cuTensorMapEncodeTiled, or null where it is missing or SGMV_CUDA_TMA=0.
EncodeTiled encode_tiled() {
  static const EncodeTiled fn = []() -> EncodeTiled {
    const char* text = std::getenv("SGMV_CUDA_TMA");
    if (text != nullptr && text[0] == '0') return nullptr;
    return reinterpret_cast<EncodeTiled>(driver_entry_point("cuTensorMapEncodeTiled"));
  }();
  return fn;
}

/// Largest size along a dimension whose coordinates the copies take (s32).
constexpr std::int64_t kMaxCoordinate = std::numeric_limits<std::int32_t>::max();
/// Strides of a map (bytes) stay below 2^40.
constexpr std::int64_t kMaxStrideBytes = std::int64_t{1} << 40;

/// One map of `rank` dimensions (sizes in elements, the first contiguous;
/// strides in bytes of dimensions 1 ..), boxes of `box`, 128-byte swizzled.
bool encode(EncodeTiled fn, CUtensorMap* map, CUtensorMapDataType type, cuuint32_t rank,
            const void* base, const std::int64_t* sizes, const std::int64_t* strides,
            const cuuint32_t* box, CUtensorMapL2promotion promotion) {
  cuuint64_t dims[3] = {}, byte_strides[2] = {};
  const cuuint32_t element_strides[3] = {1, 1, 1};
  for (cuuint32_t i = 0; i < rank; ++i) {
    if (sizes[i] <= 0 || sizes[i] > kMaxCoordinate) return false;
    dims[i] = static_cast<cuuint64_t>(sizes[i]);
  }
  for (cuuint32_t i = 0; i + 1 < rank; ++i) {
    if (strides[i] <= 0 || strides[i] >= kMaxStrideBytes) return false;
    byte_strides[i] = static_cast<cuuint64_t>(strides[i]);
  }
  return fn(map, type, rank, const_cast<void*>(base), dims, byte_strides, box, element_strides,
            CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, promotion,
            CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

}  // namespace

bool tma_enabled() { return encode_tiled() != nullptr; }

bool encode_shrink_maps(const detail::Problem& p, int bm, int bn, CUtensorMap* x, CUtensorMap* a) {
  const EncodeTiled fn = encode_tiled();
  if (fn == nullptr || p.num_slices != 1 || p.w_dtype != p.in_dtype) return false;
  CUtensorMapDataType type;
  if (p.in_dtype == DType::bf16) {
    type = CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
  } else if (p.in_dtype == DType::f16) {
    type = CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
  } else {
    return false;
  }
  constexpr std::int64_t kElem = 2;          // bytes of an fp16 / bf16 element
  constexpr cuuint32_t kBoxK = 128 / kElem;  // one 128-byte swizzled row: 64 elements
  const detail::SliceArgs& sl = p.slice[0];
  const std::int64_t x_sizes[2] = {p.K, p.T};
  const std::int64_t x_strides[1] = {sl.in_row_stride * kElem};
  const cuuint32_t x_box[2] = {kBoxK, static_cast<cuuint32_t>(bm)};
  const std::int64_t a_sizes[3] = {p.K, sl.n, p.L};
  const std::int64_t a_strides[2] = {sl.w_stride_n * kElem, sl.w_stride_l * kElem};
  const cuuint32_t a_box[3] = {kBoxK, static_cast<cuuint32_t>(bn), 1};
  // x is streamed once: 256-byte L2 fills; A is re-read by every row tile.
  return encode(fn, x, type, 2, sl.in, x_sizes, x_strides, x_box,
                CU_TENSOR_MAP_L2_PROMOTION_L2_256B) &&
         encode(fn, a, type, 3, sl.w, a_sizes, a_strides, a_box,
                CU_TENSOR_MAP_L2_PROMOTION_L2_128B);
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
