# Cache options of sgmv. The backend is chosen once, at configure time.
set(SGMV_BACKEND "KOKKOS" CACHE STRING "Backend compiled into libsgmv: KOKKOS, CUDA or HIP")
set_property(CACHE SGMV_BACKEND PROPERTY STRINGS KOKKOS CUDA HIP)
string(TOUPPER "${SGMV_BACKEND}" SGMV_BACKEND)
set(_sgmv_backends KOKKOS CUDA HIP)
if(NOT SGMV_BACKEND IN_LIST _sgmv_backends)
  message(FATAL_ERROR "SGMV_BACKEND='${SGMV_BACKEND}' is not a backend sgmv has; "
                      "choose one of: KOKKOS (CPU default), CUDA, HIP.")
endif()
string(TOLOWER "${SGMV_BACKEND}" SGMV_BACKEND_DIR)

option(SGMV_BUILD_TESTS "Build the conformance suite and unit tests (GoogleTest)" ON)
option(SGMV_BUILD_BENCH "Build the sgmv-bench program" ON)
option(SGMV_BUILD_FUZZ "Build the libFuzzer target (needs clang)" OFF)
option(SGMV_WERROR "Treat warnings as errors" OFF)
set(SGMV_SANITIZE "" CACHE STRING "Sanitizers for host code: empty, 'address;undefined' or 'thread'")
message(STATUS "sgmv: backend ${SGMV_BACKEND}")
