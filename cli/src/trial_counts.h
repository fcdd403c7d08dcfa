#pragma once

#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune::cli {

// A study's trials by what they are doing, as `status` and the progress view show them.
struct TrialCounts {
  int succeeded = 0;
  int failed = 0;
  int infeasible = 0;
  int running = 0;  // ACTIVE or STOPPING
  int queued = 0;   // REQUESTED: to be (re)run first
  int max_trials = 0;

  void Add(TrialState state);
  int finished() const { return succeeded + failed + infeasible; }
  // Trials still to run, the queued ones included: maxTrials minus the finished and running ones.
  int left() const;
};

TrialCounts CountTrials(const std::vector<Trial>& trials, const StudySpec& spec);

// The SUCCEEDED trials with a final value, best first under the spec's goal (ties: lower number
// first).
std::vector<Trial> RankTrials(const std::vector<Trial>& trials, const StudySpec& spec);

}  // namespace bayestune::cli
