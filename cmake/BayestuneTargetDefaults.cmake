# Compiler settings shared by every first-party target (generated code is left alone).
function(bayestune_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>
    # Designated initialisers that leave fields at their defaults are the house style for option
    # structs and measurements (Measurement{.metric = "loss", .step = 3, .value = 0.2}); GCC 12
    # warns about them in C++ (later GCCs do not).
    $<$<COMPILE_LANGUAGE:CXX>:-Wno-missing-field-initializers>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${BAYESTUNE_WERROR}>>:-Werror>)
endfunction()

# One first-party library, bayestune_<name> with the alias bayestune::<name>:
#   bayestune_add_library(<name> SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...] [INSTALL])
# Its include/ folder is its public API (installed with INSTALL); its src/ folder holds the
# headers only the project itself uses: on the include path of in-tree users (the other modules,
# tests, benches), never installed. INSTALL also installs the library into the CMake package.
function(bayestune_add_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "INSTALL" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS")
  set(target bayestune_${name})
  add_library(${target} STATIC ${arg_SOURCES})
  add_library(bayestune::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME ${target})
  bayestune_target_defaults(${target})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_include_directories(${target} PUBLIC
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  endif()
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/src>)
  target_link_libraries(${target} PUBLIC ${arg_PUBLIC_LIBS} PRIVATE ${arg_PRIVATE_LIBS})
  # Every library may use base/, and in-tree users of its internal headers see base's too.
  if(NOT name STREQUAL "base")
    target_link_libraries(${target} PUBLIC $<BUILD_INTERFACE:bayestune::base>
                                    PRIVATE bayestune::base)
  endif()
  if(arg_INSTALL)
    install(TARGETS ${target} EXPORT bayestuneTargets
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
      install(DIRECTORY include/bayestune DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
    endif()
  endif()
endfunction()

# A program of the project's own (a bench, a test's helper):
#   bayestune_add_program(<name> SOURCES ... [LIBS ...])
function(bayestune_add_program name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBS")
  add_executable(${name} ${arg_SOURCES})
  bayestune_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${arg_LIBS})
endfunction()
