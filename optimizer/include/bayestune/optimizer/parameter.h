#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/parameter_value.h"

namespace bayestune {

// AI Platform's ParameterSpec.type.
enum class ParameterType { kDouble, kInteger, kCategorical, kDiscrete };

// AI Platform's ParameterSpec.scaleType. NONE behaves as UNIT_LINEAR_SCALE for the optimizer.
enum class ScaleType { kNone, kLinear, kLog, kReverseLog };

std::string_view ParameterTypeName(ParameterType type);  // "DOUBLE", ...
std::string_view ScaleTypeName(ScaleType scale);         // "UNIT_LOG_SCALE", ...
std::optional<ParameterType> ParseParameterType(std::string_view name);
std::optional<ScaleType> ParseScaleType(std::string_view name);

// When a conditional parameter is active (Vertex AI's conditionalParameterSpecs): while its parent
// is active and takes one of `values`. The values have the parent's kind: strings for a
// CATEGORICAL parent (parentCategoricalValues), integers for an INTEGER one (parentIntValues),
// doubles for a DISCRETE one (parentDiscreteValues); a DOUBLE parameter has no children.
struct ParentCondition {
  std::string parent;
  std::vector<ParameterValue> values;

  bool operator==(const ParentCondition&) const = default;
};

// One hyperparameter of a study, as `trainingInput.hyperparameters.params[]` describes it. A
// study's parameters are one flat list in depth-first order: a conditional parameter (one of a
// parent's conditionalParameterSpecs) follows its parent and carries `condition`
// (conditional_parameters.h).
struct ParameterSpec {
  std::string name;
  ParameterType type = ParameterType::kDouble;
  double min_value = 0.0;                       // DOUBLE and INTEGER
  double max_value = 0.0;                       // DOUBLE and INTEGER
  std::vector<std::string> categorical_values;  // CATEGORICAL, in the order given
  std::vector<double> discrete_values;          // DISCRETE, strictly increasing
  ScaleType scale = ScaleType::kNone;
  std::optional<ParentCondition> condition;  // nullopt: always active (a top-level parameter)

  static ParameterSpec Double(std::string name, double lo, double hi,
                              ScaleType scale = ScaleType::kLinear);
  static ParameterSpec Integer(std::string name, long long lo, long long hi,
                               ScaleType scale = ScaleType::kLinear);
  static ParameterSpec Categorical(std::string name, std::vector<std::string> values);
  static ParameterSpec Discrete(std::string name, std::vector<double> values,
                                ScaleType scale = ScaleType::kLinear);

  // The smallest and largest feasible numeric value (DOUBLE, INTEGER, DISCRETE).
  double Lower() const;
  double Upper() const;

  bool operator==(const ParameterSpec&) const = default;
};

// Returns an empty string when `spec` is a valid parameter, else a message naming what is wrong and
// what would be valid. The YAML loader reports the same rules with file positions.
std::string ValidateParameterSpec(const ParameterSpec& spec);

// A name is valid when it can be passed as `--name=value`: a letter, then letters, digits, '_', '-'
// or '.', at most kMaxParameterNameBytes in all; and it is not job-dir or job_dir, the flag the
// runner gives every trial itself.
inline constexpr std::size_t kMaxParameterNameBytes = 255;  // as a study name's
bool IsValidParameterName(std::string_view name);
// Why `name` is not a valid parameter name, and what would be; empty when it is valid.
std::string ParameterNameProblem(std::string_view name);

// Two names a trainer's argument parser would take for one flag: equal once every '-' is read as
// '_' (argparse makes --learning-rate and --learning_rate both `learning_rate`).
bool ParameterNamesCollide(std::string_view a, std::string_view b);
// "parameters 'learning-rate' and 'learning_rate' would be one flag for the trainer ...".
std::string ParameterCollisionProblem(std::string_view first, std::string_view second);

// The largest magnitude of an INTEGER parameter's bounds: 2^53, up to which every integer is
// exactly a double (the optimizer works in doubles and rounds; beyond it values would not be the
// integers asked for, and near 2^63 the rounding would overflow an int64).
inline constexpr double kMaxIntegerParameterBound = 9007199254740992.0;
// Why `bound` cannot be an INTEGER parameter's minValue or maxValue (beyond 2^53); empty when it
// can. `as_written`: the bound as the user wrote it, for the message (a double rounds
// 9223372036854775807 to ...808); empty: the double's shortest form.
std::string IntegerBoundProblem(double bound, std::string_view as_written = {});

// Why `value` cannot be a CATEGORICAL value (empty, a NUL or other control character but a tab,
// not UTF-8, longer than kMaxCategoricalValueBytes: it is passed as --name=value in argv and
// stored as text); empty when it can.
inline constexpr std::size_t kMaxCategoricalValueBytes = 4096;  // PATH_MAX: a value may be a path
std::string CategoricalValueProblem(std::string_view value);

// Why `range` (maxValue - minValue of a DOUBLE or INTEGER parameter, both finite) cannot be used:
// it overflows to infinity (as from -1e308 to 1e308), which the model's unit interval cannot map;
// empty when it can.
std::string RangeWidthProblem(double min_value, double max_value);

// Why `tag` cannot be an objective's metric tag (hyperparameterMetricTag, a metricId): empty, a
// control character, not UTF-8 (it is matched against the trainer's tags and shown in every log
// line), or longer than kMaxMetricTagBytes; empty when it can.
inline constexpr std::size_t kMaxMetricTagBytes = 1024;
std::string MetricTagProblem(std::string_view tag);

}  // namespace bayestune
