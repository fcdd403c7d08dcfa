#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/trial_runner/runner_events.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_paths.h"
#include "bayestune/trial_runner/trial_process.h"

namespace bayestune {

// What to run for one trial attempt, whatever runs it.
struct TrialLaunchRequest {
  Trial trial;            // ACTIVE: its parameters, attempt and owner
  TrialCommand command;   // the trainer, its argv (no shell) and environment
  TrialPaths paths;       // the attempt's folder: logs, metric file, event files
  std::vector<int> gpus;  // the GPUs the launcher's slot gave (local); empty: CPU, or Slurm's pick
  int gpus_wanted = 0;    // runner.gpusPerTrial (0: a CPU trial)
};

// How a launched trial ended, as the runner records it.
struct TrialEnd {
  ProcessExit exit;  // how the trainer ended (from exit_status.json, else Slurm's record)
  // Ended by LaunchedTrial::Kill (SIGKILL locally; scancel under Slurm).
  bool killed = false;
  // Not empty: the attempt ended for a reason that is not the trial's (a preemption, a node
  // failure, a job cancelled outside bayestune): the runner requeues the trial with this reason.
  std::string requeue_reason;
  // Not empty (with requeue_reason): the runner submits nothing more and ends saying this (a
  // trial's jobs cancelled outside bayestune again and again: someone wants it to stop).
  std::string stop_run;
  // Not empty: the trial failed for this reason whatever its exit says (a job over Slurm's time
  // limit, a trainer the node could not start).
  std::string failure;
  // Not empty: how a stopped trial ended, for the timeout message ("Slurm job 42 was cancelled
  // while PENDING (Resources)").
  std::string stop_note;
  // Not empty: the attempt never reached the batch system, and this says why: Slurm refused its
  // job after a first sbatch that could not reach it, or did not take it for
  // SlurmLauncherOptions::submit_give_up_seconds (the runner then requeues the trial and ends the
  // run as for a LaunchError from Launch), or, with launch_stopped, the trial was stopped
  // (Ctrl-C) while the launcher waited to try sbatch again (requeued, nothing more to say).
  std::string launch_error;
  bool launch_stopped = false;
  // When it ended (seconds since the epoch) as the batch system says: a Slurm job's EndTime while
  // slurmctld holds it, else the end bayestune-job wrote in exit_status.json; nullopt when
  // neither says (a local trial: the runner sees its end at once). For a job that ended before
  // the runner re-attached to it, its run time ends here rather than at its collection.
  std::optional<double> ended_at;
};

// One trial attempt that a launcher started: a local process tree or a Slurm job.
class LaunchedTrial {
 public:
  virtual ~LaunchedTrial() = default;

