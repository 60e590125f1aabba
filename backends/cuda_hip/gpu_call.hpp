// Checking vendor runtime calls and selecting a device, for the backend glue
// shared by CUDA and HIP.
#pragma once

#include "kernels/vendor.cuh"

namespace sgmv::gpu {

/// Throws sgmv::Error for a failed runtime call: out_of_memory, no_device or
/// backend_error, with the call, the device and the runtime's own text.
[[noreturn]] void throw_runtime_error(Error status, const char* call, int device);

inline void check(Error status, const char* call, int device) {
  if (status != SGMV_GPU_API(Success)) throw_runtime_error(status, call, device);
}

/// Whether the process sees exactly one device (asked once). Device 0 is
/// then always the current one.
bool only_one_device();

/// Makes `device` current for the guard's lifetime and restores the caller's
/// device afterwards (only when they differ: one query of about 50 ns on the
/// H100 machine otherwise, skipped when device 0 is the only device).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    if (device == 0 && only_one_device()) return;
    int current = -1;
    check(SGMV_GPU_API(GetDevice)(&current), "GetDevice", device);
    if (current != device) {
      check(SGMV_GPU_API(SetDevice)(device), "SetDevice", device);
      previous_ = current;
    }
  }
  ~DeviceGuard() {
    if (previous_ >= 0) (void)SGMV_GPU_API(SetDevice)(previous_);
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

}  // namespace sgmv::gpu
