// The interface every backend implements, declared once. Exactly one backend
// is compiled into a build (chosen by SGMV_BACKEND at configure time); it
// defines these functions in its own folder under backends/.
#pragma once

#include <cstddef>

#include "sgmv/core/kernel_registry.hpp"

namespace sgmv::detail::backend {

/// "kokkos", "cuda" or "hip".
const char* name() noexcept;
/// Devices visible to the backend; 0 when none (never throws).
int device_count() noexcept;
/// Called once, when the library initialises: registers every kernel variant
/// and the tile policy.
void register_kernels(KernelRegistry& registry);

/// Memory of `device`. alloc throws Error(out_of_memory / no_device).
void* alloc(std::size_t bytes, int device);
void free(void* ptr, int device) noexcept;
/// Synchronous copies.
void copy_to_device(void* dst, const void* src, std::size_t bytes, int device);
void copy_to_host(void* dst, const void* src, std::size_t bytes, int device);
/// Copy device -> host ordered after the work on `stream`, then wait for it.
void copy_to_host_on_stream(void* dst, const void* src, std::size_t bytes, int device,
                            void* stream);
/// Sets `bytes` bytes to zero, ordered on `stream` (asynchronous).
void zero_on_stream(void* ptr, std::size_t bytes, int device, void* stream);
/// Waits for everything queued on `stream`.
void synchronize(int device, void* stream);

}  // namespace sgmv::detail::backend
