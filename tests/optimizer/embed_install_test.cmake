# Installs the build tree into a fresh prefix, then configures, builds and runs examples/embed
# against it, as an outside project would: find_package(bayestune) and bayestune::optimizer.
# Usage: cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P embed_install_test.cmake
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_install_test: ${var} is not set")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "embed_install_test: ${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok\n${out}")
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
run("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
if(NOT EXISTS "${WORK_DIR}/prefix/include/bayestune/optimizer/study.h")
  message(FATAL_ERROR "embed_install_test: the headers were not installed")
endif()
run("configure examples/embed" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/examples/embed"
    -B "${WORK_DIR}/build" "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" -DCMAKE_BUILD_TYPE=Release)
run("build examples/embed" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run("run embed_example" "${WORK_DIR}/build/embed_example")
file(REMOVE_RECURSE "${WORK_DIR}")
