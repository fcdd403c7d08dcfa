#pragma once

#include <string>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

struct MedianStoppingOptions {
  // The rule applies only once this many trials have completed with measurements (Katib's default).
  int min_completed_trials = 3;
};

// The median stopping rule (Vizier, Katib): a pending trial whose best value of `metric` up to its
// latest step s is worse than the median, over the completed trials, of their running average of
// `metric` up to step s, should stop. Completed trials with no measurement at or before s do not
// count, and neither do non-finite values. A pure function: no state, no I/O.
bool ShouldStopByMedianRule(const Trial& trial, const std::vector<Trial>& completed,
                            const std::string& metric, Goal goal,
                            const MedianStoppingOptions& options = {});

}  // namespace bayestune
