#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bayestune::testing {

// A program started by a test: its stdout comes through a pipe this object reads; its stderr goes
// to a file, or into the same pipe. Killed (SIGKILL) and reaped when destroyed while running.
class ChildProcess {
 public:
  // argv[0] is the program's path. `stderr_path` empty: stderr joins stdout in the pipe.
  // `environment` entries ("NAME=value") are added to this process's environment.
  ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_path = "",
               const std::vector<std::string>& environment = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The next line of stdout without its newline; nullopt at end of output or after `timeout`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  // The rest of stdout, until the program closes it or `timeout` passes.
  std::string ReadAll(std::chrono::milliseconds timeout);
  void Signal(int signal_number);
  // The exit code (128 + the signal when a signal ended it), or nullopt while still running after
  // `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  // Reads what is there within `timeout`; false at end of output or on timeout.
  bool Fill(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
  std::optional<int> exit_code_;
};

// Runs a program to its end (at most `timeout`, then SIGKILL) and returns its exit code with its
// stdout and stderr together.
struct ProcessResult {
  int exit_code = -1;
  std::string output;
};
ProcessResult RunProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::vector<std::string>& environment = {});

}  // namespace bayestune::testing
