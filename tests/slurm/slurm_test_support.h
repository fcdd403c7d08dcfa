#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "test_files.h"

namespace bayestune::testing {

// A file of NUL-terminated strings (what slurm_test_trainer writes) as a list.
std::vector<std::string> SplitNul(const std::string& text);

// The programs built for these tests.
std::string TestTrainer();  // slurm_test_trainer
std::string JobProgram();   // bayestune-job

// Arguments no shell may touch: spaces, quotes, ';', $(...) and backticks that would create
// `marker` if a shell ran them, a newline, a glob, a tab, a backslash, non-ASCII.
std::vector<std::string> HostileArguments(const std::filesystem::path& marker);

}  // namespace bayestune::testing

// CHECK_THROWS_AS and CHECK_THROWS_WITH at once (Catch 2.13's Message() matches whole messages
// only); `expression` runs twice.
#define CHECK_THROWS_AS_WITH(expression, type, matcher) \
  do {                                                  \
    CHECK_THROWS_AS(expression, type);                  \
    CHECK_THROWS_WITH(expression, matcher);             \
  } while (false)
