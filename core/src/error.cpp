#include "sgmv/error.hpp"

namespace sgmv {

const char* name_of(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_argument:
      return "invalid_argument";
    case ErrorCode::unsupported:
      return "unsupported";
    case ErrorCode::no_device:
      return "no_device";
    case ErrorCode::out_of_memory:
      return "out_of_memory";
    case ErrorCode::backend_error:
      return "backend_error";
    case ErrorCode::device_fault:
      return "device_fault";
  }
  return "unknown";
}

Error::Error(ErrorCode code, const std::string& message)
    : std::runtime_error(std::string("sgmv: ") + name_of(code) + ": " + message), code_(code) {}

}  // namespace sgmv
