#!/usr/bin/env bash
# The README's two commands in the README's order, scripts/run-example then scripts/test, must run
# the test suite: scripts/run-example configures build/ without the tests, and scripts/test must
# configure them back in and fail when it finds none. The real scripts/ run here on a stand-in
# project (the same CMake options, one test, a stub bayestune) with real cmake and ctest, and a
# stub install-deps that records how it was called; nothing is installed or built.
# Usage: readme_commands_test.sh SCRIPTS_DIR WORK_DIR
set -uo pipefail
scripts=$1 work=$2
failures=0
check() {  # check DESCRIPTION COMMAND...: one line per check, ok or FAIL (status 1)
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); return 1; fi
}
show() {  # show FILE: a command's output, indented, when a check on it failed
  sed 's/^/  | /' "$1"
}

# make_repo DIR WITH_TEST: a stand-in repository with the real scripts/ and a stub install-deps.
make_repo() {
  local repo=$1 with_test=$2
  rm -rf "$repo"
  mkdir -p "$repo"
  cp -r "$scripts" "$repo/scripts"
  cat >"$repo/scripts/install-deps" <<'STUB'
#!/usr/bin/env bash
echo "install-deps $*" >>"$(dirname "$0")/../install-deps.log"
STUB
  chmod +x "$repo/scripts/install-deps"
  local add_test=""
  [[ $with_test == yes ]] && add_test='add_test(NAME standin_suite COMMAND ${CMAKE_COMMAND} -E true)'
  cat >"$repo/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(standin LANGUAGES NONE)
option(BAYESTUNE_BUILD_TESTS "" ON)
option(BAYESTUNE_BUILD_BENCH "" ON)
option(BAYESTUNE_WERROR "" OFF)
file(WRITE \${CMAKE_BINARY_DIR}/cli/bayestune "#!/bin/sh\\necho bayestune \\\$*\\n")
file(CHMOD \${CMAKE_BINARY_DIR}/cli/bayestune PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
if(BAYESTUNE_BUILD_TESTS)
  enable_testing()
  $add_test
endif()
CMAKE
}

export BAYESTUNE_JOBS=1
repo=$work/with-test
make_repo "$repo" yes
"$repo/scripts/run-example" >"$work/run-example.out" 2>&1
check "scripts/run-example succeeds on the stand-in project" test $? -eq 0 || show "$work/run-example.out"
check "scripts/run-example ran validate and run" \
  grep -q "bayestune run ../../examples/book/tuning.yaml" "$work/run-example.out"
check "scripts/run-example configured build/ without the tests" \
  grep -q "^BAYESTUNE_BUILD_TESTS:BOOL=OFF" "$repo/build/CMakeCache.txt"
"$repo/scripts/test" >"$work/test.out" 2>&1
status=$?
before=$failures
check "scripts/test after scripts/run-example succeeds" test $status -eq 0
check "scripts/test ran the suite (1 test)" grep -q "tests passed, 0 tests failed out of 1" "$work/test.out"
check "scripts/test ran install-deps --test" grep -qx "install-deps --test" "$repo/install-deps.log"
((failures == before)) || show "$work/test.out"

repo=$work/no-test
make_repo "$repo" no
"$repo/scripts/test" >"$work/no-test.out" 2>&1
status=$?
check "scripts/test fails when it finds no test" test $status -ne 0 || show "$work/no-test.out"

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
