#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/parameter.h"

namespace bayestune {

enum class Goal { kMaximize, kMinimize };

// AI Platform's HyperparameterSpec.algorithm. ALGORITHM_UNSPECIFIED is the GP bandit.
enum class Algorithm { kUnspecified, kGridSearch, kRandomSearch };

// Which measurement of the metric becomes the trial's final value (Vertex AI's
// measurementSelectionType): the last one reported (highest step) or the best one.
enum class MeasurementSelection { kLast, kBest };

// Which rule stops trials early when enableTrialEarlyStopping is on (runner.earlyStopping.rule).
enum class EarlyStoppingRule { kMedian, kAsha };

// runner.earlyStopping: bayestune's own keys beside AI Platform's enableTrialEarlyStopping.
// MEDIAN (the default) needs none of the step fields. ASHA (asynchronous successive halving) has
// rungs at minStep * reductionFactor^k (k = 0, 1, ...) below maxStep; `brackets` > 1 runs
// Hyperband-style brackets, bracket b with its first rung at minStep * reductionFactor^b.
struct EarlyStoppingSpec {
  EarlyStoppingRule rule = EarlyStoppingRule::kMedian;
  std::int64_t min_step = 1;  // the first rung, in the metric's own steps
  std::int64_t max_step = 0;  // the step a trial trained to the end reaches; ASHA needs it
  int reduction_factor = 3;   // keep the top 1/reductionFactor at each rung
  int brackets = 1;

  bool operator==(const EarlyStoppingSpec&) const = default;
};

std::string_view GoalName(Goal goal);
std::string_view EarlyStoppingRuleName(EarlyStoppingRule rule);  // "MEDIAN", "ASHA"
std::optional<EarlyStoppingRule> ParseEarlyStoppingRule(std::string_view name);
std::string_view AlgorithmName(Algorithm algorithm);
std::string_view MeasurementSelectionName(MeasurementSelection selection);
std::optional<Goal> ParseGoal(std::string_view name);
std::optional<Algorithm> ParseAlgorithm(std::string_view name);
std::optional<MeasurementSelection> ParseMeasurementSelection(std::string_view name);

inline constexpr std::string_view kDefaultMetricTag = "training/hptuning/metric";

// One objective of a study: Vertex AI's MetricSpec ({metricId, goal}).
struct MetricSpec {
  std::string metric_id;
  Goal goal = Goal::kMaximize;

  bool operator==(const MetricSpec&) const = default;
};

// What the optimizer and the `Study` need: `trainingInput.hyperparameters` with AI Platform's
// defaults, plus the runner block's `measurementSelection` and `seed`.
struct StudySpec {
  Goal goal = Goal::kMaximize;
  std::string metric_tag{kDefaultMetricTag};
  int max_trials = 1;
  int max_parallel_trials = 1;
  int max_failed_trials = 0;  // 0: the service decides (see FailureLimit)
  bool enable_early_stopping = false;
  EarlyStoppingSpec early_stopping;  // which rule, when enable_early_stopping is on
  std::string resume_previous_job_id;
  Algorithm algorithm = Algorithm::kUnspecified;
  std::vector<ParameterSpec> parameters;
  MeasurementSelection measurement_selection = MeasurementSelection::kLast;
  // The seed of the designer's randomness: the same seed and history give the same suggestions.
  // nullopt: a `Study` picks a random one when it creates the study, and stores it.
  std::optional<std::uint64_t> seed;
  // The objectives of a multi-objective study (tuning.yaml's `metrics`), two or more; empty for a
  // study of one objective, which is `metric_tag` and `goal`. When not empty, metrics[0] is
  // {metric_tag, goal}, so that everything that knows one objective sees the first one.
  std::vector<MetricSpec> metrics;

  // Whether `a` is a better objective value than `b` under this goal.
  bool IsBetter(double a, double b) const { return goal == Goal::kMaximize ? a > b : a < b; }

