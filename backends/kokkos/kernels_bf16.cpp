// Instantiates the segmented-product kernels whose input (x or u) is bf16.
// One translation unit per input dtype keeps each compile small and parallel.
#include "segment_product.hpp"

namespace sgmv::detail::kokkos_backend {

LaunchFn segment_product_launcher_bf16(DType w, IndexWidth index, MetaForm form) {
  return segment_product_launcher_for<BF16>(w, index, form);
}

}  // namespace sgmv::detail::kokkos_backend
