#include "bayestune/store/study_json_export.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "bayestune/optimizer/conditional_parameters.h"
#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/spec_file/tuning_config_loader.h"
#include "bayestune/store/trial_rung.h"
#include "time_format.h"

namespace bayestune {
namespace {

using Json = nlohmann::ordered_json;

// A double as proto3's JSON mapping writes it.
Json Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

// An INTEGER parameter's bound as an integer ("minValue": 1, not 1.0) when it is one.
Json Bound(const ParameterSpec& parameter, double value) {
  if (parameter.type == ParameterType::kInteger && std::nearbyint(value) == value &&
      std::abs(value) < 9.2e18) {
    return static_cast<std::int64_t>(value);
  }
  return Number(value);
}

// A HyperparameterMetric: {trainingStep (int64, so a string), objectiveValue}.
Json HyperparameterMetric(std::int64_t step, double value) {
  return Json{{"trainingStep", std::to_string(step)}, {"objectiveValue", Number(value)}};
}

// AI Platform's ParameterSpec.
Json ParameterSpecJson(const ParameterSpec& parameter) {
  Json out = {{"parameterName", parameter.name}, {"type", ParameterTypeName(parameter.type)}};
  switch (parameter.type) {
    case ParameterType::kDouble:
    case ParameterType::kInteger:
      out["minValue"] = Bound(parameter, parameter.min_value);
      out["maxValue"] = Bound(parameter, parameter.max_value);
      break;
    case ParameterType::kCategorical:
      out["categoricalValues"] = parameter.categorical_values;
      break;
    case ParameterType::kDiscrete: {
      Json values = Json::array();
      for (double value : parameter.discrete_values)
        values.push_back(Number(value));
      out["discreteValues"] = std::move(values);
      break;
    }
  }
  if (parameter.type != ParameterType::kCategorical) {
    out["scaleType"] = ScaleTypeName(parameter.scale);
  }
  return out;
}

// parameters[index] with its conditional parameters nested under it as in tuning.yaml (Vertex
// AI's conditionalParameterSpecs: parameterSpec and parent*Values {values: [...]}).
Json ParameterTreeJson(const std::vector<ParameterSpec>& parameters, std::size_t index) {
  Json out = ParameterSpecJson(parameters[index]);
  Json children = Json::array();
  for (std::size_t c = index + 1; c < parameters.size(); ++c) {
    const auto& condition = parameters[c].condition;
    if (!condition || condition->parent != parameters[index].name) continue;
    Json values = Json::array();
    for (const ParameterValue& value : condition->values) {
      if (value.IsString()) {
        values.push_back(value.AsString());
      } else if (value.IsInteger()) {
        values.push_back(value.AsInteger());
      } else {
        values.push_back(Number(value.AsDouble()));
      }
    }
    Json child = {{"parameterSpec", ParameterTreeJson(parameters, c)}};
    child[std::string(ParentValuesKey(parameters[index].type))] = {{"values", std::move(values)}};
    children.push_back(std::move(child));
  }
  if (!children.empty()) out["conditionalParameterSpecs"] = std::move(children);
  return out;
}

// AI Platform's HyperparameterSpec: the study's trainingInput.hyperparameters, with exactly its
// fields (bayestune's measurementSelection and seed go to the job's "bayestune" object).
// Conditional parameters are nested under their parents, as tuning.yaml gives them.
Json HyperparameterSpecJson(const StudySpec& spec) {
  Json params = Json::array();
  for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
    if (!spec.parameters[i].condition) params.push_back(ParameterTreeJson(spec.parameters, i));
  }
  Json out = {{"goal", GoalName(spec.goal)},
              {"hyperparameterMetricTag", spec.metric_tag},
              {"maxTrials", spec.max_trials},
              {"maxParallelTrials", spec.max_parallel_trials},
              {"maxFailedTrials", spec.max_failed_trials},
              {"enableTrialEarlyStopping", spec.enable_early_stopping},
              {"algorithm", AlgorithmName(spec.algorithm)},
              {"params", std::move(params)}};
  if (!spec.resume_previous_job_id.empty()) {
    out["resumePreviousJobId"] = spec.resume_previous_job_id;
  }
  // Vertex AI's form of several objectives (metrics[0] is hyperparameterMetricTag and goal).
  if (IsMultiObjective(spec)) {
    Json metrics = Json::array();
    for (const MetricSpec& m : spec.metrics)
      metrics.push_back(Json{{"metricId", m.metric_id}, {"goal", GoalName(m.goal)}});
    out["metrics"] = std::move(metrics);
  }
  return out;
}

// trainingInput.args of the tuning.yaml the study was created from; none when it was created
// from a spec built in code. Read from the stored text, which the export never rejects: a text
// that no longer loads cleanly still gives its args when that list itself reads.
std::vector<std::string> TrainingArgs(const StudyRecord& study) {
  if (study.spec_text.empty()) return {};
  return ParseTuningConfig(study.spec_text, "the stored tuning.yaml of study '" + study.name + "'")
      .config.runner.args;
}

// The state of a trial as a HyperparameterOutput's state (AI Platform's job State enum):
// a queued trial is QUEUED; one that runs, or was asked to stop early and has not yet ended, is
// RUNNING; an INFEASIBLE one (no usable objective value) FAILED.
std::string_view TrialJobState(TrialState state) {
  switch (state) {
    case TrialState::kRequested:
      return "QUEUED";
    case TrialState::kActive:
    case TrialState::kStopping:
      return "RUNNING";
    case TrialState::kSucceeded:
      return "SUCCEEDED";
    case TrialState::kFailed:
    case TrialState::kInfeasible:
      return "FAILED";
  }
  return "STATE_UNSPECIFIED";
}

Json TrialJson(const StudyRecord& study, const Trial& trial, const std::vector<Trial>& trials,
               bool pareto_optimal) {
  Json hyperparameters = Json::object();
  for (const ParameterSpec& parameter : study.spec.parameters) {
    auto value = trial.parameters.find(parameter.name);
    if (value != trial.parameters.end()) hyperparameters[parameter.name] = value->second.ToString();
  }
  Json out = {{"trialId", std::to_string(trial.id)}, {"hyperparameters", hyperparameters}};
  if (trial.start_time) out["startTime"] = FormatUtcTimestamp(*trial.start_time);
  if (trial.end_time) out["endTime"] = FormatUtcTimestamp(*trial.end_time);
  out["state"] = TrialJobState(trial.state);
  if (trial.final_value) {
    out["finalMetric"] = HyperparameterMetric(trial.final_step.value_or(0), *trial.final_value);
  }
  out["isTrialStoppedEarly"] = trial.stopped_early;
  // allMetrics and otherMetrics are the final attempt's; a rerun trial's earlier attempts keep
  // theirs under bayestune.earlierAttempts, each marked with its attempt.
  Json all_metrics = Json::array();
  Json other_metrics = Json::array();
  std::map<int, Json> earlier;  // attempt -> its measurements
  for (const Measurement& m : trial.measurements) {
    Json tagged = {{"metricTag", m.metric},
                   {"trainingStep", std::to_string(m.step)},
                   {"value", Number(m.value)}};
    if (!trial.IsCurrentAttempt(m)) {
      earlier[m.attempt].push_back(std::move(tagged));
    } else if (m.metric == study.spec.metric_tag) {
      all_metrics.push_back(HyperparameterMetric(m.step, m.value));
    } else {
      other_metrics.push_back(std::move(tagged));
    }
  }
  out["allMetrics"] = std::move(all_metrics);
  Json own = {{"state", TrialStateName(trial.state)}};
  if (!trial.failure_reason.empty()) own["failureReason"] = trial.failure_reason;
  if (!other_metrics.empty()) own["otherMetrics"] = std::move(other_metrics);
  if (trial.attempt > 1) own["attempt"] = trial.attempt;
  if (!earlier.empty()) {
    Json attempts = Json::array();
    for (auto& [attempt, metrics] : earlier)
      attempts.push_back(Json{{"attempt", attempt}, {"metrics", std::move(metrics)}});
    own["earlierAttempts"] = std::move(attempts);
  }
  // The Slurm job of each attempt, when the trial ran under the Slurm launcher.
  if (!trial.jobs.empty()) {
    Json jobs = Json::array();
    for (const TrialJob& job : trial.jobs)
      jobs.push_back(Json{{"attempt", job.attempt}, {"jobId", job.job_id}});
    own["slurmJobs"] = std::move(jobs);
  }
  // A multi-objective study: the value of each objective, and whether the trial is on the Pareto
  // front.
  if (IsMultiObjective(study.spec) && trial.state == TrialState::kSucceeded) {
    Json final_metrics = Json::array();
    for (std::size_t k = 0; k < study.spec.metrics.size() && k < trial.final_values.size(); ++k) {
      final_metrics.push_back(Json{{"metricTag", study.spec.metrics[k].metric_id},
                                   {"value", Number(trial.final_values[k])}});
    }
    own["finalMetrics"] = std::move(final_metrics);
    own["paretoOptimal"] = pareto_optimal;
  }
  // The ASHA rung the trial reached (where it was stopped, when it was).
  if (const std::string rung = TrialRungText(trial, trials, study.spec); !rung.empty()) {
    own["rung"] = rung;
  }
  out["bayestune"] = std::move(own);
  return out;
}

// The job's state, times and error message, from the study and its trials.
struct JobStatus {
  std::string_view state;
  std::optional<double> start_time;  // the first trial's start
  std::optional<double> end_time;    // the last trial's end, once the job is over
  std::string error_message;
};

JobStatus JobStatusOf(const StudyRecord& study, const std::vector<Trial>& trials) {
  JobStatus status;
  int failed = 0;
  for (const Trial& trial : trials) {
    if (trial.state == TrialState::kFailed) ++failed;
    if (trial.start_time) {
      status.start_time =
          std::min(status.start_time.value_or(*trial.start_time), *trial.start_time);
    }
    if (trial.end_time) {
      status.end_time = std::max(status.end_time.value_or(*trial.end_time), *trial.end_time);
    }
  }
  if (study.state == StudyState::kActive) {
    status.state = status.start_time ? "RUNNING" : "QUEUED";
    status.end_time.reset();
    return status;
  }
  // A COMPLETED study ended on its trial count, or on its failed-trial limit (as Study decides).
  const int max_failed = study.spec.max_failed_trials > 0 ? study.spec.max_failed_trials
                                                          : DefaultMaxFailedTrials(study.spec);
  if (failed >= max_failed) {
    status.state = "FAILED";
    status.error_message =
        std::to_string(failed) + " trials failed, reaching the study's " +
        (study.spec.max_failed_trials > 0 ? "maxFailedTrials" : "default maxFailedTrials") +
        " of " + std::to_string(max_failed) +
        "; each failed trial's bayestune.failureReason says why";
  } else {
    status.state = "SUCCEEDED";
  }
  return status;
}

}  // namespace

