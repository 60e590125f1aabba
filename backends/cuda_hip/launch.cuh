// Launching a kernel of sgmv: the grid comes from host-known sizes of the
// Problem alone (metadata.cuh) and the one kernel parameter is the Problem by
// value (or a struct that holds it, as the TMA kernels' does). On CUDA the
// launch goes to the driver with the kernel's CUfunction resolved once per
// device (driver_launch.hpp), else through the runtime's LaunchKernel, as a
// benchmark's raw launch of RawLaunch does. No sync, allocation or copy.
#pragma once

#include <atomic>
#include <cstdint>

#include "backends/cuda_hip/gpu_call.hpp"
#if defined(SGMV_CUDA_FAST_PATHS)
#include "backends/cuda_hip/driver_launch.hpp"
#include "backends/cuda_hip/programmatic_launch.hpp"
#endif
#include "kernels/metadata.cuh"
#include "sgmv/core/kernel_registry.hpp"

namespace sgmv::gpu {

using KernelFn = void (*)(Problem);

/// Grid of a kernel whose blocks cover BM rows x BN columns (see metadata.cuh);
/// false when there is nothing to launch.
template <int BM, int BN>
bool launch_grid(const Problem& p, dim3* grid) {
  if (p.empty()) return false;
  const std::int64_t units = row_units(p, BM), chunks = column_chunks(p, BN);
  if (units <= 0 || chunks <= 0) return false;
  // Kernels walk larger grids with grid-stride loops (for_each_tile).
  constexpr std::int64_t kMaxUnits = kMaxGridUnits, kMaxY = kMaxGridChunks;
  *grid = dim3(static_cast<unsigned>(units < kMaxUnits ? units : kMaxUnits),
               static_cast<unsigned>(chunks < kMaxY ? chunks : kMaxY), 1);
  return true;
}

/// The whole launch of that kernel, for a caller's raw launch.
template <auto kKernel, int BM, int BN, int SMEM = 0>
bool describe_launch(const Problem& p, detail::RawLaunch* raw) {
  dim3 grid;
  if (!launch_grid<BM, BN>(p, &grid)) return false;
  raw->func = reinterpret_cast<const void*>(kKernel);
  raw->grid[0] = grid.x;
  raw->grid[1] = grid.y;
  raw->grid[2] = grid.z;
  raw->block[0] = kBlockThreads;
  raw->block[1] = 1;
  raw->block[2] = 1;
  raw->shared_bytes = SMEM;
  return true;
}

/// Kernels with more than 48 KiB of shared memory in all must say so to the
/// runtime once per device before their first launch there; one relaxed load
/// on later launches.
template <auto kKernel, int SMEM>
void allow_shared_memory(int device) {
  static std::atomic<std::uint64_t> done{0};
  const std::uint64_t bit = device < 64 ? std::uint64_t{1} << device : 0u;
  if (bit != 0 && (done.load(std::memory_order_relaxed) & bit) != 0) return;
  check(SGMV_GPU_API(FuncSetAttribute)(reinterpret_cast<const void*>(kKernel),
                                       SGMV_GPU_API(FuncAttributeMaxDynamicSharedMemorySize), SMEM),
        "FuncSetAttribute", device);
  done.fetch_or(bit, std::memory_order_relaxed);
}

/// Whether kernels launch on `device` with programmatic stream serialization
/// (CUDA, compute capability 9.0+, unless SGMV_CUDA_PDL=0): each kernel's
/// blocks may be scheduled while the previous kernel in the stream finishes,
/// and wait for it on the device (await_previous_grids in vendor.cuh).
bool programmatic_launch(int device);

/// Launches kKernel for p with `param` (the address of its one parameter:
/// the Problem, or a struct that holds it) as its parameter.
template <auto kKernel, int BM, int BN, int SMEM = 0>
void launch_with(const Problem& p, void* param, const detail::LaunchEnv& env) {
  dim3 grid;
  if (!launch_grid<BM, BN>(p, &grid)) return;
  DeviceGuard guard(env.device);
  // Static shared memory counts against the same 48 KiB: raise the limit for
  // every kernel that asks for dynamic shared memory.
  if constexpr (SMEM > 0) allow_shared_memory<kKernel, SMEM>(env.device);
  void* args[] = {param};
  const void* const func = reinterpret_cast<const void*>(kKernel);
  const dim3 block(kBlockThreads, 1, 1);
  constexpr std::size_t kShared = SMEM;
#if defined(SGMV_CUDA_FAST_PATHS)
  const bool programmatic = programmatic_launch(env.device);
  // One cached function per device (kMaxDriverDevices: further devices
  // launch through the runtime).
  static DriverFunction functions[kMaxDriverDevices];
  const DriverLaunchApi* driver = driver_launch_api();
  if (driver != nullptr && env.device >= 0 && env.device < kMaxDriverDevices &&
      functions[env.device].launch(*driver, func, grid, block, args, kShared,
                                   static_cast<Stream>(env.stream), programmatic)) {
    return;
  }
  if (programmatic) {
    check(launch_programmatic(func, grid, block, args, kShared, static_cast<Stream>(env.stream)),
          "LaunchKernelExC", env.device);
    return;
  }
#endif
  check(
      SGMV_GPU_API(LaunchKernel)(func, grid, block, args, kShared, static_cast<Stream>(env.stream)),
      "LaunchKernel", env.device);
}

/// KernelVariant::launch (the tile is the variant's own: its BM and BN).
template <KernelFn kKernel, int BM, int BN, int SMEM = 0>
void launch(const Problem& p, const detail::TileConfig& /*tile*/, const detail::LaunchEnv& env) {
  launch_with<kKernel, BM, BN, SMEM>(p, const_cast<Problem*>(&p), env);
}

/// KernelVariant::describe: the launch's shape, for a raw launch of the same
/// kernel by the caller on the current device (whose shared-memory limit is
/// raised here, as launch() does, so that the raw launch is valid on its own).
template <auto kKernel, int BM, int BN, int SMEM = 0>
bool describe_for_caller(const Problem& p, const detail::TileConfig& /*tile*/,
                         detail::RawLaunch* raw) {
  if (!describe_launch<kKernel, BM, BN, SMEM>(p, raw)) return false;
  int device = 0;
  check(SGMV_GPU_API(GetDevice)(&device), "GetDevice", -1);
  if constexpr (SMEM > 0) allow_shared_memory<kKernel, SMEM>(device);
  raw->programmatic = programmatic_launch(device);
  return true;
}

/// A KernelVariant for kernel kKernel with a BM x BN block tile and SMEM
/// bytes of dynamic shared memory.
template <KernelFn kKernel, int BM, int BN, int SMEM = 0>
detail::KernelVariant make_variant(const char* name, detail::OpKind op) {
  detail::KernelVariant v;
  v.name = name;
  v.op = op;
  v.launch = &launch<kKernel, BM, BN, SMEM>;
  v.describe = &describe_for_caller<kKernel, BM, BN, SMEM>;
  return v;
}

}  // namespace sgmv::gpu
