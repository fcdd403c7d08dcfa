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
  set(out "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
run("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
if(NOT EXISTS "${WORK_DIR}/prefix/include/bayestune/optimizer/study.h")
  message(FATAL_ERROR "embed_install_test: the headers were not installed")
endif()
# The service's .proto, beside the code generated from it: a client in another language (the
# Python client's --proto-dir) is made from the installed package alone.
file(READ "${SOURCE_DIR}/proto/bayestune/v1/study_service.proto" shipped_proto)
if(NOT EXISTS "${WORK_DIR}/prefix/include/bayestune/v1/study_service.proto")
  message(FATAL_ERROR "embed_install_test: bayestune/v1/study_service.proto was not installed")
endif()
file(READ "${WORK_DIR}/prefix/include/bayestune/v1/study_service.proto" installed_proto)
if(NOT installed_proto STREQUAL shipped_proto)
  message(FATAL_ERROR "embed_install_test: the installed study_service.proto is not the source's")
endif()
# Only the API is installed, and none of it needs Eigen (an embedder's include path has no Eigen).
foreach(internal optimizer/gaussian_process.h optimizer/acquisition_optimizer.h
                 trial_runner/crc32c.h report/regression_forest.h store/utc_timestamp.h)
  if(EXISTS "${WORK_DIR}/prefix/include/bayestune/${internal}")
    message(FATAL_ERROR "embed_install_test: the internal header ${internal} was installed")
  endif()
endforeach()
file(GLOB_RECURSE installed_headers "${WORK_DIR}/prefix/include/bayestune/*.h")
foreach(header ${installed_headers})
  file(READ "${header}" text)
  if(text MATCHES "Eigen")
    message(FATAL_ERROR "embed_install_test: ${header} mentions Eigen")
  endif()
  string(REGEX MATCHALL "#include \"[^\"]+\"" includes "${text}")
  foreach(include ${includes})
    string(REGEX REPLACE "#include \"([^\"]+)\"" "\\1" included "${include}")
    if(NOT EXISTS "${WORK_DIR}/prefix/include/${included}")
      message(FATAL_ERROR "embed_install_test: ${header} includes ${included}, not installed")
    endif()
  endforeach()
endforeach()
# The installed package names no path of this machine (a Debian nlopt_cxx folder, the source tree).
file(GLOB package_files "${WORK_DIR}/prefix/lib*/cmake/bayestune/*.cmake"
     "${WORK_DIR}/prefix/lib/*/cmake/bayestune/*.cmake")
foreach(package_file ${package_files})
  file(READ "${package_file}" text)
  if(text MATCHES "nlopt_cxx/|/usr/lib/|${SOURCE_DIR}")
    message(FATAL_ERROR "embed_install_test: ${package_file} hard-codes a path of this machine")
  endif()
endforeach()
# The installed trainer finds the dataset installed with it.
run("installed trainer" "${WORK_DIR}/prefix/bin/bayestune-mlp" --epochs=1 --device=cpu
    "--job-dir=${WORK_DIR}/trainer-job")
if(NOT out MATCHES "share/bayestune/digits.csv.gz: 1437 train")
  message(FATAL_ERROR "embed_install_test: the installed trainer did not use its installed data")
endif()

run("configure examples/embed" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/examples/embed"
    -B "${WORK_DIR}/build" "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" -DCMAKE_BUILD_TYPE=Release)
run("build examples/embed" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
# examples/embed names its COMPONENTS; one that is not a library of the package is refused naming
# it and the components there are (any component made the package NOT FOUND, with no reason).
file(WRITE "${WORK_DIR}/components/CMakeLists.txt"
     "cmake_minimum_required(VERSION 3.25)\nproject(components LANGUAGES CXX)\n"
     "find_package(bayestune 0.1 REQUIRED COMPONENTS optimizer stroe)\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${WORK_DIR}/components"
                        -B "${WORK_DIR}/components/build" "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "[ \n]+" " " err "${err}")
if(rc EQUAL 0 OR NOT err MATCHES "bayestune has no component stroe \\(its components, each a target bayestune::<component>: optimizer, spec_file, store, trial_runner, proto, proto_api, report\\)")
  message(FATAL_ERROR "embed_install_test: an unknown component was not refused by name (${rc}):\n${err}")
endif()
run("run embed_example" "${WORK_DIR}/build/embed_example")
run("run embed_remote" "${WORK_DIR}/build/embed_remote" "${WORK_DIR}/remote.db")
file(REMOVE_RECURSE "${WORK_DIR}")