void WriteStudyJson(std::ostream& out, const StudyRecord& study, const std::vector<Trial>& trials) {
  Json trials_json = Json::array();
  int succeeded = 0;
  std::set<std::int64_t> optimal;
  for (const Trial& trial : ParetoOptimalTrials(trials, study.spec))
    optimal.insert(trial.id);
  for (const Trial& trial : trials) {
    trials_json.push_back(TrialJson(study, trial, trials, optimal.count(trial.id) != 0));
    if (trial.state == TrialState::kSucceeded) ++succeeded;
  }
  const JobStatus status = JobStatusOf(study, trials);
  Json training_input = Json::object();
  const std::vector<std::string> args = TrainingArgs(study);
  if (!args.empty()) training_input["args"] = args;
  training_input["hyperparameters"] = HyperparameterSpecJson(study.spec);

  Json job = {{"jobId", study.name}, {"createTime", FormatUtcTimestamp(study.created_time)}};
  if (status.start_time) job["startTime"] = FormatUtcTimestamp(*status.start_time);
  if (status.end_time) job["endTime"] = FormatUtcTimestamp(*status.end_time);
  job["state"] = status.state;
  if (!status.error_message.empty()) job["errorMessage"] = status.error_message;
  job["trainingInput"] = std::move(training_input);
  job["trainingOutput"] = {{"completedTrialCount", std::to_string(succeeded)},
                           {"consumedMLUnits", 0},
                           {"trials", std::move(trials_json)},
                           {"isHyperparameterTuningJob", true},
                           {"hyperparameterMetricTag", study.spec.metric_tag}};
  job["bayestune"] = {
      {"studyState", StudyStateName(study.state)},
      {"measurementSelection", MeasurementSelectionName(study.spec.measurement_selection)},
      {"seed", study.spec.seed ? Json(std::to_string(*study.spec.seed)) : Json(nullptr)}};
  if (study.spec.early_stopping.rule == EarlyStoppingRule::kAsha) {
    const EarlyStoppingSpec& e = study.spec.early_stopping;
    job["bayestune"]["earlyStopping"] = {{"rule", EarlyStoppingRuleName(e.rule)},
                                         {"minStep", std::to_string(e.min_step)},
                                         {"maxStep", std::to_string(e.max_step)},
                                         {"reductionFactor", e.reduction_factor},
                                         {"brackets", e.brackets}};
  }
  // A failure reason may hold the raw tail of a trainer's log: replace bytes that are not UTF-8.
  out << job.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace bayestune
