# Fails naming each Catch test whose name Catch2 v2's console reporter cannot print: it indents a
# name's wrapped lines to just after its first ": ", and where that lies at column 78 or beyond
# (of 79), the wrapping never ends: a failing test of such a name printed without end (63 GB of
# output on this machine's disk, in a helper's run) or, built with assertions, aborted. Run by
# ctest (catch_test_names) over every Catch test program; BINARIES holds their paths, split by '|'.
string(REPLACE "|" ";" binaries "${BINARIES}")
set(bad "")
foreach(binary ${binaries})
  # Catch2 2 exits with the number of tests listed, so the output says whether it worked;
  # Catch2 3 (Debian 13) lists them with --list-tests --verbosity quiet.
  execute_process(COMMAND ${binary} --list-test-names-only
                  OUTPUT_VARIABLE names RESULT_VARIABLE result ERROR_QUIET)
  if(names STREQUAL "" OR names MATCHES "nrecognised|rror")
    execute_process(COMMAND ${binary} --list-tests --verbosity quiet
                    OUTPUT_VARIABLE names RESULT_VARIABLE result ERROR_QUIET)
  endif()
  if(names STREQUAL "")
    message(FATAL_ERROR "${binary} --list-test-names-only listed nothing (${result})")
  endif()
  string(REPLACE ";" "," names "${names}")
  string(REPLACE "\n" ";" names "${names}")
  foreach(name ${names})
    string(FIND "${name}" ": " colon)
    if(colon GREATER_EQUAL 76)
      string(APPEND bad "\n  ${binary}: '${name}' (its first ': ' at column ${colon})")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "test names whose first ': ' lies at column 76 or beyond, which Catch2 "
                      "cannot print when the test fails (it loops for ever); move the ': ' "
                      "earlier or write ' - ' or ', ' instead:${bad}")
endif()
message(STATUS "every test name can be printed")
