// How far past its rung a trial stopped by ASHA runs (issue 20): an ASHA study of
// learning_curve_trainer (bench/multi_fidelity; 27 steps of `--sleep-ms` each) through the real
// runner, with its real trainer processes and event files, over a SQLite study database as
// `bayestune run` has it. For every trial stopped at a rung it takes the steps it reported past
// that rung (the rung is the one the stop's reason names) and the time from the trainer writing
// the rung's record to the runner sending SIGTERM, split into reading (record written -> stored)
// and deciding (stored -> SIGTERM). It also times the calls the runner's loop makes on the study,
// since while one runs no other trial is read. Prints figures; never passes or fails.
//
//   stop_latency_bench [--trials=60] [--parallel=2] [--sleep-ms=20] [--steps=27]
//                      [--algorithm=gp|random] [--brackets=1] [--seed=1] [--store=sqlite|memory]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "bench_flags.h"

using namespace bayestune;
using bayestune::bench::FlagValue;

namespace {

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Options {
  int trials = 60;
  int parallel = 2;
  int sleep_ms = 20;
  int steps = 27;
  std::string algorithm = "gp";
  int brackets = 1;
  std::uint64_t seed = 1;
  std::string store = "sqlite";
};

// The durations of one kind of call.
struct CallTimes {
  std::vector<double> seconds;
  void Add(double s) { seconds.push_back(s); }
};

template <typename F>
auto Timed(CallTimes& times, F&& call) {
  const auto start = std::chrono::steady_clock::now();
  auto result = call();
  times.Add(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return result;
}

// Times the study calls the runner's loop makes (it reads no trial while one runs).
class TimedConnection : public LocalStudyConnection {
 public:
  using LocalStudyConnection::LocalStudyConnection;

  std::vector<Trial> Suggest(int count, const std::string& client_id) override {
    return Timed(suggest, [&] { return LocalStudyConnection::Suggest(count, client_id); });
  }
  void AddMeasurements(std::int64_t trial_id, const TrialOwner& owner,
                       const std::vector<Measurement>& measurements) override {
    Timed(add_measurements, [&] {
      LocalStudyConnection::AddMeasurements(trial_id, owner, measurements);
      return 0;
    });
  }
  StopDecision ShouldStop(std::int64_t trial_id, const TrialOwner& owner) override {
    return Timed(should_stop, [&] { return LocalStudyConnection::ShouldStop(trial_id, owner); });
  }
  Trial Complete(std::int64_t trial_id, const TrialOwner& owner, std::optional<double> value,
                 std::optional<std::int64_t> step, std::optional<double> ended_at) override {
    return Timed(complete, [&] {
      return LocalStudyConnection::Complete(trial_id, owner, value, step, ended_at);
    });
  }

  CallTimes suggest, add_measurements, should_stop, complete;
};

// When each objective record was stored, and when and why each trial was stopped.
class LatencyEvents : public RunnerEvents {
 public:
  void OnMeasurements(std::int64_t trial_id,
                      const std::vector<Measurement>& measurements) override {
    const double now = WallNow();
    std::lock_guard lock(mutex);
    for (const Measurement& m : measurements) {
      if (m.metric == "accuracy") stored[trial_id].try_emplace(m.step, now);
    }
  }
  void OnTrialStopping(const TrialStoppingEvent& e) override {
    std::lock_guard lock(mutex);
    if (e.cause != TrialStopCause::kEarlyStopping) return;
    // "ASHA rung 1 (step 3): ..." or "ASHA rung 1 (step 3, bracket 2): ..."
    const std::size_t at = e.reason.find("(step ");
    if (at == std::string::npos) return;
    stops[e.trial_id] = {std::stoll(e.reason.substr(at + 6)), WallNow()};
  }
  struct Stop {
    std::int64_t rung_step = 0;
    double sigterm_time = 0;
  };
  std::mutex mutex;
  std::map<std::int64_t, std::map<std::int64_t, double>> stored;  // trial -> step -> when
  std::map<std::int64_t, Stop> stops;
};

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double at = q * static_cast<double>(v.size() - 1);
  const std::size_t low = static_cast<std::size_t>(std::floor(at));
  const std::size_t high = std::min(low + 1, v.size() - 1);
  return v[low] + (at - static_cast<double>(low)) * (v[high] - v[low]);
}

void PrintRow(const char* what, const std::vector<double>& v, double scale, const char* unit) {
  double sum = 0;
  for (double x : v)
    sum += x;
  std::printf("| %s | %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %s |\n", what, v.size(),
              Quantile(v, 0.5) * scale, Quantile(v, 0.9) * scale, Quantile(v, 1.0) * scale,
              v.empty() ? NAN : sum / static_cast<double>(v.size()) * scale, sum * scale, unit);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (auto v = FlagValue(arg, "--trials="))
      o.trials = std::stoi(*v);
    else if (auto v = FlagValue(arg, "--parallel="))
      o.parallel = std::stoi(*v);
    else if (auto v = FlagValue(arg, "--sleep-ms="))
      o.sleep_ms = std::stoi(*v);
    else if (auto v = FlagValue(arg, "--steps="))
      o.steps = std::stoi(*v);
    else if (auto v = FlagValue(arg, "--algorithm="))
      o.algorithm = *v;
    else if (auto v = FlagValue(arg, "--brackets="))
      o.brackets = std::stoi(*v);
    else if (auto v = FlagValue(arg, "--seed="))
      o.seed = std::stoull(*v);
    else if (auto v = FlagValue(arg, "--store="))
      o.store = *v;
    else {
      std::fprintf(stderr, "stop_latency_bench: unknown argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("bayestune-stop-latency-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = o.trials;
  spec.max_parallel_trials = o.parallel;
  spec.max_failed_trials = o.trials;
  spec.seed = o.seed;
  spec.parameters = {ParameterSpec::Double("a", 0, 1), ParameterSpec::Double("b", 0, 1),
                     ParameterSpec::Double("c", 0, 1)};
  if (o.algorithm == "random") spec.algorithm = Algorithm::kRandomSearch;
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha,
                         .min_step = 1,
                         .max_step = o.steps,
                         .reduction_factor = 3,
                         .brackets = o.brackets};
  std::shared_ptr<StudyRepository> repository;
  if (o.store == "memory") {
    repository = std::make_shared<InMemoryStudyRepository>();
  } else {
    repository = SqliteStudyRepository::Open((dir / "studies.db").string());
  }
  auto study = Study::Open(repository, "latency", {.create_if_missing = true, .spec = spec});
  auto connection = std::make_shared<TimedConnection>(study);
  auto events = std::make_shared<LatencyEvents>();
  TrialRunnerOptions options;
  options.runner.command = {BAYESTUNE_LEARNING_CURVE_TRAINER};
  options.runner.args = {"--steps=" + std::to_string(o.steps),
                         "--sleep-ms=" + std::to_string(o.sleep_ms), "--slow=mild"};
  options.runner.job_dir = (dir / "jobs").string();
  options.runner.gpus = std::vector<int>{};
  options.runner.cpu_trials = o.parallel;
  options.runner.stop_grace_period_seconds = 5;
  // Slots of its own: other bayestune processes on the machine do not make it wait.
  options.gpu_lock_dir = (dir / "locks").string();
  const auto start = std::chrono::steady_clock::now();
  TrialRunner runner(connection, options, events);
  const RunResult result = runner.Run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<double> past_steps, read_s, decide_s, total_s;
  std::int64_t steps_run = 0;
  for (const Trial& t : study->Trials()) {
    std::int64_t last = 0;
    const std::vector<Measurement> curve = t.MeasurementsOf(spec.metric_tag);
    for (const Measurement& m : curve)
      last = std::max(last, m.step);
    steps_run += last;
    const auto stop = events->stops.find(t.id);
    if (!t.stopped_early || stop == events->stops.end()) continue;
    const std::int64_t rung_step = stop->second.rung_step;
    past_steps.push_back(static_cast<double>(last - rung_step));
    // The record that reached the rung: the first at or after its step.
    const Measurement* reached = nullptr;
    for (const Measurement& m : curve) {
      if (m.step >= rung_step && (!reached || m.step < reached->step)) reached = &m;
    }
    if (!reached) continue;
    const auto when = events->stored[t.id].find(reached->step);
    if (when == events->stored[t.id].end()) continue;
    read_s.push_back(when->second - reached->wall_time);
    decide_s.push_back(stop->second.sigterm_time - when->second);
    total_s.push_back(stop->second.sigterm_time - reached->wall_time);
  }
  std::printf(
      "# %s, ASHA (minStep 1, maxStep %d, factor 3, %d bracket(s)), %d trials, %d at once, "
      "%d ms steps, %s store: %s in %.1f s, %lld steps run\n",
      o.algorithm.c_str(), o.steps, o.brackets, o.trials, o.parallel, o.sleep_ms, o.store.c_str(),
      std::string(RunOutcomeName(result.outcome)).c_str(), seconds,
      static_cast<long long>(steps_run));
  std::printf("\n| figure | n | median | p90 | max | mean | sum | unit |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
  PrintRow("steps past the rung, per stopped trial", past_steps, 1, "steps");
  PrintRow("rung record written -> SIGTERM", total_s, 1e3, "ms");
  PrintRow("  written -> stored (reading)", read_s, 1e3, "ms");
  PrintRow("  stored -> SIGTERM (deciding)", decide_s, 1e3, "ms");
  PrintRow("Suggest", connection->suggest.seconds, 1e3, "ms");
  PrintRow("AddMeasurements", connection->add_measurements.seconds, 1e3, "ms");
  PrintRow("ShouldStop", connection->should_stop.seconds, 1e3, "ms");
  PrintRow("Complete", connection->complete.seconds, 1e3, "ms");
  std::filesystem::remove_all(dir);
  return 0;
}
