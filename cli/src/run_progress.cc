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
    : spec_(std::move(spec)), capacity_(CountProgress({}, spec_).capacity), run_started_(now) {
  for (const auto& trial : trials) {
    states_[trial.id] = trial.state;
    if (trial.stopped_early) stopped_early_.insert(trial.id);
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

void RunProgress::TrialStarted(const TrialStartedEvent& event, double now, double wall_now) {
  states_[event.trial.id] = TrialState::kActive;
  RunningTrial running{event.trial, event.gpus, event.job_id, now, std::nullopt, std::nullopt, now};
  if (event.reattached) {
    // The runner that is gone submitted it: its wait and run count from then, not from now.
    running.reattached = true;
    running.submission_known = event.trial.start_time.has_value();
    if (running.submission_known) {
      running.started = now - std::max(0.0, wall_now - *event.trial.start_time);
    }
    running.running_since = running.started;
    running.start_known = false;
  }
  running_[event.trial.id] = std::move(running);
}

void RunProgress::Suspended(double seconds) {
  for (auto& [id, running] : running_) {
    if (!running.job_id.empty()) continue;
    running.started += seconds;
    running.running_since += seconds;
  }
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

double RunProgress::SecondsQueued(const TrialFinishedEvent& event) const {
  const auto found = running_.find(event.trial.id);
  if (found == running_.end()) return 0;
  const RunningTrial& running = found->second;
  double queued =
      running.queue_reason ? event.run_seconds : running.running_since - running.started;
  // Re-attached while it ran: Slurm's StartTime, where it said it, tells how long it waited.
  if (!running.start_known && running.submission_known && event.job_start_time &&
      event.trial.start_time) {
    queued = *event.job_start_time - *event.trial.start_time;
  }
  return std::clamp(queued, 0.0, std::max(0.0, event.run_seconds));
}

bool RunProgress::TrialFinished(const TrialFinishedEvent& event) {
  const Trial& trial = event.trial;
  states_[trial.id] = trial.state;
  // As it ends this time: a trial retried (by another process's --retry-failed) may have been
  // stopped early before.
  if (trial.stopped_early) {
    stopped_early_.insert(trial.id);
  } else {
    stopped_early_.erase(trial.id);
  }
  // The runner's run time counts from the submission: the time its job waited in Slurm's queue
  // (a wait that says nothing of how long a trial runs) is left out.
  const double run_seconds = std::max(0.0, event.run_seconds - SecondsQueued(event));
  running_.erase(trial.id);
  (trial.state == TrialState::kSucceeded ? succeeded_seconds_ : other_seconds_)
      .push_back(run_seconds);
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
  stopped_early_.erase(trial.id);
  running_.erase(trial.id);
}

void RunProgress::TrialQueueChanged(std::int64_t trial_id,
                                    const std::optional<std::string>& queue_reason, double now) {
  const auto found = running_.find(trial_id);
  if (found == running_.end()) return;
  RunningTrial& trial = found->second;
  // It runs from when it left the queue (squeue said so, or its trainer wrote).
  if (trial.queue_reason && !queue_reason) {
    trial.running_since = now;
    trial.start_known = true;
  }
  trial.queue_reason = queue_reason;
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
  counts.capacity = capacity_;
  for (const auto& [id, state] : states_)
    counts.Add(state, stopped_early_.contains(id));
  return counts;
}

std::optional<double> RunProgress::MeanTrialSeconds() const {
  const auto& seconds = succeeded_seconds_.empty() ? other_seconds_ : succeeded_seconds_;
  if (seconds.empty()) return std::nullopt;
  return std::accumulate(seconds.begin(), seconds.end(), 0.0) / static_cast<double>(seconds.size());
}

std::optional<double> RunProgress::SecondsLeft(double now) const {
  const auto mean = MeanTrialSeconds();
  if (!mean) return std::nullopt;
  // When each of the trials at once is free: the running trials' slots when what is left of the
  // mean has passed (a job waiting in Slurm's queue has not begun: all of it), the others now.
  std::vector<double> free_at(std::max(static_cast<std::size_t>(max_running_), running_.size()),
                              0.0);
  std::size_t slot = 0;
  for (const auto& [id, trial] : running_) {
    free_at[slot++] =
        trial.queue_reason ? *mean : std::max(0.0, *mean - (now - trial.running_since));
  }
  // Each trial not started takes the mean on the slot free first. The slots are all free within
  // one mean from now, so each takes one of every `free_at.size()` trials in turn: `rounds` each,
  // and the `extra` free first one more.
  std::sort(free_at.begin(), free_at.end());
  const auto slots = static_cast<long long>(free_at.size());
  const long long left = Counts().left();
  const long long rounds = left / slots;
  const long long extra = left % slots;
  double end = free_at.back() + static_cast<double>(rounds) * *mean;
  if (extra > 0) end = std::max(end, free_at[extra - 1] + static_cast<double>(rounds + 1) * *mean);
  return end;
}

int RunProgress::RunningPastMean(double now) const {
  const auto mean = MeanTrialSeconds();
  if (!mean) return 0;
  return static_cast<int>(std::count_if(running_.begin(), running_.end(), [&](const auto& entry) {
    return !entry.second.queue_reason && now - entry.second.running_since > *mean;
  }));
}

}  // namespace bayestune::cli
