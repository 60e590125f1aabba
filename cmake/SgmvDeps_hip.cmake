# Runtime dependencies of the HIP backend, as one target: sgmv::backend_deps.
#
# Included twice: by backends/hip/CMakeLists.txt when sgmv is built, and by the
# installed sgmvConfig.cmake when a consumer calls find_package(sgmv). It must
# therefore work on its own (no project variables assumed) and define the
# target once per directory scope.
#
# The target carries the HIP runtime (libamdhip64, its include directory and
# the __HIP_PLATFORM_AMD__ definition): the static archive holds host objects
# that call hipLaunchKernel, hipMalloc, ... and embedded gfx code objects, so
# whoever links libsgmv.a must link the runtime too. Nothing here needs a GPU.
#
# Inputs (all optional): ROCM_PATH (cache or environment), hip_DIR.
# When the runtime is not found the target is left undefined and a message
# says what to install: the includer decides whether that is fatal
# (backends/hip/CMakeLists.txt stops; sgmvConfig.cmake reports sgmv not found).

if(NOT TARGET sgmv::backend_deps)
  set(_sgmv_rocm_hints)
  if(DEFINED ROCM_PATH)
    list(APPEND _sgmv_rocm_hints "${ROCM_PATH}")
  endif()
  if(DEFINED ENV{ROCM_PATH})
    list(APPEND _sgmv_rocm_hints "$ENV{ROCM_PATH}")
  endif()
  list(APPEND _sgmv_rocm_hints /opt/rocm)

  # Preferred: HIP's own package (ROCm 6+ in /opt/rocm, and Debian 12's HIP
  # 5.2 under /usr/lib/x86_64-linux-gnu/cmake/hip). hip::host is the runtime
  # without device-compilation flags, which is what a consumer needs.
  find_package(hip CONFIG QUIET HINTS ${_sgmv_rocm_hints})

  if(hip_FOUND AND TARGET hip::host)
    add_library(sgmv::backend_deps INTERFACE IMPORTED)
    set_property(TARGET sgmv::backend_deps PROPERTY INTERFACE_LINK_LIBRARIES hip::host)
    set(SGMV_HIP_RUNTIME_VERSION "${hip_VERSION}")
  else()
    # Fallback for installs whose CMake package is missing or broken: the
    # library and header alone are enough to link and compile host code.
    find_library(SGMV_AMDHIP64_LIBRARY NAMES amdhip64 HINTS ${_sgmv_rocm_hints}
                 PATH_SUFFIXES lib lib64)
    find_path(SGMV_HIP_INCLUDE_DIR NAMES hip/hip_runtime_api.h HINTS ${_sgmv_rocm_hints}
              PATH_SUFFIXES include)
    if(SGMV_AMDHIP64_LIBRARY AND SGMV_HIP_INCLUDE_DIR)
      add_library(sgmv::backend_deps INTERFACE IMPORTED)
      set_target_properties(sgmv::backend_deps PROPERTIES
        INTERFACE_LINK_LIBRARIES "${SGMV_AMDHIP64_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${SGMV_HIP_INCLUDE_DIR}"
        INTERFACE_COMPILE_DEFINITIONS "__HIP_PLATFORM_AMD__=1")
      set(SGMV_HIP_RUNTIME_VERSION "")
    else()
      message(STATUS
        "sgmv (HIP backend) needs the HIP runtime, libamdhip64 and hip/hip_runtime_api.h, "
        "which were not found. Install ROCm (/opt/rocm, or set ROCM_PATH) or, on Debian 12, "
        "'apt-get install hipcc libamdhip64-dev rocm-device-libs'.")
    endif()
  endif()
  unset(_sgmv_rocm_hints)
endif()
