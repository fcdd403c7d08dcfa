#pragma once

#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune::cli {

// The SUCCEEDED trials with a final value, best first under the spec's goal (ties: lower number
// first).
std::vector<Trial> RankTrials(const std::vector<Trial>& trials, const StudySpec& spec);

}  // namespace bayestune::cli
