// The driver entry points of the fast launch and the resolution of a
// kernel's CUfunction (driver_launch.hpp). CUDA only: empty for HIP.
#include "kernels/vendor.cuh"  // defines SGMV_CUDA_FAST_PATHS on CUDA

#if defined(SGMV_CUDA_FAST_PATHS)

#include <cstdlib>

#include "backends/cuda_hip/driver_launch.hpp"

namespace sgmv::gpu {

void* driver_entry_point(const char* name) {
  void* entry = nullptr;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
#if CUDART_VERSION >= 12050
  const cudaError_t status =
      cudaGetDriverEntryPointByVersion(name, &entry, 12000, cudaEnableDefault, &found);
#else
  const cudaError_t status = cudaGetDriverEntryPoint(name, &entry, cudaEnableDefault, &found);
#endif
  if (status != cudaSuccess) {
    (void)cudaGetLastError();  // not an error of the caller's: the runtime launch is used
    return nullptr;
  }
  return found == cudaDriverEntryPointSuccess ? entry : nullptr;
}

const DriverLaunchApi* driver_launch_api() {
  static const DriverLaunchApi api = [] {
    DriverLaunchApi found;
    const char* text = std::getenv("SGMV_CUDA_DRIVER_LAUNCH");
    if (text != nullptr && text[0] == '0') return found;
    found.launch_kernel_ex =
        reinterpret_cast<decltype(found.launch_kernel_ex)>(driver_entry_point("cuLaunchKernelEx"));
    found.current_context =
        reinterpret_cast<decltype(found.current_context)>(driver_entry_point("cuCtxGetCurrent"));
    return found;
  }();
  const bool usable = api.launch_kernel_ex != nullptr && api.current_context != nullptr;
  return usable ? &api : nullptr;
}

bool DriverFunction::resolve(const DriverLaunchApi& api, const void* kernel, CUcontext current) {
  int expected = kUnresolved;
  if (!state_.compare_exchange_strong(expected, kResolving, std::memory_order_acq_rel)) {
    return false;  // resolved by another thread meanwhile, or unusable: launch through the runtime
  }
  // The runtime's handle of the kernel in the current device's context
  // (loading its module if it was not yet), which is the driver's CUfunction.
  cudaFunction_t function = nullptr;
  if (cudaGetFuncBySymbol(&function, kernel) != cudaSuccess || function == nullptr) {
    (void)cudaGetLastError();
    state_.store(kUnusable, std::memory_order_release);
    return false;
  }
  CUcontext after = nullptr;
  if (api.current_context(&after) != CUDA_SUCCESS || after != current) {
    state_.store(kUnresolved, std::memory_order_release);  // try again on a later launch
    return false;
  }
  context_ = current;
  function_ = reinterpret_cast<CUfunction>(function);
  state_.store(kReady, std::memory_order_release);
  return true;
}

}  // namespace sgmv::gpu

#endif  // SGMV_CUDA_FAST_PATHS
