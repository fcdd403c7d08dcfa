#pragma once

#include <string>
#include <string_view>

#include "bayestune/optimizer/study_spec.h"

namespace bayestune {

// A StudySpec as JSON, with the field names of tuning.yaml (goal, hyperparameterMetricTag,
// maxTrials, params[{parameterName, type, ...}], ...) plus measurementSelection and seed.
std::string StudySpecToJson(const StudySpec& spec);
// Throws InvalidArgument when the text is not such JSON.
StudySpec StudySpecFromJson(std::string_view json);

}  // namespace bayestune
