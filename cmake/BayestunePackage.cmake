# Installed headers and a CMake package: an outside project does find_package(bayestune) and links
# bayestune::optimizer (and spec_file, store, trial_runner, proto: the gRPC client and server).
include(CMakePackageConfigHelpers)
install(EXPORT bayestuneTargets NAMESPACE bayestune:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/bayestune)
configure_package_config_file(cmake/bayestuneConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/bayestuneConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/bayestune)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/bayestuneConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/bayestuneConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/bayestuneConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/bayestune)
