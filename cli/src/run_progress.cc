#include "run_progress.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "bayestune/optimizer/pareto_front.h"

namespace bayestune::cli {

double SteadyNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

RunProgress::RunProgress(StudySpec spec, const std::vector<Trial>& trials, double now)
    : spec_(std::move(spec)), run_started_(now) {
  for (const auto& trial : trials) {
    states_[trial.id] = trial.state;
    if (trial.IsFinished()) ++finished_at_start_;
    if (trial.state == TrialState::kSucceeded && IsMultiObjective(spec_))
      succeeded_.push_back(trial);
    if (trial.state == TrialState::kSucceeded && trial.final_value &&
        (!best_ || RanksBefore(trial, *best_, spec_))) {
      best_ = trial;
    }
  }
  if (IsMultiObjective(spec_)) front_size_ = ParetoOptimalTrials(succeeded_, spec_).size();
}

void RunProgress::RunnerStarted(const RunnerStartedEvent& event) {
  max_running_ = std::max(1, event.max_running);
}

void RunProgress::TrialStarted(const TrialStartedEvent& event, double now) {
  states_[event.trial.id] = TrialState::kActive;
  running_[event.trial.id] = RunningTrial{event.trial, event.gpus, event.job_id, now, std::nullopt};
}

std::optional<Measurement> RunProgress::AddMeasurements(
    std::int64_t trial_id, const std::vector<Measurement>& measurements) {
  std::optional<Measurement> latest;
  for (const auto& m : measurements) {
    if (m.metric == spec_.metric_tag) latest = m;
  }
  const auto found = running_.find(trial_id);
  if (latest && found != running_.end()) found->second.latest = latest;
  return latest;
}

bool RunProgress::TrialFinished(const TrialFinishedEvent& event) {
  const Trial& trial = event.trial;
  states_[trial.id] = trial.state;
  running_.erase(trial.id);
  (trial.state == TrialState::kSucceeded ? succeeded_seconds_ : other_seconds_)
      .push_back(event.run_seconds);
  if (trial.state == TrialState::kSucceeded && IsMultiObjective(spec_)) {
    succeeded_.push_back(trial);
    front_size_ = ParetoOptimalTrials(succeeded_, spec_).size();
  }
  if (trial.state == TrialState::kSucceeded && trial.final_value &&
      (!best_ || RanksBefore(trial, *best_, spec_))) {
    best_ = trial;
    return true;
  }
  return false;
}

void RunProgress::TrialRequeued(const Trial& trial) {
  states_[trial.id] = TrialState::kRequested;
  running_.erase(trial.id);
}

void RunProgress::TrialQueueChanged(std::int64_t trial_id,
                                    const std::optional<std::string>& queue_reason) {
  if (const auto found = running_.find(trial_id); found != running_.end()) {
    found->second.queue_reason = queue_reason;
  }
}

int RunProgress::Waiting() const {
  return static_cast<int>(std::count_if(running_.begin(), running_.end(), [](const auto& entry) {
    return entry.second.queue_reason.has_value();
  }));
}

std::vector<std::string> RunProgress::WaitingReasons() const {
  std::vector<std::string> reasons;
  for (const auto& [id, running] : running_) {
    const auto& reason = running.queue_reason;
    if (!reason || *reason == "None" || reason->empty()) continue;
    if (std::find(reasons.begin(), reasons.end(), *reason) == reasons.end()) {
      reasons.push_back(*reason);
    }
  }
  return reasons;
}

StudyProgress RunProgress::Counts() const {
  StudyProgress counts;
  counts.max_trials = spec_.max_trials;
  for (const auto& [id, state] : states_)
    counts.Add(state);
  return counts;
}

std::optional<double> RunProgress::SecondsLeft(double now) const {
  const auto& seconds = succeeded_seconds_.empty() ? other_seconds_ : succeeded_seconds_;
  if (seconds.empty()) return std::nullopt;
  const double mean =
      std::accumulate(seconds.begin(), seconds.end(), 0.0) / static_cast<double>(seconds.size());
  const StudyProgress counts = Counts();
  // The work left: what the running trials still need, then the trials not started, spread over
  // the trials that run at once; never less than the longest remainder of a running trial.
  double work = mean * counts.left();
  double longest_remainder = 0;
  for (const auto& [id, trial] : running_) {
    const double remainder = std::max(0.0, mean - (now - trial.started));
    work += remainder;
    longest_remainder = std::max(longest_remainder, remainder);
  }
  const int at_once = std::max(1, std::min(max_running_, counts.left() + counts.active));
  return std::max(longest_remainder, work / at_once);
}

}  // namespace bayestune::cli
