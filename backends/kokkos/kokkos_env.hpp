// The Kokkos environment of the backend: which execution and memory space it
// uses, lazy initialisation, and the lock that serialises dispatch.
#pragma once

#include <Kokkos_Core.hpp>
#include <mutex>

namespace sgmv::detail::kokkos_backend {

/// Every kernel runs on the default execution space of the Kokkos build
/// (Serial or OpenMP on CPUs, Cuda or HIP on GPUs); memory lives in its space.
using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;

/// True when kernels run on the host (Serial, OpenMP, Threads, HPX).
inline constexpr bool kHostExec =
    Kokkos::SpaceAccessibility<ExecSpace, Kokkos::HostSpace>::accessible;
/// True when host code may read and write MemSpace directly.
inline constexpr bool kHostMemory =
    Kokkos::SpaceAccessibility<Kokkos::HostSpace, MemSpace>::accessible;

/// Makes sure Kokkos is initialised: if the application has not initialised
/// it, the first call does (thread-safe) and registers its finalisation at
/// exit. Throws Error(backend_error) if Kokkos has been finalised or fails to
/// initialise. The fast path is one atomic load.
void ensure_initialized();

/// True while Kokkos may be called: initialised and not yet finalised (by us
/// at exit or by the application). Safe at any time, including during static
/// destruction.
bool usable() noexcept;

/// Threads of the execution space (1 for Serial); valid after ensure_initialized().
int concurrency() noexcept;

/// Serialises every dispatch into Kokkos (kernels, allocation, copies). Kokkos
/// 3.x host backends are not reentrant from several host threads (OpenMP
/// shares one thread pool; Serial shares its instance data), and Kokkos 4
/// takes a per-instance lock around each host kernel anyway, so one lock here
/// costs no concurrency there and makes every version safe for several
/// Contexts used from several threads. Never destroyed (usable at exit).
std::mutex& dispatch_mutex() noexcept;

/// Keeps a pointer that could not be freed because Kokkos is already
/// finalised (a static object releasing sgmv memory after our exit handler,
/// or after the application finalised Kokkos). The memory stays reachable
/// from a global list until the process ends, so leak checkers do not report
/// it as lost. Caller holds dispatch_mutex().
void retain_at_exit(void* ptr) noexcept;

/// Held around every call into Kokkos after initialisation: initialises
/// Kokkos if needed, takes dispatch_mutex(), then throws Error(backend_error)
/// if Kokkos has been finalised meanwhile.
class DispatchLock {
 public:
  DispatchLock();
  DispatchLock(const DispatchLock&) = delete;
  DispatchLock& operator=(const DispatchLock&) = delete;

 private:
  std::unique_lock<std::mutex> lock_;
};

/// The execution space instance a stream names: nullptr is the default
/// instance; otherwise `stream` points to a Kokkos::DefaultExecutionSpace
/// instance that the caller owns and keeps alive.
inline ExecSpace instance_of(void* stream) {
  return stream == nullptr ? ExecSpace() : *static_cast<const ExecSpace*>(stream);
}

}  // namespace sgmv::detail::kokkos_backend
