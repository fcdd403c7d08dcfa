#include "parameter_importance.h"

#include <algorithm>
#include <cmath>

#include "bayestune/optimizer/conditional_parameters.h"
#include "functional_anova.h"
#include "scale_transform.h"
#include "value_range.h"

namespace bayestune {

namespace {

// Where an inactive conditional numeric parameter sits on its feature's [0, 1], and where its
// active values start: apart, so that a split can tell "not active" from any value.
constexpr double kInactiveNumeric = 0.0;
constexpr double kActiveNumericStart = 0.1;

// The trial's parameters as forest inputs, or false when an active one is missing or not in the
// spec. An inactive conditional parameter is a value of its own: an extra category, or
// kInactiveNumeric below its active values.
bool EncodeTrial(const StudySpec& spec, const Trial& trial, std::vector<double>* point) {
  point->clear();
  const std::vector<bool> active = ActiveParameters(spec.parameters, trial.parameters);
  for (std::size_t p = 0; p < spec.parameters.size(); ++p) {
    const ParameterSpec& parameter = spec.parameters[p];
    if (!active[p]) {
      point->push_back(parameter.type == ParameterType::kCategorical
                           ? static_cast<double>(parameter.categorical_values.size())
                           : kInactiveNumeric);
      continue;
    }
    const auto it = trial.parameters.find(parameter.name);
    if (it == trial.parameters.end()) return false;
    if (parameter.type == ParameterType::kCategorical) {
      if (!it->second.IsString()) return false;
      const auto& values = parameter.categorical_values;
      const auto found = std::find(values.begin(), values.end(), it->second.AsString());
      if (found == values.end()) return false;
      point->push_back(static_cast<double>(found - values.begin()));
    } else {
      if (!it->second.IsNumeric()) return false;
      const double lower = parameter.Lower();
      const double upper = parameter.Upper();
      const double unit =
          lower < upper ? ToUnit(it->second.AsDouble(), lower, upper, parameter.scale) : 0.0;
      point->push_back(
          parameter.condition ? kActiveNumericStart + (1.0 - kActiveNumericStart) * unit : unit);
    }
  }
  return true;
}

}  // namespace

ImportanceEstimate EstimateParameterImportance(const StudySpec& spec,
                                               const std::vector<Trial>& trials,
                                               const ImportanceOptions& options) {
  ImportanceEstimate estimate;
  for (const ParameterSpec& parameter : spec.parameters)
    estimate.parameters.push_back({parameter.name, 0, 0});

  std::vector<std::vector<double>> points;
  std::vector<double> values;
  std::vector<double> point;
  for (const Trial& trial : trials) {
    if (trial.state != TrialState::kSucceeded || !trial.final_value ||
        !std::isfinite(*trial.final_value) || !EncodeTrial(spec, trial, &point)) {
      continue;
    }
    points.push_back(point);
    values.push_back(*trial.final_value);
  }
  estimate.trials_used = values.size();
  if (values.size() < options.min_trials) {
    estimate.unavailable_reason = "needs at least " + std::to_string(options.min_trials) +
                                  " succeeded trials with an objective value; the study has " +
                                  std::to_string(values.size());
    return estimate;
  }
  const ValueRange range = RobustRange(values);
  if (!(range.upper > range.lower)) {
    estimate.unavailable_reason =
        "every succeeded trial has the same objective value, so no parameter makes a difference";
    return estimate;
  }
  for (double& v : values) {
    const double clipped = std::clamp(v, range.lower, range.upper);
    if (clipped != v) ++estimate.values_clipped;
    v = clipped;
  }
  std::vector<ForestFeature> features;
  for (const ParameterSpec& parameter : spec.parameters) {
    ForestFeature feature;
    if (parameter.type == ParameterType::kCategorical) {
      // A conditional one has one more: "not active".
      feature.categories =
          static_cast<int>(parameter.categorical_values.size()) + (parameter.condition ? 1 : 0);
    }
    features.push_back(feature);
  }
  const RegressionForest forest =
      RegressionForest::Fit(std::move(features), points, values, options.forest);
  const std::vector<MainEffect> effects = MainEffectFractions(forest);
  for (std::size_t j = 0; j < effects.size(); ++j) {
    estimate.parameters[j].fraction = effects[j].fraction;
    estimate.parameters[j].spread = effects[j].spread;
  }
  estimate.available = true;
  return estimate;
}

}  // namespace bayestune
