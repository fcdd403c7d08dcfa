#pragma once

#include <string>
#include <vector>

#include "bayestune/optimizer/stopping_rule.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

struct MedianStoppingOptions {
  // The rule applies only once this many trials have completed with measurements (Katib's default).
  int min_completed_trials = 3;
};

// The median stopping rule (Vizier, Katib): a pending trial whose best value of the objective up to
// its latest step s is worse than the median, over the SUCCEEDED trials, of their running average
// of the objective up to step s, should stop. Completed trials with no measurement at or before s
// do not count, and neither do non-finite values, nor trials stopped early before step s (their
// curve was cut off there). Only the current attempt's measurements count.
class MedianStoppingRule : public StoppingRule {
 public:
  explicit MedianStoppingRule(MedianStoppingOptions options = {}) : options_(options) {}
  StopDecision Decide(const Trial& trial, const std::vector<Trial>& trials,
                      const StudySpec& spec) const override;

 private:
  MedianStoppingOptions options_;
};

}  // namespace bayestune
