# Runtime dependency of the CUDA backend, as one target: sgmv::backend_deps.
#
# Included twice: by backends/cuda/CMakeLists.txt when sgmv is built, and by
# the installed sgmvConfig.cmake when a consumer calls find_package(sgmv). It
# must therefore work on its own (no project variables assumed) and define the
# target once per directory scope.
#
# The target carries the static CUDA runtime (CUDA::cudart_static, which
# brings its own needs: pthread, dl, rt): libsgmv.a holds host objects that
# call cudaLaunchKernel, cudaMalloc, ... and the embedded device code they
# register. Nothing here needs a GPU or a driver.
#
# Inputs (all optional): CUDAToolkit_ROOT (cache or environment), or
# CMAKE_CUDA_COMPILER, which FindCUDAToolkit also follows.
# When the toolkit is not found the target is left undefined and a message
# says what to install: the includer decides whether that is fatal.

if(NOT TARGET sgmv::backend_deps)
  find_package(CUDAToolkit QUIET)
  if(CUDAToolkit_FOUND AND TARGET CUDA::cudart_static)
    add_library(sgmv::backend_deps INTERFACE IMPORTED)
    set_property(TARGET sgmv::backend_deps PROPERTY INTERFACE_LINK_LIBRARIES CUDA::cudart_static)
    set(SGMV_CUDA_RUNTIME_VERSION "${CUDAToolkit_VERSION}")
  else()
    message(STATUS
      "sgmv (CUDA backend) needs the CUDA toolkit's runtime (CUDA::cudart_static), which was not "
      "found. Install the CUDA toolkit (e.g. /usr/local/cuda) or set CUDAToolkit_ROOT.")
  endif()
endif()
