# Defines sgmv::backend_deps, an IMPORTED INTERFACE target that carries Kokkos
# (headers as SYSTEM includes, libraries, flags) for the Kokkos backend.
#
# Used by the sgmv build (backends/kokkos) and by the installed sgmvConfig.cmake
# to recreate the target for consumers, so it is self-contained: it reads no
# variable of the sgmv build. Hints: Kokkos_ROOT (CMake or environment
# variable) pointing at a Kokkos install prefix.
#
# Two routes, in order:
#   1. find_package(Kokkos CONFIG): a normal Kokkos 4 (or 3.x) install whose
#      Kokkos::kokkos target is usable. Debian's libtrilinos-kokkos-dev also
#      ships a package, but its target points at /usr/lib/include (absent), so
#      a package is accepted only if its include directories exist and hold
#      Kokkos_Core.hpp.
#   2. The Debian/Trilinos layout: KokkosCore_config.h in include/trilinos and
#      libtrilinos_kokkoscore, plus the dl library.
if(TARGET sgmv::backend_deps)
  return()
endif()

# Collects the include directories of target `tgt` and of the imported targets
# it links, a few levels deep (Kokkos::kokkos forwards to Kokkos::kokkoscore).
function(_sgmv_kokkos_collect_includes tgt depth out_var)
  set(dirs "")
  if(TARGET "${tgt}")
    get_target_property(_aliased "${tgt}" ALIASED_TARGET)
    if(_aliased)
      set(tgt "${_aliased}")
    endif()
    get_target_property(_inc "${tgt}" INTERFACE_INCLUDE_DIRECTORIES)
    if(_inc)
      list(APPEND dirs ${_inc})
    endif()
    if(depth GREATER 0)
      get_target_property(_links "${tgt}" INTERFACE_LINK_LIBRARIES)
      if(_links)
        math(EXPR _next "${depth} - 1")
        foreach(_l IN LISTS _links)
          if(TARGET "${_l}")
            _sgmv_kokkos_collect_includes("${_l}" ${_next} _sub)
            list(APPEND dirs ${_sub})
          endif()
        endforeach()
      endif()
    endif()
  endif()
  set(${out_var} "${dirs}" PARENT_SCOPE)
endfunction()

# Sets out_var to TRUE when `tgt` exists, every plain include directory it
# (transitively) names exists, and one of them holds Kokkos_Core.hpp.
function(_sgmv_kokkos_target_usable tgt out_var)
  set(${out_var} FALSE PARENT_SCOPE)
  if(NOT TARGET "${tgt}")
    return()
  endif()
  _sgmv_kokkos_collect_includes("${tgt}" 3 _dirs)
  set(_has_core FALSE)
  foreach(_d IN LISTS _dirs)
    if(_d MATCHES "\\$<")  # generator expression: cannot be checked here
      continue()
    endif()
    if(NOT IS_DIRECTORY "${_d}")
      set(_sgmv_kokkos_bad_dir "${_d}" PARENT_SCOPE)
      return()
    endif()
    if(EXISTS "${_d}/Kokkos_Core.hpp")
      set(_has_core TRUE)
    endif()
  endforeach()
  if(_has_core)
    set(${out_var} TRUE PARENT_SCOPE)
  endif()
endfunction()

set(_sgmv_kokkos_hints "")
foreach(_h IN ITEMS "${Kokkos_ROOT}" "$ENV{Kokkos_ROOT}")
  if(_h)
    list(APPEND _sgmv_kokkos_hints "${_h}")
  endif()
endforeach()

# Runs find_package(Kokkos) in a function scope so the package's variables do
# not leak into the caller. CMAKE_CXX_EXTENSIONS is defined (OFF) in that scope
# because Debian's TriBITS package otherwise warns and forces the caller's
# cache entry to OFF.
function(_sgmv_kokkos_find_package)
  if(NOT DEFINED CMAKE_CXX_EXTENSIONS)
    set(CMAKE_CXX_EXTENSIONS OFF)
  endif()
  find_package(Kokkos CONFIG QUIET HINTS ${ARGN})
  set(Kokkos_FOUND "${Kokkos_FOUND}" PARENT_SCOPE)
  set(Kokkos_VERSION "${Kokkos_VERSION}" PARENT_SCOPE)
endfunction()

