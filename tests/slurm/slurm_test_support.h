#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace bayestune::testing {

// A fresh folder under BAYESTUNE_TEST_TMP (else /tmp), unique across parallel test processes.
std::filesystem::path MakeTempDir(const std::string& name);
std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& text, bool executable = false);
// Polls `condition` every 10 ms until it holds or `seconds` pass; returns whether it held.
bool WaitFor(const std::function<bool()>& condition, double seconds = 30);
// Whether a process is gone, or a zombie waiting for its parent.
bool ProcessGone(pid_t pid);
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
