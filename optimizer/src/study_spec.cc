#include "bayestune/optimizer/study_spec.h"

#include <algorithm>

#include "bayestune/optimizer/conditional_parameters.h"
#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/search_space.h"
#include "closest_match.h"

namespace bayestune {

std::string_view GoalName(Goal goal) {
  return goal == Goal::kMaximize ? "MAXIMIZE" : "MINIMIZE";
}

std::string_view EarlyStoppingRuleName(EarlyStoppingRule rule) {
  return rule == EarlyStoppingRule::kAsha ? "ASHA" : "MEDIAN";
}

std::optional<EarlyStoppingRule> ParseEarlyStoppingRule(std::string_view name) {
  if (name == "MEDIAN") return EarlyStoppingRule::kMedian;
  if (name == "ASHA") return EarlyStoppingRule::kAsha;
  return std::nullopt;
}

std::string_view AlgorithmName(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kUnspecified:
      return "ALGORITHM_UNSPECIFIED";
    case Algorithm::kGridSearch:
      return "GRID_SEARCH";
    case Algorithm::kRandomSearch:
      return "RANDOM_SEARCH";
  }
  return "?";
}

std::string_view MeasurementSelectionName(MeasurementSelection selection) {
  return selection == MeasurementSelection::kLast ? "LAST" : "BEST";
}

std::optional<Goal> ParseGoal(std::string_view name) {
  if (name == "MAXIMIZE") return Goal::kMaximize;
  if (name == "MINIMIZE") return Goal::kMinimize;
  return std::nullopt;
}

std::optional<Algorithm> ParseAlgorithm(std::string_view name) {
  for (auto a : {Algorithm::kUnspecified, Algorithm::kGridSearch, Algorithm::kRandomSearch}) {
    if (AlgorithmName(a) == name) return a;
  }
  return std::nullopt;
}

std::optional<MeasurementSelection> ParseMeasurementSelection(std::string_view name) {
  if (name == "LAST") return MeasurementSelection::kLast;
  if (name == "BEST") return MeasurementSelection::kBest;
  return std::nullopt;
}

std::vector<MetricSpec> Objectives(const StudySpec& spec) {
  if (!spec.metrics.empty()) return spec.metrics;
  return {MetricSpec{spec.metric_tag, spec.goal}};
}

int DefaultMaxFailedTrials(const StudySpec& spec) {
  // Half of the study, but never fewer than 5: a study where most trials fail is hopeless, while
  // a few diverged configurations are normal.
  // Half rounded up, written so that maxTrials up to INT_MAX cannot overflow.
  return std::min(spec.max_trials, std::max(5, spec.max_trials / 2 + spec.max_trials % 2));
}

int FailureLimit(const StudySpec& spec) {
  return spec.max_failed_trials > 0 ? spec.max_failed_trials : DefaultMaxFailedTrials(spec);
}

std::string DescribeFailureLimit(const StudySpec& spec) {
  return spec.max_failed_trials > 0 ? "maxFailedTrials"
                                    : "the default: half of maxTrials, at least 5";
}

bool OnlyBudgetsDiffer(const StudySpec& before, const StudySpec& after) {
  StudySpec same = after;
  same.max_trials = before.max_trials;
  same.max_parallel_trials = before.max_parallel_trials;
  same.max_failed_trials = before.max_failed_trials;
  if (!same.seed) same.seed = before.seed;
  return same == before;
}

