#include "bayestune/store/study_json_export.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "bayestune/optimizer/study_spec_json.h"
#include "bayestune/store/utc_timestamp.h"

namespace bayestune {
namespace {

using Json = nlohmann::ordered_json;

// A double as proto3's JSON mapping writes it.
Json Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

Json ObjectiveMetric(std::int64_t step, double value) {
  return Json{{"trainingStep", std::to_string(step)}, {"objectiveValue", Number(value)}};
}

Json TrialJson(const StudyRecord& study, const Trial& trial) {
  Json hyperparameters = Json::object();
  for (const ParameterSpec& parameter : study.spec.parameters) {
    auto value = trial.parameters.find(parameter.name);
    if (value != trial.parameters.end()) hyperparameters[parameter.name] = value->second.ToString();
  }
  Json out = {{"trialId", std::to_string(trial.id)}, {"hyperparameters", hyperparameters}};
  if (trial.start_time) out["startTime"] = FormatUtcTimestamp(*trial.start_time);
  if (trial.end_time) out["endTime"] = FormatUtcTimestamp(*trial.end_time);
  out["state"] = TrialStateName(trial.state);
  if (trial.final_value) {
    out["finalMetric"] = ObjectiveMetric(trial.final_step.value_or(0), *trial.final_value);
  }
  out["isTrialStoppedEarly"] = trial.stopped_early;
  Json all_metrics = Json::array();
  Json other_metrics = Json::array();
  for (const Measurement& m : trial.measurements) {
    if (m.metric == study.spec.metric_tag) {
      all_metrics.push_back(ObjectiveMetric(m.step, m.value));
    } else {
      other_metrics.push_back(Json{{"metricTag", m.metric},
                                   {"trainingStep", std::to_string(m.step)},
                                   {"value", Number(m.value)}});
    }
  }
  out["allMetrics"] = std::move(all_metrics);
  if (!other_metrics.empty()) out["otherMetrics"] = std::move(other_metrics);
  if (!trial.failure_reason.empty()) out["failureReason"] = trial.failure_reason;
  return out;
}

}  // namespace

void WriteStudyJson(std::ostream& out, const StudyRecord& study, const std::vector<Trial>& trials) {
  Json trials_json = Json::array();
  int finished = 0;
  for (const Trial& trial : trials) {
    trials_json.push_back(TrialJson(study, trial));
    if (trial.IsFinished()) ++finished;
  }
  const Json job = {
      {"jobId", study.name},
      {"createTime", FormatUtcTimestamp(study.created_time)},
      {"state", StudyStateName(study.state)},
      {"trainingInput", {{"hyperparameters", Json::parse(StudySpecToJson(study.spec))}}},
      {"trainingOutput",
       {{"completedTrialCount", std::to_string(finished)},
        {"trials", std::move(trials_json)},
        {"isHyperparameterTuningJob", true},
        {"hyperparameterMetricTag", study.spec.metric_tag}}}};
  // A failure reason may hold the raw tail of a trainer's log: replace bytes that are not UTF-8.
  out << job.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace bayestune