  // The trainer's pid (also its process group) for a local trial; 0 when not local.
  virtual pid_t pid() const { return 0; }
  // The Slurm job id; "" for a local trial, and for a Slurm trial not yet submitted.
  virtual std::string job_id() const { return ""; }
  // False while the launcher still tries to hand the trial to its batch system (sbatch failed to
  // reach Slurm and is tried again at Refresh; job_id() is "" until then): the runner records
  // and announces the trial once this is true, and serves the other trials meanwhile. Stopping
  // it (Terminate, Kill, CancelIfQueued) then stops the tries, and it ends with
  // TrialEnd::launch_error. Always true for a local trial.
  virtual bool Submitted() const { return true; }
  // A descriptor that polls readable when the trial ends, or -1: the runner then asks PollEnd at
  // TrialLauncher::PollSeconds.
  virtual int exit_fd() const { return -1; }
  // Non-blocking: how it ended, once it has (and whatever it left is gone); nullopt before.
  virtual std::optional<TrialEnd> PollEnd() = 0;
  // Asks the trainer to stop (SIGTERM); a job that has not started yet is cancelled.
  virtual void Terminate() = 0;
  // Ends it now (SIGKILL to its tree; scancel).
  virtual void Kill() = 0;
  // Suspends the trainer (true: SIGSTOP to its group) while the run is suspended by Ctrl-Z, and
  // lets it go on (false: SIGCONT). Returns whether it did: then the pause is no time of the
  // trial's. False for a job a batch system runs: it is not bayestune's to pause, and it runs on,
  // its time counting.
  virtual bool Suspend(bool /*suspended*/) { return false; }
  // Ends it when Kill did not within TrialRunnerOptions::force_kill_seconds: a local trial's
  // keeper that does not act (stopped, traced) is killed with the trainer's group. True when it
  // did something (then it says what in `what`); false where there is nothing more to do.
  virtual bool ForceKill(std::string& /*what*/) { return false; }
  // After Kill, at a second Ctrl-C: what is left running because the kill could not reach the
  // batch system (slurmctld down: scancel failed, or the job's id is not known yet), saying how to
  // find and cancel it. The runner then stops waiting for it and leaves its trial as a runner that
  // died would (ACTIVE, its job id stored or none), so that the next run re-attaches to the job
  // rather than running the trial twice. nullopt when nothing is left (the kill went through, or
  // a local trial, whose SIGKILL always does).
  virtual std::optional<std::string> LeftRunning() { return std::nullopt; }
  // Ends it only if it has not started (a Slurm job that Slurm still holds pending, cancelled with
  // scancel --state=PENDING, so that a job that began since the last look goes on): true when it
  // was cancelled, and it then ends as after Kill; false for a trial that runs, and always for a
  // local one.
  virtual bool CancelIfQueued() { return false; }
  // "pid 4242", "Slurm job 4242 (RUNNING)": for messages.
  virtual std::string Describe() const = 0;
  // While the trial waits in a batch system's queue, not started (a pending Slurm job): why, as
  // the queue says ("Resources", "ReqNodeNotAvail, ...", "None" before the scheduler looked at
  // it); nullopt once it runs, and always for a local trial.
  virtual std::optional<std::string> QueueReason() const { return std::nullopt; }
  // False while the trial may still wait in a batch system's queue: a Slurm job not yet seen
  // running (pending, or not yet asked about). runner.trialTimeoutSeconds counts from when it
  // becomes true (from JobStartTime where the batch system says it), not from the submission.
  // Always true for a local trial.
  virtual bool Started() const { return true; }
  // When the batch system says the job began to run (seconds since the epoch: Slurm's StartTime
  // at the last squeue), nullopt when it did not say (pending, never seen running, a local trial).
  virtual std::optional<double> JobStartTime() const { return std::nullopt; }
};

// What a launcher tells the runner at the start, for the start event and the scheduling loop.
struct LauncherStart {
  RunnerStartedEvent event;  // the launcher's part: gpus, gpu_source, cpu_only, ... max_running
  // Trials at once: min(maxParallelTrials, what fits). Under Slurm: jobs queued or running.
  int max_running = 1;
  // NAME=VALUE entries every trial's environment starts from (locally this process's, plus
  // OMP_NUM_THREADS for CPU trials); under Slurm only what bayestune adds, on top of the job's.
  std::vector<std::string> base_environment;
};

// How trials run: the part of the runner that differs between local processes and Slurm jobs.
// The scheduling loop, metric reading, early stopping, timeouts, failure handling and resume are
// the runner's, the same for every launcher. All calls come from the runner's thread.
class TrialLauncher {
 public:
  using WarnFunction = std::function<void(std::optional<std::int64_t>, const std::string&)>;

  virtual ~TrialLauncher() = default;

  // Called once by Run before anything starts. Throws InvalidArgument when the settings cannot
  // work (GPUs that do not fit, no job program, ...).
  virtual LauncherStart Start(const std::string& study, const RunnerSpec& runner,
                              const StudySpec& spec, const std::filesystem::path& job_dir,
                              const WarnFunction& warn) = 0;
  // How many more trials could start now besides the `running` ones (other processes' claims on
  // this machine's slots count), at most what Start allowed.
  virtual int FreeSlots(int running) = 0;
  // Takes a slot for one trial: its GPUs (empty for a CPU trial or under Slurm); nullopt when
  // another process took it since FreeSlots.
  virtual std::optional<std::vector<int>> Acquire() = 0;
  virtual void Release(const std::vector<int>& gpus) = 0;
  // Starts the trial. Throws LaunchError for a problem of the setup rather than of this trial
  // (the trainer cannot be started, Slurm refuses the job): the runner then stops launching. It
  // never waits to try again: a trial that Slurm could not take yet is returned not Submitted,
  // and tried again at Refresh.
  virtual std::unique_ptr<LaunchedTrial> Launch(const TrialLaunchRequest& request) = 0;
  // A trial that a runner now gone launched as job `trial.CurrentJobId()`: a handle on it while
  // the job is queued, running or has ended with a result to collect; nullptr when this launcher
  // cannot re-attach to it (then the runner requeues the trial). Under Slurm it is also asked
  // for an attempt without a stored job id (a runner killed between sbatch and storing the id):
  // the job is then looked for by its name and folder.
  virtual std::unique_ptr<LaunchedTrial> Reattach(const Trial& /*trial*/,
                                                  const TrialPaths& /*paths*/) {
    return nullptr;
  }
  // Called at every turn of the loop before the trials are looked at: Slurm asks squeue about
  // all its jobs at once here (at most every poll interval), and tries sbatch again for the
  // trials not yet Submitted whose wait is over.
  virtual void Refresh(double /*now*/) {}
  // How often to look at trials without an exit_fd.
  virtual double PollSeconds() const { return 0.01; }
  // Says what this launcher has not said yet (slot claims planted since the start, ...).
  virtual void Tick() {}
};

}  // namespace bayestune