namespace {

// "; added 'momentum', removed 'beta1'": the names one list has and the other lacks.
std::string ParameterNamesAddedAndRemoved(const std::vector<ParameterSpec>& before,
                                          const std::vector<ParameterSpec>& after) {
  const auto has = [](const std::vector<ParameterSpec>& list, const std::string& name) {
    return std::any_of(list.begin(), list.end(),
                       [&](const ParameterSpec& p) { return p.name == name; });
  };
  std::string added;
  std::string removed;
  for (const auto& p : after) {
    if (!has(before, p.name)) added += (added.empty() ? "" : ", ") + ("'" + p.name + "'");
  }
  for (const auto& p : before) {
    if (!has(after, p.name)) removed += (removed.empty() ? "" : ", ") + ("'" + p.name + "'");
  }
  std::string text;
  if (!added.empty()) text += "; added " + added;
  if (!removed.empty()) text += "; removed " + removed;
  return text;
}

// "maxValue 8 -> 9, scaleType NONE -> UNIT_LOG_SCALE": what differs between two versions of a
// parameter, field by field as tuning.yaml names them (its condition aside).
std::string ParameterFieldChanges(const ParameterSpec& a, const ParameterSpec& b) {
  std::vector<std::string> changes;
  if (a.name != b.name) changes.push_back("parameterName '" + a.name + "' -> '" + b.name + "'");
  if (a.type != b.type) {
    changes.push_back("type " + std::string(ParameterTypeName(a.type)) + " -> " +
                      std::string(ParameterTypeName(b.type)));
  }
  if (a.min_value != b.min_value) {
    changes.push_back("minValue " + FormatDouble(a.min_value) + " -> " + FormatDouble(b.min_value));
  }
  if (a.max_value != b.max_value) {
    changes.push_back("maxValue " + FormatDouble(a.max_value) + " -> " + FormatDouble(b.max_value));
  }
  const auto list = [&](const std::string& field, const auto& x, const auto& y, auto show) {
    if (x == y) return;
    if (x.size() != y.size()) {
      changes.push_back(field + " " + std::to_string(x.size()) + " -> " + std::to_string(y.size()) +
                        " values");
      return;
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i] == y[i]) continue;
      changes.push_back(field + "[" + std::to_string(i) + "] " + show(x[i]) + " -> " + show(y[i]));
      return;
    }
  };
  list("categoricalValues", a.categorical_values, b.categorical_values,
       [](const std::string& v) { return "'" + v + "'"; });
  list("discreteValues", a.discrete_values, b.discrete_values,
       [](double v) { return FormatDouble(v); });
  if (a.scale != b.scale) {
    changes.push_back("scaleType " + std::string(ScaleTypeName(a.scale)) + " -> " +
                      std::string(ScaleTypeName(b.scale)));
  }
  std::string joined;
  for (const auto& change : changes)
    joined += (joined.empty() ? "" : ", ") + change;
  return joined;
}

}  // namespace

std::string DescribeSpecChanges(const StudySpec& before, const StudySpec& after) {
  std::vector<std::string> changes;
  const auto field = [&](const std::string& name, const auto& a, const auto& b) {
    if (a != b) changes.push_back(name + " " + a + " -> " + b);
  };
  const auto text = [](auto value) { return std::to_string(value); };
  field("goal", std::string(GoalName(before.goal)), std::string(GoalName(after.goal)));
  field("hyperparameterMetricTag", "'" + before.metric_tag + "'", "'" + after.metric_tag + "'");
  const auto metrics = [](const StudySpec& spec) {
    std::string listed;
    for (const MetricSpec& m : Objectives(spec))
      listed += (listed.empty() ? "" : ", ") + m.metric_id + " " + std::string(GoalName(m.goal));
    return "[" + listed + "]";
  };
  if (before.metrics != after.metrics) field("metrics", metrics(before), metrics(after));
  field("maxTrials", text(before.max_trials), text(after.max_trials));
  field("maxParallelTrials", text(before.max_parallel_trials), text(after.max_parallel_trials));
  field("maxFailedTrials", text(before.max_failed_trials), text(after.max_failed_trials));
  field("enableTrialEarlyStopping", std::string(before.enable_early_stopping ? "true" : "false"),
        std::string(after.enable_early_stopping ? "true" : "false"));
  const auto stopping = [](const EarlyStoppingSpec& e) {
    return std::string(EarlyStoppingRuleName(e.rule)) + " minStep " + std::to_string(e.min_step) +
           " maxStep " + std::to_string(e.max_step) + " reductionFactor " +
           std::to_string(e.reduction_factor) + " brackets " + std::to_string(e.brackets);
  };
  if (!(before.early_stopping == after.early_stopping)) {
    changes.push_back("runner.earlyStopping " + stopping(before.early_stopping) + " -> " +
                      stopping(after.early_stopping));
  }
  field("resumePreviousJobId", "'" + before.resume_previous_job_id + "'",
        "'" + after.resume_previous_job_id + "'");
  field("algorithm", std::string(AlgorithmName(before.algorithm)),
        std::string(AlgorithmName(after.algorithm)));
  field("runner.measurementSelection",
        std::string(MeasurementSelectionName(before.measurement_selection)),
        std::string(MeasurementSelectionName(after.measurement_selection)));
  const auto seed = [](const std::optional<std::uint64_t>& value) {
    return value ? std::to_string(*value) : std::string("(none)");
  };
  if (after.seed) field("runner.seed", seed(before.seed), seed(after.seed));  // none: any seed
  if (before.parameters.size() != after.parameters.size()) {
    changes.push_back("params: " + text(before.parameters.size()) + " -> " +
                      text(after.parameters.size()) + " parameters" +
                      ParameterNamesAddedAndRemoved(before.parameters, after.parameters));
  } else if (HasConditions(before.parameters) || HasConditions(after.parameters)) {
    // Conditional parameters are not at params[i] of the file: name them.
    for (std::size_t i = 0; i < before.parameters.size(); ++i) {
      const ParameterSpec& a = before.parameters[i];
      const ParameterSpec& b = after.parameters[i];
      if (a == b) continue;
      if (a.condition != b.condition) {
        const auto where = [](const ParameterSpec& p) {
          return p.condition ? "when " + DescribeCondition(p) : std::string("always");
        };
        changes.push_back("parameter '" + b.name + "' " + where(a) + " -> " + where(b));
      }
      ParameterSpec without_condition = a;
      without_condition.condition = b.condition;
      if (!(without_condition == b)) {
        changes.push_back("parameter '" + b.name + "': " + ParameterFieldChanges(a, b));
      }
    }
  } else {
    for (std::size_t i = 0; i < before.parameters.size(); ++i) {
      if (!(before.parameters[i] == after.parameters[i])) {
        changes.push_back("params[" + text(i) + "] (" + after.parameters[i].name +
                          "): " + ParameterFieldChanges(before.parameters[i], after.parameters[i]));
      }
    }
  }
  std::string joined;
  for (const auto& change : changes)
    joined += (joined.empty() ? "" : ", ") + change;
  return joined;
}

