#include "kokkos_env.hpp"

#include <atomic>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "sgmv/error.hpp"

namespace sgmv::detail::kokkos_backend {
namespace {

// Lifecycle of Kokkos as this backend sees it. Trivially destructible, so it
// stays readable while static objects are destroyed at exit.
enum State : int {
  state_unknown = 0,   // not looked at yet
  state_app = 1,       // the application initialised Kokkos (it finalises it)
  state_ours = 2,      // we initialised Kokkos; we finalise it at exit
  state_finalized = 3  // we finalised it at exit
};
std::atomic<int> g_state{state_unknown};
std::atomic<int> g_concurrency{1};

// Kept alive for the whole process: free() and synchronize() may run from
// destructors of static objects after our exit handler.
std::mutex& init_mutex() noexcept {
  static std::mutex* m = new std::mutex;
  return *m;
}

bool kokkos_finalized_by_anyone() {
#if KOKKOS_VERSION >= 40000
  return Kokkos::is_finalized();
#else
  return false;  // Kokkos 3 has no is_finalized(); is_initialized() covers it
#endif
}

// Registered with std::atexit right after Kokkos::initialize returns, so it
// runs before the destructors of every static object constructed earlier
// (those that may still hold sgmv memory): their free() calls then see
// state_finalized and leave the memory to the exiting process instead of
// calling into a finalised Kokkos.
void finalize_at_exit() {
  std::lock_guard<std::mutex> dispatch(dispatch_mutex());
  std::lock_guard<std::mutex> lock(init_mutex());
  if (g_state.load(std::memory_order_relaxed) != state_ours) return;
  g_state.store(state_finalized, std::memory_order_release);
  if (Kokkos::is_initialized()) Kokkos::finalize();
}

}  // namespace

std::mutex& dispatch_mutex() noexcept {
  static std::mutex* m = new std::mutex;
  return *m;
}

void ensure_initialized() {
  const int state = g_state.load(std::memory_order_acquire);
  if (state == state_app || state == state_ours) return;
  if (state == state_finalized) {
    throw Error(ErrorCode::backend_error,
                "Kokkos backend used after Kokkos was finalised at process exit");
  }
  std::lock_guard<std::mutex> lock(init_mutex());
  if (g_state.load(std::memory_order_relaxed) != state_unknown) return;
  int owner = state_app;
  if (!Kokkos::is_initialized()) {
    if (kokkos_finalized_by_anyone()) {
      throw Error(ErrorCode::backend_error,
                  "Kokkos has been finalised by the application; sgmv cannot use it");
    }
    try {
      Kokkos::initialize();
    } catch (const std::exception& e) {
      throw Error(ErrorCode::backend_error, std::string("Kokkos::initialize failed: ") + e.what());
    }
    owner = state_ours;
    std::atexit(&finalize_at_exit);
  }
  g_concurrency.store(ExecSpace().concurrency(), std::memory_order_relaxed);
  g_state.store(owner, std::memory_order_release);
}

bool usable() noexcept {
  // Either owner may have finalised Kokkos since (the application at any
  // time, we at exit).
  const int state = g_state.load(std::memory_order_acquire);
  return (state == state_app || state == state_ours) && Kokkos::is_initialized();
}

DispatchLock::DispatchLock() {
  ensure_initialized();
  lock_ = std::unique_lock<std::mutex>(dispatch_mutex());
  if (!usable()) {
    throw Error(ErrorCode::backend_error,
                "Kokkos has been finalised; the Kokkos backend of sgmv "
                "cannot run after Kokkos::finalize()");
  }
}

void retain_at_exit(void* ptr) noexcept {
  // Never destroyed; only grows at exit (or after the application finalised
  // Kokkos), one entry per buffer released late.
  static std::vector<void*>* retained = new std::vector<void*>;
  try {
    retained->push_back(ptr);
  } catch (...) {
  }
}

int concurrency() noexcept { return g_concurrency.load(std::memory_order_relaxed); }

}  // namespace sgmv::detail::kokkos_backend
