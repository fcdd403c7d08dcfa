#include "trial_counts.h"

#include <algorithm>

namespace bayestune::cli {

int TrialCounts::left() const {
  return std::max(0, max_trials - finished() - running);
}

void TrialCounts::Add(TrialState state) {
  switch (state) {
    case TrialState::kSucceeded:
      ++succeeded;
      break;
    case TrialState::kFailed:
      ++failed;
      break;
    case TrialState::kInfeasible:
      ++infeasible;
      break;
    case TrialState::kActive:
    case TrialState::kStopping:
      ++running;
      break;
    case TrialState::kRequested:
      ++queued;
      break;
  }
}

TrialCounts CountTrials(const std::vector<Trial>& trials, const StudySpec& spec) {
  TrialCounts counts;
  counts.max_trials = spec.max_trials;
  for (const auto& trial : trials)
    counts.Add(trial.state);
  return counts;
}

std::vector<Trial> RankTrials(const std::vector<Trial>& trials, const StudySpec& spec) {
  std::vector<Trial> ranked;
  for (const auto& trial : trials) {
    if (trial.state == TrialState::kSucceeded && trial.final_value) ranked.push_back(trial);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const Trial& a, const Trial& b) {
    return spec.IsBetter(*a.final_value, *b.final_value);
  });
  return ranked;
}

}  // namespace bayestune::cli
