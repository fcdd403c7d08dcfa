#include "report_test_studies.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "scale_transform.h"

namespace bayestune::testing {

namespace {

constexpr double kStart = 1714557600;  // 2024-05-01T10:00:00Z
constexpr int kSteps = 20;

// A standard normal draw (Box-Muller), the same on every standard library.
double Normal(std::mt19937_64& rng) {
  const double u1 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
  const double u2 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

StudySpec DemoSpec(int max_trials) {
  StudySpec spec;
  spec.goal = Goal::kMaximize;
  spec.metric_tag = "accuracy";
  spec.max_trials = max_trials;
  spec.max_parallel_trials = 4;
  spec.max_failed_trials = max_trials;
  spec.enable_early_stopping = true;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.seed = 7;
  spec.parameters = {ParameterSpec::Double("learning_rate", 1e-5, 1e-1, ScaleType::kLog),
                     ParameterSpec::Double("momentum", 0.5, 0.999, ScaleType::kReverseLog),
                     ParameterSpec::Integer("layers", 1, 8),
                     ParameterSpec::Categorical("optimizer", {"adam", "sgd", "rmsprop"}),
                     ParameterSpec::Discrete("dropout", {0.1, 0.25, 0.5})};
  return spec;
}

// The simulated final accuracy of a trial: best near learning_rate 1e-3, 4 layers, adam.
double SimulatedAccuracy(const ParameterValues& p, std::mt19937_64& rng) {
  const double lr = std::log10(p.at("learning_rate").AsDouble()) + 3;
  const double layers = p.at("layers").AsDouble();
  const std::string& optimizer = p.at("optimizer").AsString();
  const double dropout = p.at("dropout").AsDouble();
  const double momentum = p.at("momentum").AsDouble();
  double accuracy = 0.96 - 0.09 * lr * lr - 0.012 * std::abs(layers - 4) -
                    (optimizer == "sgd"       ? 0.06
                     : optimizer == "rmsprop" ? 0.02
                                              : 0.0) -
                    0.15 * (dropout - 0.25) * (dropout - 0.25) - 0.04 * (1 - momentum) +
                    0.006 * Normal(rng);
  return std::clamp(accuracy, 0.1, 0.995);
}

double AccuracyAt(double final_accuracy, int step, std::mt19937_64& rng) {
  return final_accuracy * (1 - 0.9 * std::exp(-step / 4.0)) + 0.004 * Normal(rng);
}

// Where and when trials run: three GPUs and the CPU, each busy until its last trial ends.
class SimulatedCluster {
 public:
  double StartOn(const std::vector<int>& gpus) {
    double start = kStart;
    if (gpus.empty()) start = std::max(start, cpu_free_);
    for (int g : gpus)
      start = std::max(start, gpu_free_[g]);
    return start;
  }
  void Occupy(const std::vector<int>& gpus, double until) {
    if (gpus.empty()) cpu_free_ = until;
    for (int g : gpus)
      gpu_free_[g] = until;
  }
  // The GPU that is free first.
  int FreestGpu() const {
    return static_cast<int>(std::min_element(gpu_free_, gpu_free_ + 3) - gpu_free_);
  }

 private:
  double gpu_free_[3] = {kStart, kStart, kStart};
  double cpu_free_ = kStart;
};

// Sets the simulated times of a trial that Study gave real ones.
void SetTimes(StudyRepository& repository, std::int64_t study_id, std::int64_t trial_id,
              std::optional<double> start, std::optional<double> end) {
  Trial trial = *repository.GetTrial(study_id, trial_id);
  trial.start_time = start;
  trial.end_time = end;
  repository.UpdateTrial(study_id, trial);
}

}  // namespace

std::shared_ptr<Study> CreateDemoStudy(const std::shared_ptr<SqliteStudyRepository>& repository,
                                       const std::string& name) {
  constexpr int kTrials = 30;
  const std::string yaml =
      "trainingInput:\n  hyperparameters:\n    goal: MAXIMIZE\n    hyperparameterMetricTag: "
      "accuracy\n    maxTrials: 30\n    maxParallelTrials: 4\n    enableTrialEarlyStopping: true\n";
  auto study = Study::Open(
      repository, name, {.create_if_missing = true, .spec = DemoSpec(kTrials), .spec_text = yaml});
  std::mt19937_64 rng(42);
  SimulatedCluster cluster;
  // Trials 22 and 23 run trial 21's parameters again, and a deterministic trainer gives the same
  // curve: three trials with the same values and the same objective.
  ParameterValues repeated_parameters;
  std::vector<double> repeated_curve;
  double repeated_accuracy = 0;
  // One transaction for the whole history (each Study call joins it): one sync to disk, not one
  // per call.
  repository->RunInTransaction([&] {
    for (int n = 1; n <= kTrials; ++n) {
      const bool repeat = n == 22 || n == 23;
      if (repeat) study->RequestTrial(repeated_parameters);
      const Trial trial = study->Suggest(1, "worker-" + std::to_string(n)).front();
      if (n == 21) repeated_parameters = trial.parameters;
      const std::int64_t id = trial.id;
      if (n == kTrials) {  // the runner died: back in the queue
        study->Requeue(id, "the runner stopped (SIGTERM); the trial will run again");
        continue;
      }
      std::vector<int> gpus = {cluster.FreestGpu()};
      if (n % 7 == 3) gpus = {};  // a CPU trial
      if (n == 6) gpus = {1, 2};  // a trial on two GPUs
      study->MarkStarted(id, gpus);
      const double start = cluster.StartOn(gpus);
      const double seconds_per_step = 9 + 3 * trial.parameters.at("layers").AsDouble();
      const double accuracy = repeat ? repeated_accuracy : SimulatedAccuracy(trial.parameters, rng);
      if (n == 21) repeated_accuracy = accuracy;
      int last_step = kSteps;
      if (n == 4 || n == 19) last_step = 3 + n % 5;  // crashes
      if (n == 13) last_step = 0;                    // never reports
      if (n == 9) last_step = 4;                     // diverges
      if (n >= 27) last_step = 5 + n % 3;            // still running
      const bool stop_early = n > 6 && n < 27 && accuracy < 0.84 && last_step == kSteps;
      if (stop_early) last_step = 8;
      for (int step = 1; step <= last_step; ++step) {
        double value = 0;
        if (repeat) {
          value = repeated_curve.at(static_cast<std::size_t>(step - 1));
        } else {
          value = AccuracyAt(accuracy, step, rng);
          if (n == 21) repeated_curve.push_back(value);
        }
        study->AddMeasurement(id, {.metric = "accuracy",
                                   .step = step,
                                   .value = value,
                                   .wall_time = start + step * seconds_per_step});
        study->AddMeasurement(id, {.metric = "loss",
                                   .step = step,
                                   .value = 2.3 * std::exp(-step / 5.0) + 0.05,
                                   .wall_time = start + step * seconds_per_step});
      }
      const double end = start + last_step * seconds_per_step + 4;
      if (n >= 27) {  // still running; 28 was asked to stop
        if (n == 28) study->Stop(id);
        SetTimes(*repository, study->id(), id, start, std::nullopt);
        cluster.Occupy(gpus, 1e18);
        continue;
      }
      if (n == 4) {
        study->Fail(
            id,
            "exit code 1; log tail:\nTraceback (most recent call last):\n  File "
            "\"train.py\", line 88, in <module>\nRuntimeError: CUDA out of memory. Tried to "
            "allocate 2.00 GiB");
      } else if (n == 19) {
        study->Fail(id, "exit code 137 (killed by SIGKILL: out of host memory)");
      } else if (n == 13) {
        study->Complete(id);  // no measurement: FAILED, the metric was never reported
      } else if (n == 9) {
        study->Complete(id, std::nan(""));  // INFEASIBLE
      } else {
        if (stop_early) study->Stop(id);
        study->Complete(id);
      }
      SetTimes(*repository, study->id(), id, start, end);
      cluster.Occupy(gpus, end);
    }
  });
  return study;
}

std::shared_ptr<Study> CreateOnlyFailedStudy(
    const std::shared_ptr<SqliteStudyRepository>& repository, const std::string& name, int trials) {
  auto study = Study::Open(repository, name, {.create_if_missing = true, .spec = DemoSpec(trials)});
  std::mt19937_64 rng(3);
  repository->RunInTransaction([&] {
    for (int n = 1; n <= trials; ++n) {
      const Trial trial = study->Suggest(1).front();
      study->MarkStarted(trial.id, {n % 2});
      const double start = kStart + 60.0 * n;
      for (int step = 1; step <= n % 4; ++step) {
        study->AddMeasurement(trial.id, {.metric = "accuracy",
                                         .step = step,
                                         .value = 0.1 + 0.08 * step + 0.02 * Normal(rng),
                                         .wall_time = start + 10 * step});
      }
      study->Fail(trial.id, n % 2 == 0
                                ? "exit code 1; log tail:\nImportError: no module named torch"
                                : "the trial ran past its timeout of 600 s");
      SetTimes(*repository, study->id(), trial.id, start, start + 40);
    }
  });
  return study;
}

std::shared_ptr<Study> CreatePlateauStudy(const std::shared_ptr<SqliteStudyRepository>& repository,
                                          const std::string& name) {
  constexpr int kTrials = 12;
  constexpr int kCurveSteps = 120;
  StudySpec spec = DemoSpec(kTrials);
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "loss";
  auto study = Study::Open(repository, name, {.create_if_missing = true, .spec = spec});
  std::mt19937_64 rng(5);
  repository->RunInTransaction([&] {
    for (int n = 1; n <= kTrials; ++n) {
      const Trial trial = study->Suggest(1).front();
      study->MarkStarted(trial.id, {n % 3});
      const double start = kStart + 900.0 * n;
      const double final_loss = 0.08 + 0.3 * (1 - SimulatedAccuracy(trial.parameters, rng));
      for (int step = 1; step <= kCurveSteps; ++step) {
        double loss = final_loss + 2.2 * std::exp(-step / 3.0) + 0.005 * Normal(rng);
        if (n == 7 && step > 60) loss = final_loss * std::pow(10.0, (step - 60) / 10.0);
        study->AddMeasurement(
            trial.id,
            {.metric = "loss", .step = step, .value = loss, .wall_time = start + 5.0 * step});
      }
      if (n == 7) {
        study->Complete(trial.id, std::nan(""));  // diverged: INFEASIBLE
      } else {
        study->Complete(trial.id);
      }
      SetTimes(*repository, study->id(), trial.id, start, start + 5.0 * kCurveSteps + 3);
    }
  });
  return study;
}

std::shared_ptr<Study> CreateEmptyStudy(const std::shared_ptr<SqliteStudyRepository>& repository,
                                        const std::string& name) {
  return Study::Open(repository, name, {.create_if_missing = true, .spec = DemoSpec(20)});
}

std::shared_ptr<Study> CreateLargeStudy(const std::shared_ptr<SqliteStudyRepository>& repository,
                                        const std::string& name, int trials, int measurements) {
  auto study = Study::Open(repository, name, {.create_if_missing = true, .spec = DemoSpec(trials)});
  const StudySpec spec = study->spec();
  std::mt19937_64 rng(11);
  const auto uniform = [&] { return static_cast<double>(rng() >> 11) / 9007199254740992.0; };
  double gpu_free[8];
  std::fill(gpu_free, gpu_free + 8, kStart);
  repository->RunInTransaction([&] {
    for (int n = 1; n <= trials; ++n) {
      Trial trial;
      trial.parameters = {{"learning_rate", std::pow(10.0, -5 + 4 * uniform())},
                          {"momentum", FromUnit(uniform(), 0.5, 0.999, ScaleType::kReverseLog)},
                          {"layers", static_cast<std::int64_t>(1 + rng() % 8)},
                          {"optimizer", spec.parameters[3].categorical_values[rng() % 3]},
                          {"dropout", spec.parameters[4].discrete_values[rng() % 3]}};
      const int gpu = static_cast<int>(std::min_element(gpu_free, gpu_free + 8) - gpu_free);
      const double start = gpu_free[gpu];
      const double end = start + 60 + 120 * uniform();
      gpu_free[gpu] = end;
      trial.gpus = {gpu};
      trial.start_time = start;
      trial.end_time = end;
      const double accuracy = SimulatedAccuracy(trial.parameters, rng);
      const double roll = uniform();
      trial.state = roll < 0.10   ? TrialState::kFailed
                    : roll < 0.15 ? TrialState::kInfeasible
                                  : TrialState::kSucceeded;
      trial.stopped_early = trial.state == TrialState::kSucceeded && roll > 0.95;
      for (int m = 1; m <= measurements; ++m) {
        trial.measurements.push_back({.metric = "accuracy",
                                      .step = m * 5,
                                      .value = AccuracyAt(accuracy, m * 5, rng),
                                      .wall_time = start + m * 10});
      }
      if (trial.state == TrialState::kSucceeded) {
        trial.final_value = trial.measurements.empty() ? accuracy : trial.measurements.back().value;
        trial.final_step = measurements * 5;
      } else {
        trial.failure_reason =
            trial.state == TrialState::kFailed
                ? "exit code 1; log tail:\nsimulated crash " + std::to_string(n % 7)
                : "the objective value is nan";
      }
      repository->AddTrial(study->id(), trial);
    }
  });
  return study;
}

std::shared_ptr<Study> CreateHostileStudy(
    const std::shared_ptr<SqliteStudyRepository>& repository) {
  StudySpec spec = DemoSpec(6);
  spec.metric_tag = "acc<script>alert(1)</script>";
  spec.parameters[3] =
      ParameterSpec::Categorical("optimizer", {"<b>bold</b>", "a&b", "\"quoted\" 'single'"});
  // A name with a '/', which Study::Open refuses now (a study name is not a path) but a database
  // made before may hold: written through the repository as such.
  StudyRecord record;
  record.name = "</title><script>alert('name')</script> & co";
  record.spec = spec;
  record.spec_text = "# <!-- a comment --> </pre><script>alert('yaml')</script>\n";
  repository->CreateStudy(record);
  auto study = Study::Open(repository, record.name);
  for (int n = 1; n <= 6; ++n) {
    const Trial trial = study->Suggest(1).front();
    study->MarkStarted(trial.id, {0});
    study->AddMeasurement(
        trial.id,
        {.metric = spec.metric_tag, .step = 1, .value = 0.5 + 0.05 * n, .wall_time = kStart + n});
    if (n == 2) {
      study->Fail(trial.id,
                  "exit code 1; log tail:\n</script><script>alert('reason')</script>\n"
                  "bad bytes: \xff\xfe and a NUL-free control \x01 char");
    } else {
      study->Complete(trial.id);
    }
  }
  return study;
}

}  // namespace bayestune::testing
