#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/trial.h"
#include "bayestune/trial_runner/slurm_job_status.h"

namespace bayestune::cli {

// The store does not know whether a trial's Slurm job runs or still waits in Slurm's queue, nor
// when it began to run (the runner follows that with squeue, and says it in its progress, but
// does not store it): `status` and `trials` ask squeue, once for all the active trials' jobs, as
// the runner would. The jobs by id; `problem` says why squeue could not tell ("" when it did).
struct SlurmQueue {
  std::map<SlurmJobId, SlurmJobStatus> jobs;
  std::string problem;

  // The trial's current job while squeue says it is pending; nullptr otherwise.
  const SlurmJobStatus* Pending(const Trial& trial) const;
  // How long the trial's current job waited in Slurm's queue before it began to run, and how long
  // it has run since (to `now`), from Slurm's StartTime and the trial's stored start (its
  // submission); nullopt when not known (a local trial, a pending job, squeue could not answer,
  // no StartTime).
  struct RunTimes {
    double queued = 0;
    double running = 0;
  };
  std::optional<RunTimes> Times(const Trial& trial, double now) const;
  int PendingCount() const;
};

// A wait in Slurm's queue worth saying: Slurm's StartTime has whole seconds, and a job that
// started at once is scheduled about a second after sbatch returns.
inline constexpr double kQueueWaitShownSeconds = 2;

// Asks squeue about the current jobs of the ACTIVE and STOPPING trials (10 s at most); no call
// when none ran through Slurm.
SlurmQueue AskSlurmQueue(const std::vector<Trial>& trials);

// The run time of an active trial for people: "30s (after 1h00m in Slurm's queue)" where Slurm
// said when its job started, "1h00m from its submission to Slurm" where it did not, or its run
// time for a local trial; nullopt when it never started.
std::optional<std::string> FormatActiveRunTime(const Trial& trial, const SlurmQueue& queue,
                                               double now);

}  // namespace bayestune::cli
