#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace bayestune::testing {

// How a child process ended and what it printed.
struct ChildResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that killed it, 0 when it exited
  std::string out;
  std::string err;
};

// A real process started from an executable, with stdout and stderr captured in files, and
// optionally one more open file descriptor handed to it as fd 3.
class ChildProcess {
 public:
  // Starts argv[0] with `argv`; its output goes to `capture_prefix`.out and .err.
  ChildProcess(const std::vector<std::string>& argv, std::string capture_prefix,
               int fd_for_child = -1);
  ~ChildProcess();  // kills and reaps a child that is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Kill(int signal);
  ChildResult Wait();

 private:
  pid_t pid_ = -1;
  std::string capture_prefix_;
};

// The path of the test helper program (store_test_worker).
std::string WorkerPath();

}  // namespace bayestune::testing
