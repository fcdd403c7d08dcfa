#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/trial_runner/gpu_detection.h"
#include "bayestune/trial_runner/run_result.h"
#include "bayestune/trial_runner/runner_clock.h"
#include "bayestune/trial_runner/runner_events.h"
#include "bayestune/trial_runner/slurm_launcher.h"
#include "bayestune/trial_runner/study_connection.h"
#include "bayestune/trial_runner/trial_folder_owner.h"
#include "bayestune/trial_runner/trial_launcher.h"

namespace bayestune {

struct TrialRunnerOptions {
  // The tuning.yaml `runner:` block, with the CLI's overrides applied (--gpus sets `gpus`, a job
  // dir flag sets `job_dir`). An empty job_dir means bayestune-jobs/<study name>.
  RunnerSpec runner;
  // Where runner.gpus came from, as the start event names it ("--gpus" for a CLI override).
  std::string gpus_source = "runner.gpus";
  // Where GPU and CPU trial slots are claimed machine-wide, so that other bayestune processes on
  // this machine never get the same slot (SlotClaims); empty: LockFolder::DefaultPath().
  std::string gpu_lock_dir;
  // How often running trials' metric files are read, and how often the study is asked whether a
  // trial should stop (besides after every new objective value when early stopping is on).
  double metric_poll_seconds = 1.0;
  double stop_check_seconds = 5.0;
  // A trial that has not ended this long after its SIGKILL is ended by force
  // (LaunchedTrial::ForceKill: its keeper is stopped or traced), with a warning.
  double force_kill_seconds = 10.0;
  GpuDetectionOptions gpu_detection;  // used when runner.gpus is not given
  std::size_t log_tail_lines = 20;    // of stderr (else stdout) in a failed trial's reason
  // How trials run; null: as runner.launcher says (a LocalLauncher over this machine's GPUs, or a
  // SlurmLauncher with `slurm`). Tests give launchers of their own.
  std::shared_ptr<TrialLauncher> launcher;
  SlurmLauncherOptions slurm;  // for runner.launcher kSlurm: the commands' environment, ...
  // The runner's time and waits; null: steady_clock and poll(2). Tests give a clock that jumps.
  std::shared_ptr<RunnerClock> clock;
  // The study whose trials these are, written into each trial folder it makes
  // (kTrialFolderOwnerFile): a folder another study that still exists wrote is not moved aside
  // nor written into, and the launch fails naming it. An empty database: nothing written or
  // checked (a worker of a server).
  TrialFolderOwner folder_owner;
};

// Runs a study's trials until the study is done or the runner is interrupted: suggests trials,
// launches the trainer for each (as a local process on free GPUs, or as a Slurm job: the
// TrialLauncher), reads its measurements live into
// the study, stops trials early by the study's rule, fails crashed and timed-out ones with the
// reason and the tail of their log, and reruns the trials a dead runner left behind. See
// docs/runner.md.
class TrialRunner {
 public:
  // `events` may be null. Throws std::system_error when it cannot make its wake-up pipe.
  TrialRunner(std::shared_ptr<StudyConnection> study, TrialRunnerOptions options,
              std::shared_ptr<RunnerEvents> events = nullptr);
  ~TrialRunner();
  TrialRunner(const TrialRunner&) = delete;
  TrialRunner& operator=(const TrialRunner&) = delete;

  // Runs until the study is done, the failure limit is reached, or an interrupt. Call once, from
  // one thread; each trial's whole process tree dies with this process, however it dies
  // (TrialProcess). Throws InvalidArgument before anything starts when the trainer command cannot
  // run (missing, not executable, a missing #! interpreter), the GPU or CPU settings do not fit,
  // the job dir cannot be made, or the slot lock folder is not safe to use (LockFolder). A
  // trainer that cannot be started later puts its trial back in the queue and ends the run
  // (kLaunchFailed). Errors of the study's storage propagate after the running trials are
  // killed; those trials stay ACTIVE and are rerun by the next run. Do not set SIGCHLD to
  // SIG_IGN.
  RunResult Run();

  // Asks Run to stop: the first call stops launching and lets the running trials finish; the
  // second kills them (SIGKILL to their whole trees) and queues them to rerun. `signal` is the
  // signal that asked (SIGINT, SIGTERM, ...; 0: none), which the interrupt event names.
  // Thread-safe and async-signal-safe (lock-free atomics and a write(2)), so a signal handler may
  // call it; it may come before Run starts.
  void RequestInterrupt(int signal = 0) noexcept;
  int interrupt_requests() const noexcept { return interrupts_.load(); }
  // Asks Run to suspend (Ctrl-Z, SIGTSTP): at its next turn it stops its local trials' trainers
  // (SIGSTOP to their groups, which a terminal's Ctrl-Z does not reach), says so
  // (RunnerEvents::OnSuspended), stops this process (SIGSTOP) and, once continued (fg, SIGCONT),
  // lets the trainers go on, their runner.trialTimeoutSeconds and stop grace periods not
  // counting the pause. Slurm jobs run on meanwhile, and their time counts it. Async-signal-safe,
  // as RequestInterrupt.
  void RequestSuspend() noexcept;
  // Why a call of Run's on the study waits, for the warnings of TurnWhileStudyWaits.
  enum class StudyWait {
    kLocked,    // another process holds the database's lock
    kDiskFull,  // the disk under the database is full (StorageFullWait)
  };
  // For a call of Run's on the study that waits (another process holds the database's lock: the
  // store's LockWaitObserver calls this at each step of the wait; or the database's disk is full:
  // a StorageFullWait calls it while the call waits to retry): turns the part of Run's loop
  // that needs no study, so that the wait does not stop it. Trials that end are collected (their
  // end time kept; they are recorded, metrics, value and all, when the call returns), trials past
  // runner.trialTimeoutSeconds get SIGTERM, and SIGKILL once their grace period is over; the
  // events say so as it happens. Nothing is launched, and nothing is written to the study, until
  // the call returns. Does nothing unless called on Run's thread while Run runs.
  void TurnWhileStudyWaits(StudyWait why = StudyWait::kLocked);

 private:
  class Loop;

  std::shared_ptr<StudyConnection> study_;
  TrialRunnerOptions options_;
  std::shared_ptr<RunnerEvents> events_;
  std::atomic<int> interrupts_{0};
  std::atomic<int> interrupt_signal_{0};  // of the latest request that named one
  std::atomic<int> suspends_{0};          // RequestSuspend calls
  static_assert(std::atomic<int>::is_always_lock_free);
  int wake_read_fd_ = -1;
  int wake_write_fd_ = -1;
  // The loop of the Run in progress, and its thread, for TurnWhileStudyWaits.
  Loop* loop_ = nullptr;
  std::thread::id run_thread_;
};

}  // namespace bayestune
