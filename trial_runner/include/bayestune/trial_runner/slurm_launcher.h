#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bayestune/trial_runner/slurm_commands.h"
#include "bayestune/trial_runner/slurm_job_files.h"
#include "bayestune/trial_runner/trial_launcher.h"

namespace bayestune {

struct SlurmLauncherOptions {
  // The Slurm commands' environment (empty: this process's; SLURM_CONF in it picks the cluster),
  // which sbatch also passes on to the jobs, and their timeout.
  SlurmCommandsOptions commands;
  // bayestune-job; empty: the one beside this program (or, in the build tree, in
  // ../trial_runner/), else the first in PATH.
  std::filesystem::path job_program;
  // How often one squeue asks about all the jobs (for those that end without exit_status.json:
  // cancelled, preempted, lost with their node), and how often the trials' exit_status.json
  // files are looked for (how soon an ended trial is seen, at no cost to slurmctld).
  double squeue_seconds = 2.0;
  double file_poll_seconds = 0.1;
  // A job pending this long is said (once for each reason squeue gives: a drained node, a
  // partition too small, a limit), so that jobs that cannot start are not waited on in silence.
  double pending_notice_seconds = 60;
  // How long to wait before each new sbatch when one could not reach Slurm (slurmctld restarting
  // or busy, a timeout; not when Slurm refuses the job): one more try per entry, then one every
  // last entry until Slurm has not taken the job for submit_give_up_seconds (from the first
  // failure); then the run ends saying why, the trial back in the queue. A restart or a failover of
  // slurmctld takes a minute or more, and each sbatch against a controller that is down itself
  // takes about MessageTimeout (10 s by default) to fail.
  std::vector<double> submit_retry_seconds = {2, 5, 10};
  double submit_give_up_seconds = 600;
  // Where the trainers run; empty: this process's working folder (as local trainers do).
  std::filesystem::path working_dir;
};

// Runs each trial attempt as one Slurm job (docs/slurm.md): writes the attempt's launch file and
// job script into its folder, submits it with sbatch (--gres=gpu:N for runner.gpusPerTrial, the
// runner.slurm options, --no-requeue, the job's own output in slurm-job.log), and follows all its
// jobs with one squeue call at a time; a job's end is read from the exit_status.json that
// bayestune-job writes, Slurm's state being the other source. A job preempted, lost with its
// node, or cancelled outside bayestune ends as a requeue (TrialEnd::requeue_reason); one over
// Slurm's time limit fails. maxParallelTrials bounds the jobs in the queue, pending and running
// together. Terminate signals a running job's trainer (scancel --signal=TERM --batch) and cancels
// a pending one; Kill cancels (scancel).
class SlurmLauncher : public TrialLauncher {
 public:
  explicit SlurmLauncher(SlurmLauncherOptions options = {});
  ~SlurmLauncher() override;

  LauncherStart Start(const std::string& study, const RunnerSpec& runner, const StudySpec& spec,
                      const std::filesystem::path& job_dir, const WarnFunction& warn) override;
  int FreeSlots(int running) override;
  std::optional<std::vector<int>> Acquire() override { return std::vector<int>{}; }
  void Release(const std::vector<int>& /*gpus*/) override {}
  std::unique_ptr<LaunchedTrial> Launch(const TrialLaunchRequest& request) override;
  std::unique_ptr<LaunchedTrial> Reattach(const Trial& trial, const TrialPaths& paths) override;
  void Refresh(double now) override;
  double PollSeconds() const override;

  // The Slurm commands run so far (sbatch, squeue, scontrol, scancel), for the bench.
  SlurmCallCounts calls() const;

  // The jobs followed, what squeue last said of them, and the commands: shared with the trials'
  // handles.
  struct State;

 private:
  SlurmLauncherOptions options_;
  void SayLongPending(double now);
  // "bayestune-<study>-<trial>[.<attempt>]" (a ',' of the study's name as ';'): what squeue
  // shows, and how a job of an attempt is found again.
  std::string JobName(std::int64_t trial, int attempt) const;

  std::shared_ptr<State> state_;
  std::string study_;
  RunnerSpec runner_;
  std::filesystem::path job_program_;
  std::filesystem::path working_dir_;
  int max_running_ = 1;
};

// Where bayestune-job is: `configured` when given (it must be an executable file), else beside
// the program running (/proc/self/exe), else in the build tree's trial_runner/, else in PATH.
// Throws InvalidArgument saying where it looked.
std::filesystem::path FindSlurmJobProgram(const std::filesystem::path& configured,
                                          const std::string& path_variable);

}  // namespace bayestune
