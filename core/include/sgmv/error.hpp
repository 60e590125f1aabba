// Errors reported by sgmv. Every public function reports failure by throwing
// sgmv::Error; a call that throws has written nothing to its outputs.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sgmv {

enum class ErrorCode : std::uint8_t {
  invalid_argument,  ///< a host-visible mistake in the call; the message names the argument
  unsupported,       ///< valid, but this backend or build does not implement it
  no_device,         ///< no device of the configured backend is present
  out_of_memory,     ///< a device allocation failed
  backend_error,     ///< the vendor runtime reported an error (message carries its text)
  device_fault,      ///< strict mode found bad device-resident metadata
};

const char* name_of(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message);
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

/// Bits of the device status word (see Context::read_status). A kernel that
/// meets bad device-resident metadata skips that segment and ORs a bit in.
enum StatusBits : std::uint32_t {
  status_ok = 0,
  status_bad_segment = 1u << 0,  ///< a segment reached outside [0, T) or had a negative length
  status_bad_adapter = 1u << 1,  ///< an adapter id outside [-1, L)
};

}  // namespace sgmv
