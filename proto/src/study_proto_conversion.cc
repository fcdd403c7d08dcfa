#include "study_proto_conversion.h"

#include <cctype>

#include "bayestune/optimizer/errors.h"
#include "shown_text.h"

namespace bayestune::proto {
namespace {

ParameterType ParameterTypeFromProto(v1::ParameterSpec::ParameterType type,
                                     const std::string& field) {
  switch (type) {
    case v1::ParameterSpec::DOUBLE:
      return ParameterType::kDouble;
    case v1::ParameterSpec::INTEGER:
      return ParameterType::kInteger;
    case v1::ParameterSpec::CATEGORICAL:
      return ParameterType::kCategorical;
    case v1::ParameterSpec::DISCRETE:
      return ParameterType::kDiscrete;
    default:
      throw InvalidArgument(field + ": " +
                            (type == v1::ParameterSpec::PARAMETER_TYPE_UNSPECIFIED
                                 ? std::string("not given")
                                 : "unknown value " + std::to_string(type)) +
                            "; give DOUBLE, INTEGER, CATEGORICAL or DISCRETE");
  }
}

v1::ParameterSpec::ParameterType ParameterTypeToProto(ParameterType type) {
  switch (type) {
    case ParameterType::kDouble:
      return v1::ParameterSpec::DOUBLE;
    case ParameterType::kInteger:
      return v1::ParameterSpec::INTEGER;
    case ParameterType::kCategorical:
      return v1::ParameterSpec::CATEGORICAL;
    case ParameterType::kDiscrete:
      return v1::ParameterSpec::DISCRETE;
  }
  return v1::ParameterSpec::PARAMETER_TYPE_UNSPECIFIED;
}

ScaleType ScaleTypeFromProto(v1::ParameterSpec::ScaleType scale, const std::string& field) {
  switch (scale) {
    case v1::ParameterSpec::NONE:
      return ScaleType::kNone;
    case v1::ParameterSpec::UNIT_LINEAR_SCALE:
      return ScaleType::kLinear;
    case v1::ParameterSpec::UNIT_LOG_SCALE:
      return ScaleType::kLog;
    case v1::ParameterSpec::UNIT_REVERSE_LOG_SCALE:
      return ScaleType::kReverseLog;
    default:
      throw InvalidArgument(field + ": unknown value " + std::to_string(scale) +
                            "; give NONE, UNIT_LINEAR_SCALE, UNIT_LOG_SCALE or "
                            "UNIT_REVERSE_LOG_SCALE");
  }
}

v1::ParameterSpec::ScaleType ScaleTypeToProto(ScaleType scale) {
  switch (scale) {
    case ScaleType::kNone:
      return v1::ParameterSpec::NONE;
    case ScaleType::kLinear:
      return v1::ParameterSpec::UNIT_LINEAR_SCALE;
    case ScaleType::kLog:
      return v1::ParameterSpec::UNIT_LOG_SCALE;
    case ScaleType::kReverseLog:
      return v1::ParameterSpec::UNIT_REVERSE_LOG_SCALE;
  }
  return v1::ParameterSpec::NONE;
}

int PositiveOrDefault(int value, int default_value) {
  return value == 0 ? default_value : value;
}

v1::StudyProgress::End StudyEndToProto(StudyEnd end) {
  switch (end) {
    case StudyEnd::kNone:
      return v1::StudyProgress::NOT_ENDED;
    case StudyEnd::kMaxTrials:
      return v1::StudyProgress::MAX_TRIALS;
    case StudyEnd::kFailureLimit:
      return v1::StudyProgress::FAILURE_LIMIT;
    case StudyEnd::kSpaceExhausted:
      return v1::StudyProgress::SPACE_EXHAUSTED;
  }
  return v1::StudyProgress::NOT_ENDED;
}

StudyEnd StudyEndFromProto(v1::StudyProgress::End end) {
  switch (end) {
    case v1::StudyProgress::MAX_TRIALS:
      return StudyEnd::kMaxTrials;
    case v1::StudyProgress::FAILURE_LIMIT:
      return StudyEnd::kFailureLimit;
    case v1::StudyProgress::SPACE_EXHAUSTED:
      return StudyEnd::kSpaceExhausted;
    default:
      return StudyEnd::kNone;
  }
}

}  // namespace

v1::Measurement MeasurementToProto(const Measurement& m) {
  v1::Measurement out;
  out.set_metric(m.metric);
  out.set_step(m.step);
  out.set_value(m.value);
  out.set_wall_time(m.wall_time);
  out.set_attempt(m.attempt);
  return out;
}

Measurement MeasurementFromProto(const v1::Measurement& m) {
  return Measurement{.metric = m.metric(),
                     .step = m.step(),
                     .value = m.value(),
                     .wall_time = m.wall_time(),
                     .attempt = m.attempt()};
}

v1::TrialOwner TrialOwnerToProto(const TrialOwner& owner) {
  v1::TrialOwner out;
  out.set_client_id(owner.client_id);
  out.set_attempt(owner.attempt);
  return out;
}

std::optional<TrialOwner> TrialOwnerFromProto(const v1::TrialOwner& message) {
  if (message.attempt() == 0 && message.client_id().empty()) return std::nullopt;
  if (message.attempt() < 1) {
    throw InvalidArgument("owner.attempt: attempts start at 1, got " +
                          std::to_string(message.attempt()) +
                          "; give the trial's attempt with its client_id, or neither");
  }
  return TrialOwner{message.client_id(), message.attempt()};
}

StudyProgress StudyProgressFromProto(const v1::StudyProgress& p) {
  StudyProgress out;
  out.requested = p.requested();
  out.active = p.active();
  out.succeeded = p.succeeded();
  out.failed = p.failed();
  out.infeasible = p.infeasible();
  out.stopped_early = p.stopped_early();
  out.max_trials = p.max_trials();
  out.failure_limit = p.failure_limit();
  if (p.capacity() > 0) out.capacity = p.capacity();  // 0: no limit below max_trials
  out.end = StudyEndFromProto(p.end());
  return out;
}

v1::StudySpec StudySpecToProto(const StudySpec& spec) {
  v1::StudySpec out;
  out.set_goal(spec.goal == Goal::kMaximize ? v1::StudySpec::MAXIMIZE : v1::StudySpec::MINIMIZE);
  out.set_hyperparameter_metric_tag(spec.metric_tag);
  out.set_max_trials(spec.max_trials);
  out.set_max_parallel_trials(spec.max_parallel_trials);
  out.set_max_failed_trials(spec.max_failed_trials);
  out.set_enable_trial_early_stopping(spec.enable_early_stopping);
  out.set_resume_previous_job_id(spec.resume_previous_job_id);
  switch (spec.algorithm) {
    case Algorithm::kUnspecified:
      out.set_algorithm(v1::StudySpec::ALGORITHM_UNSPECIFIED);
      break;
    case Algorithm::kGridSearch:
      out.set_algorithm(v1::StudySpec::GRID_SEARCH);
      break;
    case Algorithm::kRandomSearch:
      out.set_algorithm(v1::StudySpec::RANDOM_SEARCH);
      break;
  }
  for (const ParameterSpec& p : spec.parameters) {
    v1::ParameterSpec* param = out.add_params();
    param->set_parameter_name(p.name);
    param->set_type(ParameterTypeToProto(p.type));
    param->set_min_value(p.min_value);
    param->set_max_value(p.max_value);
    for (const auto& v : p.categorical_values)
      param->add_categorical_values(v);
    for (double v : p.discrete_values)
      param->add_discrete_values(v);
    param->set_scale_type(ScaleTypeToProto(p.scale));
    if (p.condition) {
      v1::ParentCondition* condition = param->mutable_condition();
      condition->set_parent_name(p.condition->parent);
      for (const ParameterValue& v : p.condition->values) {
        if (v.IsString()) {
          condition->add_parent_categorical_values(v.AsString());
        } else if (v.IsInteger()) {
          condition->add_parent_int_values(v.AsInteger());
        } else {
          condition->add_parent_discrete_values(v.AsDouble());
        }
      }
    }
  }
  out.set_measurement_selection(spec.measurement_selection == MeasurementSelection::kLast
                                    ? v1::StudySpec::LAST_MEASUREMENT
                                    : v1::StudySpec::BEST_MEASUREMENT);
  if (spec.seed) out.set_seed(*spec.seed);
  if (!(spec.early_stopping == EarlyStoppingSpec{})) {
    v1::EarlyStopping* e = out.mutable_early_stopping();
    e->set_rule(spec.early_stopping.rule == EarlyStoppingRule::kAsha ? v1::EarlyStopping::ASHA
                                                                     : v1::EarlyStopping::MEDIAN);
    e->set_min_step(spec.early_stopping.min_step);
    e->set_max_step(spec.early_stopping.max_step);
    e->set_reduction_factor(spec.early_stopping.reduction_factor);
    e->set_brackets(spec.early_stopping.brackets);
  }
  for (const MetricSpec& m : spec.metrics) {
    v1::MetricSpec* metric = out.add_metrics();
    metric->set_metric_id(m.metric_id);
    metric->set_goal(m.goal == Goal::kMaximize ? v1::StudySpec::MAXIMIZE : v1::StudySpec::MINIMIZE);
  }
  return out;
}

namespace {

// spec.metrics of a message: one entry is the same as hyperparameter_metric_tag and goal, two or
// more a multi-objective study; either way hyperparameter_metric_tag and goal must be unset or
// equal to the first entry.
void ReadMetrics(const v1::StudySpec& message, StudySpec& spec) {
  if (message.metrics_size() == 0) return;
  std::vector<MetricSpec> metrics;
  for (int i = 0; i < message.metrics_size(); ++i) {
    const v1::MetricSpec& m = message.metrics(i);
    const std::string field = "spec.metrics[" + std::to_string(i) + "]";
    MetricSpec metric{m.metric_id(), Goal::kMaximize};
    switch (m.goal()) {
      case v1::StudySpec::GOAL_TYPE_UNSPECIFIED:
      case v1::StudySpec::MAXIMIZE:
        break;
      case v1::StudySpec::MINIMIZE:
        metric.goal = Goal::kMinimize;
        break;
      default:
        throw InvalidArgument(field + ".goal: unknown value " + std::to_string(m.goal()) +
                              "; give MAXIMIZE or MINIMIZE");
    }
    if (metric.metric_id.empty()) throw InvalidArgument(field + ".metric_id: must not be empty");
    metrics.push_back(std::move(metric));
  }
  if (!message.hyperparameter_metric_tag().empty() &&
      message.hyperparameter_metric_tag() != metrics[0].metric_id) {
    throw InvalidArgument("spec.hyperparameter_metric_tag: '" +
                          message.hyperparameter_metric_tag() +
                          "' is given with spec.metrics, whose first metric is '" +
                          metrics[0].metric_id + "'; leave it empty, or give one of the two");
  }
  if (message.goal() != v1::StudySpec::GOAL_TYPE_UNSPECIFIED && spec.goal != metrics[0].goal) {
    throw InvalidArgument(
        "spec.goal: differs from the goal of spec.metrics[0]; leave it unspecified with metrics");
  }
  spec.metric_tag = metrics[0].metric_id;
  spec.goal = metrics[0].goal;
  if (metrics.size() >= 2) spec.metrics = std::move(metrics);
}

// A parameter's condition; ValidateStudySpec checks it against the parent (ConditionProblem).
ParentCondition ParentConditionFromProto(const v1::ParentCondition& message,
                                         const std::string& field) {
  ParentCondition condition;
  condition.parent = message.parent_name();
  const int kinds = (message.parent_categorical_values_size() > 0 ? 1 : 0) +
                    (message.parent_int_values_size() > 0 ? 1 : 0) +
                    (message.parent_discrete_values_size() > 0 ? 1 : 0);
  if (kinds != 1) {
    throw InvalidArgument(field + ".condition: give the values of parent '" +
                          message.parent_name() +
                          "' in exactly one of parent_categorical_values (a CATEGORICAL parent), "
                          "parent_int_values (INTEGER), parent_discrete_values (DISCRETE)" +
                          (kinds == 0 ? std::string("; none is given") : "; several are given"));
  }
  for (const auto& v : message.parent_categorical_values())
    condition.values.emplace_back(v);
  for (std::int64_t v : message.parent_int_values())
    condition.values.emplace_back(v);
  for (double v : message.parent_discrete_values())
    condition.values.emplace_back(v);
  return condition;
}

}  // namespace

StudySpec StudySpecFromProto(const v1::StudySpec& message) {
  StudySpec spec;
  switch (message.goal()) {
    case v1::StudySpec::GOAL_TYPE_UNSPECIFIED:
    case v1::StudySpec::MAXIMIZE:
      spec.goal = Goal::kMaximize;
      break;
    case v1::StudySpec::MINIMIZE:
      spec.goal = Goal::kMinimize;
      break;
    default:
      throw InvalidArgument("spec.goal: unknown value " + std::to_string(message.goal()) +
                            "; give MAXIMIZE or MINIMIZE");
  }
  if (!message.hyperparameter_metric_tag().empty()) {
    spec.metric_tag = message.hyperparameter_metric_tag();
  }
  ReadMetrics(message, spec);
  spec.max_trials = PositiveOrDefault(message.max_trials(), 1);
  spec.max_parallel_trials = PositiveOrDefault(message.max_parallel_trials(), 1);
  spec.max_failed_trials = message.max_failed_trials();
  spec.enable_early_stopping = message.enable_trial_early_stopping();
  spec.resume_previous_job_id = message.resume_previous_job_id();
  switch (message.algorithm()) {
    case v1::StudySpec::ALGORITHM_UNSPECIFIED:
      spec.algorithm = Algorithm::kUnspecified;
      break;
    case v1::StudySpec::GRID_SEARCH:
      spec.algorithm = Algorithm::kGridSearch;
      break;
    case v1::StudySpec::RANDOM_SEARCH:
      spec.algorithm = Algorithm::kRandomSearch;
      break;
    default:
      throw InvalidArgument("spec.algorithm: unknown value " + std::to_string(message.algorithm()) +
                            "; give ALGORITHM_UNSPECIFIED, GRID_SEARCH or RANDOM_SEARCH");
  }
  for (int i = 0; i < message.params_size(); ++i) {
    const v1::ParameterSpec& p = message.params(i);
    const std::string field = "spec.params[" + std::to_string(i) + "]";
    ParameterSpec param;
    param.name = p.parameter_name();
    param.type = ParameterTypeFromProto(p.type(), field + ".type");
    param.min_value = p.min_value();
    param.max_value = p.max_value();
    param.categorical_values.assign(p.categorical_values().begin(), p.categorical_values().end());
    param.discrete_values.assign(p.discrete_values().begin(), p.discrete_values().end());
    param.scale = ScaleTypeFromProto(p.scale_type(), field + ".scale_type");
    if (const std::string problem = ValidateParameterSpec(param); !problem.empty()) {
      throw InvalidArgument(field + ": " + problem);
    }
    if (p.has_condition()) param.condition = ParentConditionFromProto(p.condition(), field);
    spec.parameters.push_back(std::move(param));
  }
  switch (message.measurement_selection()) {
    case v1::StudySpec::LAST_MEASUREMENT:
      spec.measurement_selection = MeasurementSelection::kLast;
      break;
    case v1::StudySpec::BEST_MEASUREMENT:
      spec.measurement_selection = MeasurementSelection::kBest;
      break;
    default:
      throw InvalidArgument("spec.measurement_selection: unknown value " +
                            std::to_string(message.measurement_selection()) +
                            "; give LAST_MEASUREMENT or BEST_MEASUREMENT");
  }
  if (message.seed_present_case() == v1::StudySpec::kSeed) spec.seed = message.seed();
  if (message.has_early_stopping()) {
    const v1::EarlyStopping& e = message.early_stopping();
    switch (e.rule()) {
      case v1::EarlyStopping::MEDIAN:
        spec.early_stopping.rule = EarlyStoppingRule::kMedian;
        break;
      case v1::EarlyStopping::ASHA:
        spec.early_stopping.rule = EarlyStoppingRule::kAsha;
        break;
      default:
        throw InvalidArgument("spec.early_stopping.rule: unknown value " +
                              std::to_string(e.rule()) + "; give MEDIAN or ASHA");
    }
    if (e.min_step() != 0) spec.early_stopping.min_step = e.min_step();
    spec.early_stopping.max_step = e.max_step();
    if (e.reduction_factor() != 0) spec.early_stopping.reduction_factor = e.reduction_factor();
    if (e.brackets() != 0) spec.early_stopping.brackets = e.brackets();
    // Named as the message names them: spec.early_stopping.max_step, ...
    if (auto problem = EarlyStoppingProblem(spec)) {
      std::string field;
      for (char c : problem->field) {
        if (std::isupper(static_cast<unsigned char>(c))) {
          field += '_';
          field += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else {
          field += c;
        }
      }
      std::string message_text = problem->message;
      for (auto [yaml, proto] :
           {std::pair<std::string, std::string>{"minStep", "min_step"}, {"maxStep", "max_step"}}) {
        for (auto at = message_text.find(yaml); at != std::string::npos;
             at = message_text.find(yaml))
          message_text.replace(at, yaml.size(), proto);
      }
      if (problem->field == "rule") {
        message_text = "is ASHA but spec.enable_trial_early_stopping is false; set it to true";
      }
      throw InvalidArgument("spec.early_stopping." + field + " " + message_text);
    }
  }
  try {
    ValidateStudySpec(spec);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("spec: ") + e.what());
  }
  return spec;
}

v1::Study StudyToProto(const StudyRecord& record, const StudyProgress& progress) {
  v1::Study out;
  out.set_name(record.name);
  *out.mutable_spec() = StudySpecToProto(record.spec);
  out.set_tuning_yaml(ValidUtf8(record.spec_text));  // as a trial's text (TrialToProto)
  // The state follows the trials: COMPLETED exactly when the progress says the study ended.
  out.set_state(progress.done() ? v1::Study::COMPLETED : v1::Study::ACTIVE);
  out.set_create_time(record.created_time);
  v1::StudyProgress* p = out.mutable_progress();
  p->set_requested(progress.requested);
  p->set_active(progress.active);
  p->set_succeeded(progress.succeeded);
  p->set_failed(progress.failed);
  p->set_infeasible(progress.infeasible);
  p->set_stopped_early(progress.stopped_early);
  p->set_max_trials(progress.max_trials);
  p->set_failure_limit(progress.failure_limit);
  p->set_end(StudyEndToProto(progress.end));
  if (progress.capacity) p->set_capacity(*progress.capacity);
  return out;
}

v1::Trial::State TrialStateToProto(TrialState state) {
  switch (state) {
    case TrialState::kRequested:
      return v1::Trial::REQUESTED;
    case TrialState::kActive:
      return v1::Trial::ACTIVE;
    case TrialState::kStopping:
      return v1::Trial::STOPPING;
    case TrialState::kSucceeded:
      return v1::Trial::SUCCEEDED;
    case TrialState::kFailed:
      return v1::Trial::FAILED;
    case TrialState::kInfeasible:
      return v1::Trial::INFEASIBLE;
  }
  return v1::Trial::STATE_UNSPECIFIED;
}

TrialState TrialStateFromProto(v1::Trial::State state) {
  switch (state) {
    case v1::Trial::REQUESTED:
      return TrialState::kRequested;
    case v1::Trial::ACTIVE:
      return TrialState::kActive;
    case v1::Trial::STOPPING:
      return TrialState::kStopping;
    case v1::Trial::SUCCEEDED:
      return TrialState::kSucceeded;
    case v1::Trial::FAILED:
      return TrialState::kFailed;
    case v1::Trial::INFEASIBLE:
      return TrialState::kInfeasible;
    default:
      throw InvalidArgument("trial.state: unknown value " + std::to_string(state));
  }
}

v1::Trial TrialToProto(const Trial& trial, const std::string& study, const StudySpec& spec) {
  v1::Trial out;
  out.set_id(trial.id);
  out.set_study(study);
  out.set_state(TrialStateToProto(trial.state));
  for (const auto& [name, value] : trial.parameters) {
    v1::Parameter* p = out.add_parameters();
    p->set_name(name);
    if (value.IsString()) {
      p->set_string_value(value.AsString());
    } else if (value.IsInteger()) {
      p->set_int64_value(value.AsInteger());
    } else {
      p->set_double_value(value.AsDouble());
    }
  }
  // Text as stored, where a writer (an embedder's Study, an older version) may have left bytes
  // that are not UTF-8: protobuf sends them, but the client cannot parse the answer (gRPC's
  // "UNIMPLEMENTED: No message returned"), so no ListTrials of the study could be read. Each such
  // byte is sent as U+FFFD, as the CSV and JSON exports write it.
  out.set_client_id(ValidUtf8(trial.client_id));
  for (int gpu : trial.gpus)
    out.add_gpus(gpu);
  out.set_attempt(trial.attempt);
  out.set_start_time(trial.start_time.value_or(0));
  out.set_end_time(trial.end_time.value_or(0));
  if (trial.final_value) {
    v1::Measurement* final = out.mutable_final_measurement();
    final->set_metric(spec.metric_tag);
    final->set_step(trial.final_step.value_or(0));
    final->set_value(*trial.final_value);
    final->set_wall_time(trial.end_time.value_or(0));
  }
  for (std::size_t k = 0; k < trial.final_values.size() && k < spec.metrics.size(); ++k) {
    v1::Measurement* final = out.add_final_measurements();
    final->set_metric(spec.metrics[k].metric_id);
    final->set_step(trial.final_step.value_or(0));
    final->set_value(trial.final_values[k]);
    final->set_wall_time(trial.end_time.value_or(0));
  }
  out.set_failure_reason(ValidUtf8(trial.failure_reason));
  out.set_stopped_early(trial.stopped_early);
  out.set_stop_rung(ValidUtf8(trial.stop_rung));
  for (const Measurement& m : trial.measurements) {
    v1::Measurement* measurement = out.add_measurements();
    *measurement = MeasurementToProto(m);
    measurement->set_metric(ValidUtf8(m.metric));
  }
  return out;
}

Trial TrialFromProto(const v1::Trial& message) {
  Trial trial;
  trial.id = message.id();
  trial.state = TrialStateFromProto(message.state());
  for (const v1::Parameter& p : message.parameters()) {
    switch (p.value_case()) {
      case v1::Parameter::kDoubleValue:
        trial.parameters[p.name()] = p.double_value();
        break;
      case v1::Parameter::kInt64Value:
        trial.parameters[p.name()] = static_cast<std::int64_t>(p.int64_value());
        break;
      case v1::Parameter::kStringValue:
        trial.parameters[p.name()] = p.string_value();
        break;
      case v1::Parameter::VALUE_NOT_SET:
        throw InvalidArgument("trial.parameters['" + p.name() + "']: no value");
    }
  }
  trial.client_id = message.client_id();
  trial.gpus.assign(message.gpus().begin(), message.gpus().end());
  trial.attempt = message.attempt();
  if (message.start_time() != 0) trial.start_time = message.start_time();
  if (message.end_time() != 0) trial.end_time = message.end_time();
  if (message.has_final_measurement()) {
    trial.final_value = message.final_measurement().value();
    trial.final_step = message.final_measurement().step();
  }
  for (const v1::Measurement& m : message.final_measurements())
    trial.final_values.push_back(m.value());
  trial.failure_reason = message.failure_reason();
  trial.stopped_early = message.stopped_early();
  trial.stop_rung = message.stop_rung();
  for (const v1::Measurement& m : message.measurements()) {
    trial.measurements.push_back(MeasurementFromProto(m));
  }
  return trial;
}

}  // namespace bayestune::proto
