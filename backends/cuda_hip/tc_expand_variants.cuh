// The KernelVariant of one tensor-core expand kernel (tc_expand.cuh), shared
// by the translation units that register them (B in registers, B staged).
#pragma once

#include "backends/cuda_hip/launch.cuh"
#include "backends/cuda_hip/tiles.hpp"
#include "backends/cuda_hip/variants.hpp"
#include "kernels/tc_expand.cuh"

namespace sgmv::gpu {

static_assert(kTcExpandBN == kTcExpandCols);

template <class T, class O, int BM, int KW, bool ADD, int CG, bool CARRY = false,
          bool SMEM_B = false>
detail::KernelVariant tc_expand_variant(const char* name) {
  detail::KernelVariant v =
      make_variant<&tc_expand_kernel<T, O, BM, KW, ADD, CG, CARRY, SMEM_B>, BM, kTcExpandCols * CG,
                   kTcExpandStagedSmem<T, KW, CG, SMEM_B>>(name, detail::OpKind::expand);
  v.add_mask = ADD ? 2 : 1;
  v.in = v.w = only(T::dtype);
  v.out = only(O::dtype);
  v.align_required = kAlignInW;
  v.index = detail::IndexWidth::i64;  // row offsets are 64-bit, computed once per row
  v.tile = tc_expand_tile(BM, KW, CG, CARRY, SMEM_B);
  v.max_rank = ExpandK<T, KW>::kLoopsOverK ? 0 : KW;  // the narrower forms hold all of R
  v.rank_step = kTcExpandRankStep;
  v.priority = kPriorityTensorCore;
  return v;
}

}  // namespace sgmv::gpu