# Route 1: a CMake package.
set(_sgmv_kokkos_route "")
_sgmv_kokkos_find_package(${_sgmv_kokkos_hints})
if(Kokkos_FOUND)
  set(_sgmv_kokkos_bad_dir "")
  _sgmv_kokkos_target_usable(Kokkos::kokkos _sgmv_kokkos_ok)
  if(_sgmv_kokkos_ok)
    set(_sgmv_kokkos_route "package")
  else()
    set(_sgmv_kokkos_pkg_note "found Kokkos ${Kokkos_VERSION} at ${Kokkos_DIR} but its "
                              "Kokkos::kokkos target is unusable")
    if(_sgmv_kokkos_bad_dir)
      string(APPEND _sgmv_kokkos_pkg_note " (include directory ${_sgmv_kokkos_bad_dir} does not exist)")
    endif()
    string(JOIN "" _sgmv_kokkos_pkg_note ${_sgmv_kokkos_pkg_note})
    message(STATUS "sgmv: ${_sgmv_kokkos_pkg_note}; trying the Debian/Trilinos layout")
  endif()
else()
  set(_sgmv_kokkos_pkg_note "find_package(Kokkos CONFIG) found no package")
endif()

if(_sgmv_kokkos_route STREQUAL "package")
  add_library(sgmv::backend_deps INTERFACE IMPORTED)
  set_target_properties(sgmv::backend_deps PROPERTIES INTERFACE_LINK_LIBRARIES Kokkos::kokkos)
  message(STATUS "sgmv: Kokkos ${Kokkos_VERSION} from ${Kokkos_DIR}")
else()
  # Route 2: the Debian/Trilinos layout (headers in include/trilinos).
  set(_sgmv_kokkos_prefixes ${_sgmv_kokkos_hints} /usr)
  find_path(SGMV_KOKKOS_INCLUDE_DIR KokkosCore_config.h
            HINTS ${_sgmv_kokkos_prefixes}
            PATH_SUFFIXES include/trilinos trilinos include
            DOC "Directory holding Kokkos_Core.hpp (Debian: /usr/include/trilinos)")
  find_library(SGMV_KOKKOS_CORE_LIBRARY NAMES trilinos_kokkoscore kokkoscore
               HINTS ${_sgmv_kokkos_prefixes}
               PATH_SUFFIXES lib lib64 lib/${CMAKE_LIBRARY_ARCHITECTURE}
               DOC "The Kokkos core library (Debian: libtrilinos_kokkoscore.so)")
  if(SGMV_KOKKOS_INCLUDE_DIR AND SGMV_KOKKOS_CORE_LIBRARY
     AND EXISTS "${SGMV_KOKKOS_INCLUDE_DIR}/Kokkos_Core.hpp")
    add_library(sgmv::backend_deps INTERFACE IMPORTED)
    set_target_properties(sgmv::backend_deps PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${SGMV_KOKKOS_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "${SGMV_KOKKOS_CORE_LIBRARY};${CMAKE_DL_LIBS}")
    set(_sgmv_kokkos_version "")
    file(STRINGS "${SGMV_KOKKOS_INCLUDE_DIR}/KokkosCore_config.h" _sgmv_kokkos_vline
         REGEX "^#define KOKKOS_VERSION [0-9]+")
    if(_sgmv_kokkos_vline MATCHES "KOKKOS_VERSION ([0-9]+)")
      math(EXPR _major "${CMAKE_MATCH_1} / 10000")
      math(EXPR _minor "${CMAKE_MATCH_1} / 100 % 100")
      math(EXPR _patch "${CMAKE_MATCH_1} % 100")
      set(_sgmv_kokkos_version " ${_major}.${_minor}.${_patch}")
    endif()
    message(STATUS "sgmv: Kokkos${_sgmv_kokkos_version} from ${SGMV_KOKKOS_INCLUDE_DIR} "
                   "and ${SGMV_KOKKOS_CORE_LIBRARY} (Debian/Trilinos layout)")
  else()
    message(FATAL_ERROR
      "sgmv: the Kokkos backend needs Kokkos, and neither route found a usable one.\n"
      "  1. find_package(Kokkos CONFIG): ${_sgmv_kokkos_pkg_note}. "
      "Install Kokkos 4 (Serial/OpenMP/CUDA/HIP) and pass -DKokkos_ROOT=<prefix>.\n"
      "  2. Debian/Trilinos layout: KokkosCore_config.h and Kokkos_Core.hpp "
      "(SGMV_KOKKOS_INCLUDE_DIR=${SGMV_KOKKOS_INCLUDE_DIR}) and libtrilinos_kokkoscore "
      "(SGMV_KOKKOS_CORE_LIBRARY=${SGMV_KOKKOS_CORE_LIBRARY}). "
      "On Debian/Ubuntu: apt-get install libtrilinos-kokkos-dev.\n"
      "(When building sgmv itself, -DSGMV_BACKEND=CUDA or HIP selects another backend.)")
  endif()
endif()

unset(_sgmv_kokkos_hints)
unset(_sgmv_kokkos_route)
unset(_sgmv_kokkos_ok)
unset(_sgmv_kokkos_pkg_note)
unset(_sgmv_kokkos_bad_dir)
unset(_sgmv_kokkos_prefixes)
unset(_sgmv_kokkos_version)
unset(_sgmv_kokkos_vline)
