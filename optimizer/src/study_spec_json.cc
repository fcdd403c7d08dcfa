#include "study_spec_json.h"

#include <nlohmann/json.hpp>

#include "bayestune/optimizer/errors.h"

namespace bayestune {
namespace {

using nlohmann::json;

template <typename Enum>
Enum ParseOrThrow(const json& value, std::optional<Enum> (*parse)(std::string_view),
                  const char* field) {
  auto parsed = parse(value.get<std::string>());
  if (!parsed) throw InvalidArgument(std::string("study spec JSON: bad ") + field);
  return *parsed;
}

// A conditional parameter's condition, beside its other fields: "parentParameter" and one of
// "parentCategoricalValues", "parentIntValues", "parentDiscreteValues" by the kind of its values
// (a spec of before conditional parameters has none of them).
void WriteCondition(const ParentCondition& condition, json& param) {
  param["parentParameter"] = condition.parent;
  json values = json::array();
  const char* key = "parentDiscreteValues";
  for (const ParameterValue& value : condition.values) {
    if (value.IsString()) {
      key = "parentCategoricalValues";
      values.push_back(value.AsString());
    } else if (value.IsInteger()) {
      key = "parentIntValues";
      values.push_back(value.AsInteger());
    } else {
      values.push_back(value.AsDouble());
    }
  }
  param[key] = std::move(values);
}

std::optional<ParentCondition> ReadCondition(const json& param) {
  if (!param.contains("parentParameter")) return std::nullopt;
  ParentCondition condition;
  condition.parent = param.at("parentParameter").get<std::string>();
  if (param.contains("parentCategoricalValues")) {
    for (const auto& v : param.at("parentCategoricalValues"))
      condition.values.emplace_back(v.get<std::string>());
  } else if (param.contains("parentIntValues")) {
    for (const auto& v : param.at("parentIntValues"))
      condition.values.emplace_back(v.get<std::int64_t>());
  } else {
    for (const auto& v : param.at("parentDiscreteValues"))
      condition.values.emplace_back(v.get<double>());
  }
  return condition;
}

}  // namespace

std::string StudySpecToJson(const StudySpec& spec) {
  json params = json::array();
  for (const auto& p : spec.parameters) {
    json param = {{"parameterName", p.name}, {"type", ParameterTypeName(p.type)}};
    if (p.type == ParameterType::kDouble || p.type == ParameterType::kInteger) {
      param["minValue"] = p.min_value;
      param["maxValue"] = p.max_value;
    }
    if (p.type == ParameterType::kCategorical) param["categoricalValues"] = p.categorical_values;
    if (p.type == ParameterType::kDiscrete) param["discreteValues"] = p.discrete_values;
    if (p.type != ParameterType::kCategorical) param["scaleType"] = ScaleTypeName(p.scale);
    if (p.condition) WriteCondition(*p.condition, param);
    params.push_back(std::move(param));
  }
  json out = {{"goal", GoalName(spec.goal)},
              {"hyperparameterMetricTag", spec.metric_tag},
              {"maxTrials", spec.max_trials},
              {"maxParallelTrials", spec.max_parallel_trials},
              {"maxFailedTrials", spec.max_failed_trials},
              {"enableTrialEarlyStopping", spec.enable_early_stopping},
              {"resumePreviousJobId", spec.resume_previous_job_id},
              {"algorithm", AlgorithmName(spec.algorithm)},
              {"params", std::move(params)},
              {"measurementSelection", MeasurementSelectionName(spec.measurement_selection)},
              {"seed", spec.seed ? json(*spec.seed) : json(nullptr)}};
  // Written only when set, so that a spec of before early-stopping rules reads the same.
  if (!(spec.early_stopping == EarlyStoppingSpec{})) {
    const EarlyStoppingSpec& e = spec.early_stopping;
    out["earlyStopping"] = {{"rule", EarlyStoppingRuleName(e.rule)},
                            {"minStep", e.min_step},
                            {"maxStep", e.max_step},
                            {"reductionFactor", e.reduction_factor},
                            {"brackets", e.brackets}};
  }
  // Written only for several objectives, so that a spec of one reads as before.
  if (!spec.metrics.empty()) {
    json metrics = json::array();
    for (const MetricSpec& m : spec.metrics)
      metrics.push_back({{"metricId", m.metric_id}, {"goal", GoalName(m.goal)}});
    out["metrics"] = std::move(metrics);
  }
  return out.dump();
}

StudySpec StudySpecFromJson(std::string_view text) {
  try {
    const json in = json::parse(text);
    StudySpec spec;
    spec.goal = ParseOrThrow<Goal>(in.at("goal"), &ParseGoal, "goal");
    spec.metric_tag = in.at("hyperparameterMetricTag").get<std::string>();
    spec.max_trials = in.at("maxTrials").get<int>();
    spec.max_parallel_trials = in.at("maxParallelTrials").get<int>();
    spec.max_failed_trials = in.at("maxFailedTrials").get<int>();
    spec.enable_early_stopping = in.at("enableTrialEarlyStopping").get<bool>();
    spec.resume_previous_job_id = in.at("resumePreviousJobId").get<std::string>();
    spec.algorithm = ParseOrThrow<Algorithm>(in.at("algorithm"), &ParseAlgorithm, "algorithm");
    spec.measurement_selection = ParseOrThrow<MeasurementSelection>(
        in.at("measurementSelection"), &ParseMeasurementSelection, "measurementSelection");
    if (const json& seed = in.at("seed"); !seed.is_null()) spec.seed = seed.get<std::uint64_t>();
    if (in.contains("earlyStopping")) {
      const json& e = in.at("earlyStopping");
      spec.early_stopping.rule =
          ParseOrThrow<EarlyStoppingRule>(e.at("rule"), &ParseEarlyStoppingRule, "rule");
      spec.early_stopping.min_step = e.at("minStep").get<std::int64_t>();
      spec.early_stopping.max_step = e.at("maxStep").get<std::int64_t>();
      spec.early_stopping.reduction_factor = e.at("reductionFactor").get<int>();
      spec.early_stopping.brackets = e.at("brackets").get<int>();
    }
    if (in.contains("metrics")) {
      for (const json& m : in.at("metrics")) {
        spec.metrics.push_back({m.at("metricId").get<std::string>(),
                                ParseOrThrow<Goal>(m.at("goal"), &ParseGoal, "goal")});
      }
    }
    for (const auto& p : in.at("params")) {
      ParameterSpec param;
      param.name = p.at("parameterName").get<std::string>();
      param.type = ParseOrThrow<ParameterType>(p.at("type"), &ParseParameterType, "type");
      if (p.contains("minValue")) param.min_value = p.at("minValue").get<double>();
      if (p.contains("maxValue")) param.max_value = p.at("maxValue").get<double>();
      if (p.contains("categoricalValues")) {
        param.categorical_values = p.at("categoricalValues").get<std::vector<std::string>>();
      }
      if (p.contains("discreteValues")) {
        param.discrete_values = p.at("discreteValues").get<std::vector<double>>();
      }
      if (p.contains("scaleType")) {
        param.scale = ParseOrThrow<ScaleType>(p.at("scaleType"), &ParseScaleType, "scaleType");
      }
      param.condition = ReadCondition(p);
      spec.parameters.push_back(std::move(param));
    }
    return spec;
  } catch (const json::exception& e) {
    throw InvalidArgument(std::string("study spec JSON is not valid: ") + e.what());
  }
}

}  // namespace bayestune
