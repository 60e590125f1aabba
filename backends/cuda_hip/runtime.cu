// backend.hpp for CUDA and HIP: device discovery, memory, copies, streams.
// Every failure becomes an sgmv::Error carrying the runtime's error text.
#include <string>

#include "backends/cuda_hip/gpu_call.hpp"
#include "sgmv/core/backend.hpp"
#include "sgmv/error.hpp"

namespace sgmv::gpu {

void throw_runtime_error(Error status, const char* call, int device) {
  (void)SGMV_GPU_API(GetLastError)();  // clear a non-sticky error so later calls start clean
  ErrorCode code = ErrorCode::backend_error;
  if (status == SGMV_GPU_API(ErrorMemoryAllocation)) {
    code = ErrorCode::out_of_memory;
  } else if (status == SGMV_GPU_API(ErrorNoDevice) ||
             status == SGMV_GPU_API(ErrorInsufficientDriver) ||
             status == SGMV_GPU_API(ErrorInvalidDevice)) {
    code = ErrorCode::no_device;
  }
  throw sgmv::Error(code, std::string(SGMV_GPU_BACKEND_NAME) + ": " + call + " on device " +
                              std::to_string(device) +
                              " failed: " + SGMV_GPU_API(GetErrorString)(status) + " (" +
                              SGMV_GPU_API(GetErrorName)(status) + ")");
}

bool only_one_device() {
  static const bool one = detail::backend::device_count() == 1;
  return one;
}

}  // namespace sgmv::gpu

namespace sgmv::detail::backend {

using gpu::check;
using gpu::DeviceGuard;

const char* name() noexcept { return SGMV_GPU_BACKEND_NAME; }

int device_count() noexcept {
  int count = 0;
  if (SGMV_GPU_API(GetDeviceCount)(&count) != SGMV_GPU_API(Success)) {
    (void)SGMV_GPU_API(GetLastError)();  // no driver or no device: not an error here
    return 0;
  }
  return count;
}

void* alloc(std::size_t bytes, int device) {
  DeviceGuard guard(device);
  void* ptr = nullptr;
  if (bytes == 0) return nullptr;
  const gpu::Error status = SGMV_GPU_API(Malloc)(&ptr, bytes);
  if (status != SGMV_GPU_API(Success)) {
    const std::string call = "Malloc of " + std::to_string(bytes) + " bytes";
    gpu::throw_runtime_error(status, call.c_str(), device);
  }
  return ptr;
}

void free(void* ptr, int device) noexcept {
  if (ptr == nullptr) return;
  try {
    DeviceGuard guard(device);
    if (SGMV_GPU_API(Free)(ptr) != SGMV_GPU_API(Success)) (void)SGMV_GPU_API(GetLastError)();
  } catch (...) {
    // noexcept: a device that vanished leaves nothing to free
  }
}

void copy_to_device(void* dst, const void* src, std::size_t bytes, int device) {
  if (bytes == 0) return;
  DeviceGuard guard(device);
  check(SGMV_GPU_API(Memcpy)(dst, src, bytes, SGMV_GPU_API(MemcpyHostToDevice)),
        "Memcpy host->device", device);
}

void copy_to_host(void* dst, const void* src, std::size_t bytes, int device) {
  if (bytes == 0) return;
  DeviceGuard guard(device);
  check(SGMV_GPU_API(Memcpy)(dst, src, bytes, SGMV_GPU_API(MemcpyDeviceToHost)),
        "Memcpy device->host", device);
}

void copy_to_host_on_stream(void* dst, const void* src, std::size_t bytes, int device,
                            void* stream) {
  DeviceGuard guard(device);
  const auto s = static_cast<gpu::Stream>(stream);
  if (bytes != 0) {
    check(SGMV_GPU_API(MemcpyAsync)(dst, src, bytes, SGMV_GPU_API(MemcpyDeviceToHost), s),
          "MemcpyAsync device->host", device);
  }
  check(SGMV_GPU_API(StreamSynchronize)(s), "StreamSynchronize", device);
}

void zero_on_stream(void* ptr, std::size_t bytes, int device, void* stream) {
  if (bytes == 0) return;
  DeviceGuard guard(device);
  check(SGMV_GPU_API(MemsetAsync)(ptr, 0, bytes, static_cast<gpu::Stream>(stream)), "MemsetAsync",
        device);
}

void synchronize(int device, void* stream) {
  DeviceGuard guard(device);
  check(SGMV_GPU_API(StreamSynchronize)(static_cast<gpu::Stream>(stream)), "StreamSynchronize",
        device);
}

}  // namespace sgmv::detail::backend