std::string DescribeChangedSettings(const StudySpec& before, const StudySpec& after) {
  std::vector<std::string> changed;
  if (before.goal != after.goal) changed.push_back("the new goal");
  if (before.metric_tag != after.metric_tag || before.metrics != after.metrics) {
    changed.push_back("the new objective");
  }
  if (before.parameters != after.parameters) changed.push_back("the new search space");
  if (before.enable_early_stopping != after.enable_early_stopping ||
      !(before.early_stopping == after.early_stopping)) {
    changed.push_back("the new early stopping (enableTrialEarlyStopping, runner.earlyStopping)");
  }
  if (before.algorithm != after.algorithm) changed.push_back("the new algorithm");
  if (before.measurement_selection != after.measurement_selection) {
    changed.push_back("the new runner.measurementSelection");
  }
  if (after.seed && before.seed != after.seed) changed.push_back("the new runner.seed");
  if (before.resume_previous_job_id != after.resume_previous_job_id) {
    changed.push_back("the new resumePreviousJobId");
  }
  if (changed.empty()) return "the changed settings";
  std::string joined;
  for (std::size_t i = 0; i < changed.size(); ++i) {
    joined += (i == 0 ? "" : i + 1 == changed.size() ? " and " : ", ") + changed[i];
  }
  return joined;
}

std::string ResumeStudyProblem(const StudySpec& spec, const std::vector<std::string>& study_names) {
  const std::string& wanted = spec.resume_previous_job_id;
  if (wanted.empty() ||
      std::find(study_names.begin(), study_names.end(), wanted) != study_names.end()) {
    return "";
  }
  std::string message = "no study named '" + wanted + "' to learn from";
  if (study_names.empty())
    return message + " (there is no study yet); remove it, or check the name";
  // "...? The studies there" after a suggestion, "...; the studies there" without one (it read
  // "no study named 'three' to learn from The studies there: 'two'").
  if (auto closest = ClosestMatch(wanted, study_names)) {
    message += "; did you mean '" + *closest + "'? The studies there: ";
  } else {
    message += "; the studies there: ";
  }
  for (std::size_t i = 0; i < study_names.size(); ++i) {
    if (i == 20) {
      message += ", ... (" + std::to_string(study_names.size()) + " in all)";
      break;
    }
    message += (i == 0 ? "'" : ", '") + study_names[i] + "'";
  }
  return message;
}

void ValidateStudySpec(const StudySpec& spec) {
  if (spec.parameters.empty()) {
    throw InvalidArgument("the study has no parameters; give at least one in params");
  }
  if (spec.parameters.size() > kMaxStudyParameters) {
    throw InvalidArgument("the study has " + std::to_string(spec.parameters.size()) +
                          " parameters; a study has at most " +
                          std::to_string(kMaxStudyParameters) +
                          " (conditional ones included): tune fewer at once");
  }
  SearchSpace space(spec.parameters);  // throws for an invalid or repeated parameter
  for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (ParameterNamesCollide(spec.parameters[i].name, spec.parameters[j].name)) {
        throw InvalidArgument(
            ParameterCollisionProblem(spec.parameters[j].name, spec.parameters[i].name));
      }
    }
  }
  if (spec.max_trials < 1) {
    throw InvalidArgument("maxTrials must be at least 1, got " + std::to_string(spec.max_trials));
  }
  if (spec.max_parallel_trials < 1) {
    throw InvalidArgument("maxParallelTrials must be at least 1, got " +
                          std::to_string(spec.max_parallel_trials));
  }
  if (spec.max_failed_trials < 0) {
    throw InvalidArgument("maxFailedTrials must be 0 (the service decides) or more, got " +
                          std::to_string(spec.max_failed_trials));
  }
  if (std::string problem = MetricTagProblem(spec.metric_tag); !problem.empty()) {
    throw InvalidArgument("hyperparameterMetricTag " + problem);
  }
  if (auto problem = MetricsProblem(spec)) throw InvalidArgument(*problem);
  if (auto problem = EarlyStoppingProblem(spec)) {
    throw InvalidArgument("runner.earlyStopping." + problem->field + " " + problem->message);
  }
}

