// A launch with programmatic stream serialization (CUDA, sm_90): the one
// place that fills its configuration, for the library's launches
// (launch.cuh) and for sgmv-bench's raw launches of the same kernels, which
// must be made the same way to compare like with like. CUDA only.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace sgmv::gpu {

/// cudaLaunchKernelExC of `func`, whose blocks may be scheduled while the
/// previous kernel in `stream` finishes (each then waits for it on the
/// device: await_previous_grids in kernels/vendor.cuh).
inline cudaError_t launch_programmatic(const void* func, dim3 grid, dim3 block, void** args,
                                       std::size_t shared_bytes, cudaStream_t stream) {
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = shared_bytes;
  config.stream = stream;
  config.attrs = attr;
  config.numAttrs = 1;
  return cudaLaunchKernelExC(&config, func, args);
}

}  // namespace sgmv::gpu
