#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bayestune/trial_runner/process_exit.h"

namespace bayestune {

// The program could not be started (exec failed, a log file could not be opened): a problem of
// the trainer command or the job dir, not of one trial.
// Raises this process's soft limit on open files to its hard limit: each running trial holds a few
// descriptors (its logs, pipes, event files), and a soft limit of 1,024 would end a run of a few
// hundred trials at once. The trainers started after it get the soft limit as it was. Call once,
// early in main, before any thread starts.
void RaiseOpenFileLimit();

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

// A trainer process and everything it starts, run under a small keeper process of its own, so
// that the whole tree dies with the runner:
//
//   runner -> keeper (a child subreaper, in a process group of its own) -> trainer (the leader of
//   a process group of its own) -> the trainer's children...
//
// The keeper is forked from the runner (no exec) and makes only system calls. It forwards the
// runner's signals to the trainer's process group, and when the trainer exits, or the runner
// dies however it dies (even by SIGKILL: the keeper watches a socket that only the runner holds),
// it kills the trainer's process group and then every process left below it (a child subreaper
// inherits the orphans of its tree, also those that left the group with setsid), reaps them, and
// only then exits. The trainer runs with stdin from /dev/null, stdout and stderr appended to
// files, all signals at their defaults, no file descriptor of the runner but 0, 1 and 2, and
// SIGKILL on the death of its keeper. Destroying a TrialProcess that still runs kills its tree and
// reaps it.
class TrialProcess {
 public:
  // Forks the keeper, which forks and execs the trainer. Throws LaunchError with the reason when
  // the program cannot run (DescribeExecFailure: the errno text, or the missing #! interpreter).
  static TrialProcess Launch(const ProcessLaunch& launch);

  TrialProcess() = default;  // no process

  TrialProcess(TrialProcess&& other) noexcept;
  TrialProcess& operator=(TrialProcess&& other) noexcept;
  TrialProcess(const TrialProcess&) = delete;
  TrialProcess& operator=(const TrialProcess&) = delete;
  ~TrialProcess();

  // The trainer's pid, which is also its process group id.
  pid_t pid() const { return trainer_pid_; }
  pid_t keeper_pid() const { return keeper_pid_; }
  // A pidfd that polls readable when the keeper exits (after the trainer's tree is gone), or -1
  // where the kernel has none.
  int exit_fd() const { return pidfd_; }
  bool running() const { return keeper_pid_ > 0 && !exit_; }

  // Has the keeper send `signal` to the trainer's process group (while the trainer runs); SIGKILL
  // also kills whatever the trainer started outside its group.
  void SignalGroup(int signal) noexcept;
  // SIGKILL from this process to the trainer's process group and to the keeper, for a keeper that
  // does not act on SignalGroup (stopped: SIGSTOP, a debugger): what left the group may live on.
  // False when the keeper had exited already.
  bool KillWithoutKeeper() noexcept;
  // Non-blocking: once the trainer has exited and its keeper has killed and reaped whatever it
  // left, returns how the trainer ended; nullopt while it runs.
  std::optional<ProcessExit> PollExit();
  // Blocks until it exits (then as PollExit).
  ProcessExit WaitExit();
  const std::optional<ProcessExit>& exit() const { return exit_; }
  // Once exited: the keeper ended without saying how the trainer ended, killed itself (a kill -9
  // of it, the OOM killer, the trainer killing its parent, KillWithoutKeeper). It then killed
  // nothing: the trainer died with it (PR_SET_PDEATHSIG) and its group was killed here, but what
  // left the group (setsid) lives on, no longer below any keeper.
  bool keeper_lost() const { return keeper_lost_; }

 private:
  std::optional<ProcessExit> Reap(bool block);
  void Close() noexcept;

  pid_t keeper_pid_ = -1;
  pid_t trainer_pid_ = -1;
  int pidfd_ = -1;       // the keeper's
  int control_fd_ = -1;  // to the keeper: one byte per signal to forward; closing it kills all
  int report_fd_ = -1;   // from the keeper: the trainer's pid, then how it ended
  std::optional<ProcessExit> exit_;
  bool keeper_lost_ = false;
};

}  // namespace bayestune
