#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

// The program could not be started (exec failed, a log file could not be opened): a problem of
// the trainer command or the job dir, not of one trial.
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProcessLaunch {
  std::string executable;  // a path, run with execve (no shell, no PATH search)
  std::vector<std::string> argv;
  std::vector<std::string> environment;  // NAME=VALUE: the whole environment
  std::filesystem::path stdout_path;     // appended to, created when missing
  std::filesystem::path stderr_path;
};

// A child process in a process group of its own (so that a terminal's Ctrl-C does not reach it
// and a signal reaches everything it started), with stdin from /dev/null, stdout and stderr
// appended to files, all signals at their defaults, no file descriptor of the parent but 0, 1 and
// 2, and SIGKILL on the death of the thread that started it (so that a runner that is killed
// leaves no trainer holding a GPU). Destroying a TrialProcess that still runs kills its group and
// reaps it.
class TrialProcess {
 public:
  // Forks and execs. Throws LaunchError with the reason (and the errno text) when the program
  // cannot run: the exec error comes back through a close-on-exec pipe.
  static TrialProcess Launch(const ProcessLaunch& launch);

  TrialProcess() = default;  // no process

  TrialProcess(TrialProcess&& other) noexcept;
  TrialProcess& operator=(TrialProcess&& other) noexcept;
  TrialProcess(const TrialProcess&) = delete;
  TrialProcess& operator=(const TrialProcess&) = delete;
  ~TrialProcess();

  pid_t pid() const { return pid_; }
  // A pidfd that polls readable when the process exits, or -1 where the kernel has none.
  int exit_fd() const { return pidfd_; }
  bool running() const { return pid_ > 0 && !exit_; }

  // Sends `signal` to the whole process group (while the process has not been reaped).
  void SignalGroup(int signal) noexcept;
  // Non-blocking: when the process has exited, kills whatever it left in its group (SIGKILL),
  // reaps it and returns how it ended; nullopt while it runs.
  std::optional<ProcessExit> PollExit();
  // Blocks until it exits (then as PollExit).
  ProcessExit WaitExit();
  const std::optional<ProcessExit>& exit() const { return exit_; }

 private:
  std::optional<ProcessExit> Reap(bool block);
  void Close() noexcept;

  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<ProcessExit> exit_;
};

}  // namespace bayestune
