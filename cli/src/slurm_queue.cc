#include "slurm_queue.h"

#include <algorithm>
#include <exception>

#include "bayestune/trial_runner/slurm_commands.h"
#include "trial_formatting.h"

namespace bayestune::cli {

const SlurmJobStatus* SlurmQueue::Pending(const Trial& trial) const {
  if (trial.CurrentJobId().empty()) return nullptr;
  const auto found = jobs.find(trial.CurrentJobId());
  return found != jobs.end() && found->second.phase == SlurmJobPhase::kPending ? &found->second
                                                                               : nullptr;
}

std::optional<SlurmQueue::RunTimes> SlurmQueue::Times(const Trial& trial, double now) const {
  if (trial.CurrentJobId().empty() || !trial.start_time) return std::nullopt;
  const auto found = jobs.find(trial.CurrentJobId());
  if (found == jobs.end() || !found->second.start_time) return std::nullopt;
  // Slurm's times have whole seconds: a job that started at once may seem to start before the
  // stored submission.
  const double started = std::max(*found->second.start_time, *trial.start_time);
  const double end = trial.end_time.value_or(now);
  return RunTimes{started - *trial.start_time, std::max(0.0, end - started)};
}

int SlurmQueue::PendingCount() const {
  return static_cast<int>(std::count_if(jobs.begin(), jobs.end(), [](const auto& entry) {
    return entry.second.phase == SlurmJobPhase::kPending;
  }));
}

SlurmQueue AskSlurmQueue(const std::vector<Trial>& trials) {
  SlurmQueue queue;
  std::vector<SlurmJobId> ids;
  for (const Trial& trial : trials) {
    const bool active = trial.state == TrialState::kActive || trial.state == TrialState::kStopping;
    if (active && !trial.CurrentJobId().empty()) ids.push_back(trial.CurrentJobId());
  }
  if (ids.empty()) return queue;
  try {
    SlurmCommandsOptions options;
    options.timeout_seconds = 10;  // a status, not a run: a slurmctld that does not answer is said
    queue.jobs = SlurmCommands(options).Query(ids);
  } catch (const std::exception& e) {
    queue.problem = e.what();
  }
  return queue;
}

std::optional<std::string> FormatActiveRunTime(const Trial& trial, const SlurmQueue& queue,
                                               double now) {
  const auto seconds = TrialRunSeconds(trial, now);
  if (!seconds) return std::nullopt;
  if (trial.CurrentJobId().empty()) return FormatDuration(*seconds);
  const auto times = queue.Times(trial, now);
  if (!times) return FormatDuration(*seconds) + " from its submission to Slurm";
  return FormatDuration(times->running) +
         (times->queued >= kQueueWaitShownSeconds
              ? " (after " + FormatDuration(times->queued) + " in Slurm's queue)"
              : "");
}

}  // namespace bayestune::cli
