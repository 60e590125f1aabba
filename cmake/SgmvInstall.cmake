# Installs libsgmv, its public headers and a CMake package so that consumers
# can write find_package(sgmv) and link sgmv::sgmv.
#
# The library links PUBLIC sgmv::backend_deps, an IMPORTED INTERFACE target
# made by cmake/SgmvDeps_<backend>.cmake. Imported targets are not exported,
# so that file is installed beside the package and sgmvConfig.cmake includes
# it before the exported targets: the consumer recreates the dependency on
# its own machine (same logic, same search paths).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SGMV_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/sgmv"
    CACHE STRING "Where the sgmv CMake package files are installed (relative to the prefix)")
mark_as_advanced(SGMV_INSTALL_CMAKEDIR)

# Consumers find the headers under <prefix>/include.
target_include_directories(sgmv INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

install(TARGETS sgmv
        EXPORT sgmvTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/core/include/sgmv"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp")

install(EXPORT sgmvTargets
        NAMESPACE sgmv::
        FILE sgmvTargets.cmake
        DESTINATION "${SGMV_INSTALL_CMAKEDIR}")

set(SGMV_DEPS_FILE "SgmvDeps_${SGMV_BACKEND_DIR}.cmake")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/sgmvConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/sgmvConfig.cmake"
                              INSTALL_DESTINATION "${SGMV_INSTALL_CMAKEDIR}")
# 0.x releases promise compatibility only within a minor version.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/sgmvConfigVersion.cmake"
                                 VERSION "${PROJECT_VERSION}"
                                 COMPATIBILITY SameMinorVersion)

install(FILES "${PROJECT_BINARY_DIR}/sgmvConfig.cmake"
              "${PROJECT_BINARY_DIR}/sgmvConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/${SGMV_DEPS_FILE}"
        DESTINATION "${SGMV_INSTALL_CMAKEDIR}")