  bool operator==(const StudySpec&) const = default;
};

// The study's objectives: spec.metrics, or {metric_tag, goal} for a study of one objective.
std::vector<MetricSpec> Objectives(const StudySpec& spec);
// Whether the study has two or more objectives (spec.metrics is not empty).
inline bool IsMultiObjective(const StudySpec& spec) {
  return !spec.metrics.empty();
}
// Whether `a` is a better value than `b` under `goal`.
inline bool IsBetterUnder(Goal goal, double a, double b) {
  return goal == Goal::kMaximize ? a > b : a < b;
}

// maxFailedTrials when the spec leaves it at 0: half of maxTrials, at least 5 (at most maxTrials).
int DefaultMaxFailedTrials(const StudySpec& spec);
// The study stops suggesting when this many of its trials failed: maxFailedTrials, or
// DefaultMaxFailedTrials when that is 0.
int FailureLimit(const StudySpec& spec);
// Where FailureLimit comes from, for messages: "maxFailedTrials" or "the default: half of
// maxTrials, at least 5".
std::string DescribeFailureLimit(const StudySpec& spec);

// Whether `after` differs from `before` only in the budgets a running study may change:
// maxTrials, maxParallelTrials and maxFailedTrials (and a seed left unset in `after`).
bool OnlyBudgetsDiffer(const StudySpec& before, const StudySpec& after);

// What differs between two specs, in tuning.yaml's names: "maxTrials 2 -> 3, params[1] (momentum)
// changed"; empty when they are equal.
std::string DescribeSpecChanges(const StudySpec& before, const StudySpec& after);

// What changed between two specs beyond the budgets, for the advice of a refusal: "the new search
// space", "the new early stopping (enableTrialEarlyStopping, runner.earlyStopping)", "the new
// goal", ..., joined with " and "; "the changed settings" when only budgets differ.
std::string DescribeChangedSettings(const StudySpec& before, const StudySpec& after);

// How a runner starts its trials (runner.launcher).
enum class LauncherKind {
  kLocal,  // as processes of this machine, on its GPUs
  kSlurm,  // as Slurm jobs, one per trial attempt (docs/slurm.md)
};

// "local", "slurm".
std::string_view LauncherKindName(LauncherKind kind);

// The runner.slurm block: what each trial's job asks sbatch for. Empty strings and 0 are left to
// Slurm (its defaults and the SBATCH_* variables of the environment). GPUs come from
// runner.gpusPerTrial (--gres=gpu:N).
struct SlurmSpec {
  std::string partition;                // --partition
  std::string account;                  // --account
  std::string qos;                      // --qos
  std::string time;                     // --time: "30", "2:00:00", "1-12"
  int cpus_per_trial = 0;               // --cpus-per-task
  std::string memory;                   // --mem: "16G"
  std::string constraint;               // --constraint: "a100|h100"
  std::vector<std::string> extra_args;  // passed to sbatch as written, before the script

  bool operator==(const SlurmSpec&) const = default;
};

// What only a local runner needs: the top-level `runner:` block of tuning.yaml.
struct RunnerSpec {
  std::vector<std::string> command;      // the trainer program and its fixed arguments
  std::vector<std::string> args;         // trainingInput.args: appended after `command`
  std::string job_dir;                   // where trial-<n>/ folders go; empty: the CLI's default
  std::optional<std::vector<int>> gpus;  // explicit GPU ids; nullopt: detect at start
  int gpus_per_trial = 1;                // 0: CPU-only trials
  int trials_per_gpu = 1;
  int cpu_trials = 0;  // CPU trials at once on this machine, all runs together; 0: one per CPU
  double trial_timeout_seconds = 0;        // 0: no timeout
  double stop_grace_period_seconds = 10;   // SIGTERM, then SIGKILL after this long
  std::map<std::string, std::string> env;  // extra environment for every trial
  LauncherKind launcher = LauncherKind::kLocal;
  SlurmSpec slurm;  // for launcher kSlurm

  bool operator==(const RunnerSpec&) const = default;
};

// A whole tuning.yaml.
struct TuningConfig {
  StudySpec study;
  RunnerSpec runner;
  std::string source_path;  // the file it came from ("" when parsed from text)
  std::string source_text;  // the YAML as given
};

// Why spec.resume_previous_job_id names no study among `study_names` (the studies of the
// repository the study is created in), with the closest name and the names there are; empty when
// it names one of them, or is empty. A study learns from the finished trials of that one, so a
// typo would silently start from scratch: whatever creates a study checks this first.
std::string ResumeStudyProblem(const StudySpec& spec, const std::vector<std::string>& study_names);

// The most parameters a study may have, conditional ones included. A Bayesian optimization of
// more learns nothing in maxTrials a study can afford, and 100,000 (a 4 MB CreateStudy) took the
// server 66 s to create and then minutes for each SuggestTrials, the study's lock held.
inline constexpr std::size_t kMaxStudyParameters = 1000;

// The most objectives (`metrics`) a study may have. The GP fits one model per metric at each
// suggestion (100 take about 0.3 s at 15 trials), a Pareto front in more dimensions holds
// nearly every trial, and 300,000 (a 4 MB CreateStudy) held the server for over 5 minutes.
inline constexpr std::size_t kMaxStudyMetrics = 100;

// Throws InvalidArgument unless the spec is usable by a `Study` (parameters valid and unique, at
// least one and at most kMaxStudyParameters parameters, maxTrials >= 1, ...). The YAML loader
// checks the same with file positions.
void ValidateStudySpec(const StudySpec& spec);
// A problem with one field of a block: the key ("maxStep") and what is wrong ("must be more than
// minStep (9), got 5").
struct SpecProblem {
  std::string field;
  std::string message;
};
// What is wrong with spec.metrics (a single entry, metrics[0] other than {metric_tag, goal}, an
// empty or repeated metricId, early stopping asked for several objectives); nullopt when usable.
std::optional<std::string> MetricsProblem(const StudySpec& spec);
// What is wrong with spec.early_stopping (a key of runner.earlyStopping), nullopt when it is
// usable. The MEDIAN rule takes none of the step fields, so they are not checked.
std::optional<SpecProblem> EarlyStoppingProblem(const StudySpec& spec);

}  // namespace bayestune
