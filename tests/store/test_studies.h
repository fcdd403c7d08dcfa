#pragma once

#include "bayestune/optimizer/study_spec.h"

namespace bayestune::testing {

// A RANDOM_SEARCH study of `max_trials` trials over a DOUBLE (log) and an INTEGER parameter,
// maximizing "accuracy": cheap to suggest, so that tests measure the store, not the optimizer.
inline StudySpec RandomSearchSpec(int max_trials) {
  StudySpec spec;
  spec.goal = Goal::kMaximize;
  spec.metric_tag = "accuracy";
  spec.max_trials = max_trials;
  spec.max_parallel_trials = 8;
  spec.max_failed_trials = max_trials;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("learning_rate", 1e-4, 1e-1, ScaleType::kLog),
                     ParameterSpec::Integer("layers", 1, 8)};
  return spec;
}

}  // namespace bayestune::testing
