// sgmv/core/backend.hpp for Kokkos: one device (the default execution
// space), memory from kokkos_malloc in its memory space.
//
// Streams: nullptr is the default execution space instance; any other value
// must point to a Kokkos::DefaultExecutionSpace instance the caller owns.
#include "sgmv/core/backend.hpp"

#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "kokkos_env.hpp"
#include "sgmv/error.hpp"

namespace sgmv::detail::backend {
namespace {

namespace kb = kokkos_backend;

void check_device(int device) {
  if (device != 0) {
    throw Error(ErrorCode::no_device,
                "the Kokkos backend has one device (0); got device " + std::to_string(device));
  }
}

using HostBytes = Kokkos::View<const unsigned char*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
using HostBytesOut = Kokkos::View<unsigned char*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
using DeviceBytes = Kokkos::View<const unsigned char*, kb::MemSpace, Kokkos::MemoryUnmanaged>;
using DeviceBytesOut = Kokkos::View<unsigned char*, kb::MemSpace, Kokkos::MemoryUnmanaged>;

// Caller holds a DispatchLock. Waits for all work, then copies.
void copy_bytes(void* dst, const void* src, std::size_t bytes, bool to_device) {
  if constexpr (kb::kHostMemory) {
    kb::ExecSpace().fence();
    std::memcpy(dst, src, bytes);
  } else if (to_device) {
    Kokkos::deep_copy(DeviceBytesOut(static_cast<unsigned char*>(dst), bytes),
                      HostBytes(static_cast<const unsigned char*>(src), bytes));
  } else {
    Kokkos::deep_copy(HostBytesOut(static_cast<unsigned char*>(dst), bytes),
                      DeviceBytes(static_cast<const unsigned char*>(src), bytes));
  }
}

[[noreturn]] void rethrow_as_error(const char* what_call) {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc& e) {
    throw Error(ErrorCode::out_of_memory, std::string(what_call) + ": " + e.what());
  } catch (const std::exception& e) {
    throw Error(ErrorCode::backend_error, std::string(what_call) + ": " + e.what());
  }
}

}  // namespace

const char* name() noexcept { return "kokkos"; }

int device_count() noexcept {
  try {
    kb::ensure_initialized();
    return kb::usable() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

void register_kernels(KernelRegistry& registry);  // kernel_registration.cpp

void* alloc(std::size_t bytes, int device) {
  check_device(device);
  if (bytes == 0) return nullptr;
  kb::DispatchLock lock;
  try {
    return Kokkos::kokkos_malloc<kb::MemSpace>("sgmv", bytes);
  } catch (...) {
    rethrow_as_error("Kokkos::kokkos_malloc");
  }
}

void free(void* ptr, int device) noexcept {
  (void)device;
  if (ptr == nullptr) return;
  // Takes the lock directly (no initialisation): after Kokkos has been
  // finalised (by us at exit, or by the application) the memory is left to
  // the exiting process rather than passed to a finalised Kokkos (Kokkos 4
  // aborts on that).
  std::lock_guard<std::mutex> lock(kb::dispatch_mutex());
  if (!kb::usable()) {
    kb::retain_at_exit(ptr);
    return;
  }
  try {
    Kokkos::kokkos_free<kb::MemSpace>(ptr);
  } catch (...) {
  }
}

void copy_to_device(void* dst, const void* src, std::size_t bytes, int device) {
  check_device(device);
  if (bytes == 0) return;
  kb::DispatchLock lock;
  try {
    copy_bytes(dst, src, bytes, true);
  } catch (...) {
    rethrow_as_error("copy_to_device");
  }
}

void copy_to_host(void* dst, const void* src, std::size_t bytes, int device) {
  check_device(device);
  if (bytes == 0) return;
  kb::DispatchLock lock;
  try {
    copy_bytes(dst, src, bytes, false);
  } catch (...) {
    rethrow_as_error("copy_to_host");
  }
}

void copy_to_host_on_stream(void* dst, const void* src, std::size_t bytes, int device,
                            void* stream) {
  check_device(device);
  kb::DispatchLock lock;
  try {
    kb::instance_of(stream).fence();
    if (bytes != 0) copy_bytes(dst, src, bytes, false);
  } catch (...) {
    rethrow_as_error("copy_to_host_on_stream");
  }
}

void zero_on_stream(void* ptr, std::size_t bytes, int device, void* stream) {
  check_device(device);
  if (bytes == 0) return;
  kb::DispatchLock lock;
  try {
    const kb::ExecSpace exec = kb::instance_of(stream);
    if constexpr (kb::kHostExec && kb::kHostMemory) {
      exec.fence();  // host spaces: ordered after earlier work, done now
      std::memset(ptr, 0, bytes);
    } else {
      Kokkos::deep_copy(exec, DeviceBytesOut(static_cast<unsigned char*>(ptr), bytes),
                        static_cast<unsigned char>(0));
    }
  } catch (...) {
    rethrow_as_error("zero_on_stream");
  }
}

void synchronize(int device, void* stream) {
  check_device(device);
  // Nothing can be queued once Kokkos is finalised (Context destructors may
  // run after that, at exit).
  std::lock_guard<std::mutex> lock(kb::dispatch_mutex());
  if (!kb::usable()) return;
  try {
    kb::instance_of(stream).fence();
  } catch (...) {
    rethrow_as_error("synchronize");
  }
}

}  // namespace sgmv::detail::backend
