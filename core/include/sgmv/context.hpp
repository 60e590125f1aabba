// Where and how ops run: a device, a stream, the device status word and the
// strict-mode switch. One Context per stream; a Context is not safe to use
// from several threads at once, but several Contexts (on one or more
// devices) may be used concurrently.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sgmv {

class Context {
 public:
  /// Binds device `device` and a backend stream (cudaStream_t, hipStream_t;
  /// nullptr: the default stream / execution space instance). Allocates the
  /// device status word once, here, so no op ever allocates.
  explicit Context(int device = 0, void* stream = nullptr);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  Context(Context&& other) noexcept;
  Context& operator=(Context&& other) noexcept;

  int device() const noexcept { return device_; }
  void* stream() const noexcept { return stream_; }

  /// Strict mode copies the metadata to the host and validates it before
  /// each launch (it synchronises the stream). Off by default.
  void set_strict(bool strict) noexcept { strict_ = strict; }
  bool strict() const noexcept { return strict_; }

  /// Device pointer to the status word that kernels OR StatusBits into.
  std::uint32_t* status_word() const noexcept { return status_; }
  /// Waits for the stream, then returns the status word (a StatusBits mask).
  std::uint32_t read_status() const;
  /// Sets the status word back to status_ok (ordered on the stream).
  void clear_status();
  /// Waits until all work queued on this Context's stream has finished.
  void synchronize() const;

 private:
  void release() noexcept;
  int device_ = 0;
  void* stream_ = nullptr;
  std::uint32_t* status_ = nullptr;
  bool strict_ = false;
};

/// Name of the backend this library was built for ("kokkos", "cuda", "hip").
const char* backend_name() noexcept;
/// Number of devices the backend sees (0 when none; never throws).
int device_count() noexcept;

/// Device memory helpers, for callers and tests that do not have their own
/// allocator. Allocation failures throw Error(out_of_memory); a missing
/// device throws Error(no_device).
void* device_alloc(std::size_t bytes, int device = 0);
void device_free(void* ptr, int device = 0) noexcept;
/// Synchronous copies between host and device memory of `device`.
void copy_to_device(void* dst, const void* src, std::size_t bytes, int device = 0);
void copy_to_host(void* dst, const void* src, std::size_t bytes, int device = 0);

}  // namespace sgmv
