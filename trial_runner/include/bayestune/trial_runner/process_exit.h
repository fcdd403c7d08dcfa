#pragma once

#include <optional>
#include <string>

namespace bayestune {

// How a process ended.
struct ProcessExit {
  bool signaled = false;  // killed by a signal (then `code` is the signal number)
  int code = 0;           // the exit status, or the signal
  bool lost = false;      // reaped by someone else (SIGCHLD set to SIG_IGN?): status unknown

  bool succeeded() const { return !signaled && code == 0; }
  // "exited with status 3", "was killed by signal 9 (SIGKILL)".
  std::string Describe() const;
};

}  // namespace bayestune
