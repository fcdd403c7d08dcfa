#pragma once

#include <string>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/report/importance_options.h"
#include "regression_forest.h"

namespace bayestune {

struct ParameterImportance {
  std::string name;
  double fraction = 0;  // the share of the objective's variance the parameter explains alone
  double spread = 0;    // its standard deviation over the forest's trees
};

struct ImportanceEstimate {
  bool available = false;
  std::string unavailable_reason;               // when not available: why, for the reader
  std::vector<ParameterImportance> parameters;  // in the spec's order
  std::size_t trials_used = 0;
  std::size_t values_clipped = 0;  // far-out objective values pulled in to the range's edge
};

// How much each parameter matters: functional ANOVA (functional_anova.h) of a random forest fitted
// to the SUCCEEDED trials' objective values. Inputs are the parameters on the optimizer's unit
// scale (scale_transform.h), so that a log-scaled parameter is judged over its range as the
// optimizer searches it; categories are inputs of their own. Objective values beyond the far-out
// fences (value_range.h) are clipped first, so that one diverged trial does not decide it all.
// Not available with fewer than `min_trials` such trials, or when they all have the same value.
// Deterministic.
ImportanceEstimate EstimateParameterImportance(const StudySpec& spec,
                                               const std::vector<Trial>& trials,
                                               const ImportanceOptions& options = {});

}  // namespace bayestune