std::optional<std::string> MetricsProblem(const StudySpec& spec) {
  if (spec.metrics.empty()) return std::nullopt;
  if (spec.metrics.size() == 1) {
    return std::string(
        "metrics has one entry; a study of one objective uses hyperparameterMetricTag and goal");
  }
  if (spec.metrics.size() > kMaxStudyMetrics) {
    return "metrics has " + std::to_string(spec.metrics.size()) + " entries; a study has at most " +
           std::to_string(kMaxStudyMetrics) +
           " objectives: keep the ones to trade off, and log the others as plain scalars";
  }
  if (!(spec.metrics[0] == MetricSpec{spec.metric_tag, spec.goal})) {
    return std::string("metrics[0] must be the study's hyperparameterMetricTag and goal ('") +
           spec.metric_tag + "' " + std::string(GoalName(spec.goal)) + "), got '" +
           spec.metrics[0].metric_id + "' " + std::string(GoalName(spec.metrics[0].goal));
  }
  for (std::size_t i = 0; i < spec.metrics.size(); ++i) {
    if (std::string problem = MetricTagProblem(spec.metrics[i].metric_id); !problem.empty()) {
      return "metrics[" + std::to_string(i) + "].metricId " + problem;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (spec.metrics[i].metric_id == spec.metrics[j].metric_id) {
        return "metrics[" + std::to_string(i) + "].metricId '" + spec.metrics[i].metric_id +
               "' is already metrics[" + std::to_string(j) + "]; each metricId must be unique";
      }
    }
  }
  if (spec.enable_early_stopping) {
    return std::string(
        "enableTrialEarlyStopping is not supported for a study of several metrics: the stopping "
        "rules compare one objective; set it to false");
  }
  return std::nullopt;
}

std::optional<SpecProblem> EarlyStoppingProblem(const StudySpec& spec) {
  const EarlyStoppingSpec& e = spec.early_stopping;
  if (e.rule != EarlyStoppingRule::kAsha) return std::nullopt;
  if (!spec.enable_early_stopping) {
    return SpecProblem{"rule",
                       "is ASHA but trainingInput.hyperparameters.enableTrialEarlyStopping is "
                       "false; set it to true, or remove the earlyStopping block"};
  }
  if (e.min_step < 1) {
    return SpecProblem{"minStep", "must be at least 1, got " + std::to_string(e.min_step)};
  }
  if (e.max_step <= e.min_step) {
    return SpecProblem{"maxStep", "must be more than minStep (" + std::to_string(e.min_step) +
                                      "), got " + std::to_string(e.max_step) +
                                      "; give the step a trial trained to the end reaches"};
  }
  if (e.reduction_factor < 2) {
    return SpecProblem{"reductionFactor",
                       "must be at least 2, got " + std::to_string(e.reduction_factor)};
  }
  if (e.brackets < 1) {
    return SpecProblem{"brackets", "must be at least 1, got " + std::to_string(e.brackets)};
  }
  // Bracket b's first rung, minStep * reductionFactor^b, must stay below maxStep.
  int most = 0;
  for (long double r = static_cast<long double>(e.min_step);
       r < static_cast<long double>(e.max_step); r *= e.reduction_factor)
    ++most;
  if (e.brackets > most) {
    return SpecProblem{"brackets", "must be at most " + std::to_string(most) + ", got " +
                                       std::to_string(e.brackets) +
                                       ": bracket b starts at minStep * reductionFactor^b, which "
                                       "must stay below maxStep " +
                                       std::to_string(e.max_step)};
  }
  return std::nullopt;
}

std::string_view LauncherKindName(LauncherKind kind) {
  return kind == LauncherKind::kSlurm ? "slurm" : "local";
}

}  // namespace bayestune
