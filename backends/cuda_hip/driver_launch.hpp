// Launching a kernel through the CUDA driver's cuLaunchKernelEx with its
// CUfunction resolved once per device: the launch the runtime's
// cudaLaunchKernelExC makes after looking the kernel up, without the lookup.
// The driver's entry points are found once through the runtime, so nothing
// links libcuda. Any case the fast launch does not cover (no current
// context, another context than the one the function was resolved in, a
// refused launch) falls back to the runtime's launch. CUDA only.
#pragma once

#include <cuda.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cstddef>

namespace sgmv::gpu {

/// Devices whose launches may take the fast path (each kernel keeps one
/// DriverFunction per device: 16 bytes).
inline constexpr int kMaxDriverDevices = 64;

/// The driver's entry point `name` of the CUDA 12.0 interface, or null.
void* driver_entry_point(const char* name);

/// The driver calls of the fast launch.
struct DriverLaunchApi {
  CUresult(CUDAAPI* launch_kernel_ex)(const CUlaunchConfig*, CUfunction, void**, void**) = nullptr;
  CUresult(CUDAAPI* current_context)(CUcontext*) = nullptr;
};

/// The driver's calls, looked up on first use; null, so that every launch
/// goes through the runtime, where the driver lacks them or the environment
/// variable SGMV_CUDA_DRIVER_LAUNCH is 0 (read once).
const DriverLaunchApi* driver_launch_api();

/// One kernel's CUfunction in the context it was first launched in on one
/// device. Constant-initialized, so a function-local static array of them
/// costs no guard.
class DriverFunction {
 public:
  constexpr DriverFunction() = default;

  /// Launches `kernel` with the cached function when the calling thread's
  /// current context is the one it was resolved in (resolving it on the
  /// first call). Returns false, having launched nothing, in every other
  /// case: the caller then launches through the runtime.
  bool launch(const DriverLaunchApi& api, const void* kernel, dim3 grid, dim3 block, void** args,
              std::size_t shared_bytes, cudaStream_t stream, bool programmatic) {
    CUcontext current = nullptr;
    if (api.current_context(&current) != CUDA_SUCCESS || current == nullptr) return false;
    if (state_.load(std::memory_order_acquire) != kReady && !resolve(api, kernel, current)) {
      return false;
    }
    if (current != context_) return false;
    CUlaunchAttribute attr[1];
    attr[0].id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attr[0].value.programmaticStreamSerializationAllowed = 1;
    CUlaunchConfig config = {};
    config.gridDimX = grid.x;
    config.gridDimY = grid.y;
    config.gridDimZ = grid.z;
    config.blockDimX = block.x;
    config.blockDimY = block.y;
    config.blockDimZ = block.z;
    config.sharedMemBytes = static_cast<unsigned>(shared_bytes);
    config.hStream = stream;
    config.attrs = programmatic ? attr : nullptr;
    config.numAttrs = programmatic ? 1u : 0u;
    return api.launch_kernel_ex(&config, function_, args, nullptr) == CUDA_SUCCESS;
  }

 private:
  enum State : int { kUnresolved = 0, kResolving = 1, kReady = 2, kUnusable = 3 };

  /// Resolves the function in `current` (the current device's context): one
  /// thread does it; the others, and every call after a failure, get false.
  bool resolve(const DriverLaunchApi& api, const void* kernel, CUcontext current);

  std::atomic<int> state_{kUnresolved};
  CUcontext context_ = nullptr;    ///< written once, before state_ becomes kReady
  CUfunction function_ = nullptr;  ///< likewise
};

}  // namespace sgmv::gpu
