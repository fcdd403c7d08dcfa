#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/trial.h"
#include "bayestune/trial_runner/process_exit.h"
#include "bayestune/trial_runner/run_result.h"
#include "bayestune/trial_runner/trial_paths.h"

namespace bayestune {

struct RunnerStartedEvent {
  std::string study;
  std::string client_id_prefix;   // the client ids of this runner's trials start so
  std::filesystem::path job_dir;  // absolute
  std::string executable;         // the trainer, resolved
  std::vector<int> gpus;          // the pool; empty for CPU trials
  std::string gpu_source;         // "runner.gpus", "NVML", "nvidia-smi", "none", ...
  bool cpu_only = false;
  int gpus_per_trial = 0;
  int trials_per_gpu = 1;
  int max_running = 1;  // trials at once: min(maxParallelTrials, slots)
  int cpu_trials = 0;   // runner.cpuTrials, or the CPUs (CPU trials of this machine's runs at once)
  int cpu_threads = 0;  // the OMP_NUM_THREADS each CPU trial gets; 0: none set by the runner
  std::filesystem::path lock_dir;  // where slots are claimed machine-wide (SlotClaims)
  LauncherKind launcher = LauncherKind::kLocal;
  // Under Slurm: what each job asks for ("sbatch --partition=gpu --gres=gpu:1 ..."), for the
  // start line; "" for the local launcher.
  std::string slurm_request;
};

struct TrialStartedEvent {
  Trial trial;              // ACTIVE, with its parameters and attempt
  std::vector<int> gpus;    // empty: CPU
  pid_t pid = 0;            // also the process group id; 0 for a Slurm job
  std::string job_id;       // the Slurm job id; "" for a local process
  bool reattached = false;  // a job a runner now gone launched, found again
  TrialPaths paths;
  std::vector<std::string> argv;
};

enum class TrialStopCause {
  kEarlyStopping,  // the median rule (or a client) asked the trial to stop
  kTimeout,        // runner.trialTimeoutSeconds passed
};

struct TrialStoppingEvent {
  std::int64_t trial_id = 0;
  TrialStopCause cause = TrialStopCause::kEarlyStopping;
  int signal = 0;      // SIGTERM first, SIGKILL after the grace period
  std::string reason;  // for early stopping: why (the rule's words), with the SIGTERM event
};

// A trial reached an ASHA rung and goes on: it ranks in the top 1/reductionFactor there.
struct TrialPromotedEvent {
  std::int64_t trial_id = 0;
  int rung = 0;
  std::int64_t step = 0;  // the rung's step
  std::string reason;     // the rule's words: "ASHA rung 1 (step 3): accuracy 0.81 at step 3 ..."
};

struct TrialFinishedEvent {
  Trial trial;                      // SUCCEEDED, FAILED or INFEASIBLE; failure_reason says why
  std::optional<ProcessExit> exit;  // how the trainer's process ended
  // From its start (a Slurm job: its submission, the wait in Slurm's queue included; one
  // re-attached to: the submission by the runner that is gone, its stored start) to its end (one
  // re-attached to: TrialEnd::ended_at, Slurm's end, where known; else when it was collected).
  double run_seconds = 0;
  // When its Slurm job began to run, as Slurm said (seconds since the epoch); nullopt when it did
  // not (a local trial, a job never seen running).
  std::optional<double> job_start_time;
  TrialPaths paths;
};

enum class InterruptLevel {
  kStopLaunching,  // first request: no new trial; the running ones finish
  kKillRunning,    // second request: the running trials are killed and queued to rerun
};

// What a runner reports while it runs, for the CLI to show (live view or timestamped lines). All
// calls come from the thread that runs TrialRunner::Run, in order; they must not throw and should
// return quickly. The default implementations ignore everything.
class RunnerEvents {
 public:
  virtual ~RunnerEvents() = default;

  virtual void OnRunnerStarted(const RunnerStartedEvent&) {}
  // A trial was put back to REQUESTED to be rerun: left by a runner that is gone (at the start),
  // killed by a second interrupt, or its Slurm job was preempted, lost with its node, or cancelled
  // outside bayestune.
  virtual void OnTrialRequeued(const Trial& /*trial*/, const std::string& /*reason*/) {}
  virtual void OnTrialStarted(const TrialStartedEvent&) {}
  // A started trial waits in the batch system's queue (a pending Slurm job; `queue_reason` is
  // squeue's reason, "None" before the scheduler looked), or, nullopt, no longer does (it runs).
  // Said when it changes, after OnTrialStarted; never for a local trial.
  virtual void OnTrialQueueChanged(std::int64_t /*trial_id*/,
                                   const std::optional<std::string>& /*queue_reason*/) {}
  // New measurements read from the trial's event files or hypertune file, in order.
  virtual void OnMeasurements(std::int64_t /*trial_id*/, const std::vector<Measurement>&) {}
  // Said once for each rung a trial is let past (ASHA), lowest first, before any stop.
  virtual void OnTrialPromoted(const TrialPromotedEvent&) {}
  virtual void OnTrialStopping(const TrialStoppingEvent&) {}
  virtual void OnTrialFinished(const TrialFinishedEvent&) {}
  // Something the user should know that does not end a trial: a bad record in an event file, a
  // non-finite value not recorded, leftover processes killed, trials held by other clients...
  virtual void OnWarning(std::optional<std::int64_t> /*trial_id*/, const std::string& /*message*/) {
  }
  // `signal`: the signal that asked (SIGINT for Ctrl-C, SIGTERM, SIGHUP), 0 when none did.
  virtual void OnInterruptRequested(InterruptLevel /*level*/, int /*running_trials*/,
                                    int /*signal*/) {}
  // Ctrl-Z: the run and its `running_trials` local trainers are about to be stopped, while its
  // `running_on` batch jobs (Slurm's) run on, their time counting; then continued (fg, SIGCONT)
  // after `seconds`.
  virtual void OnSuspended(int /*running_trials*/, int /*running_on*/) {}
  virtual void OnResumed(double /*seconds*/) {}
  virtual void OnRunFinished(const RunResult&) {}
};

}  // namespace bayestune
