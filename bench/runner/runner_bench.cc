// How fast the runner turns trials over: 1,000 trials of a trainer that only writes one event
// file, maxParallelTrials 8, and the runner's cost per trial beyond the trainer's own run time.
// Prints figures; never passes or fails.
//
//   runner_bench [--trials=1000] [--parallel=8] [--rounds=10] [--per-round=20]
//
// The trainer's own run time is measured by launching it directly, one at a time (fork, exec,
// wait: what any launcher pays). The runner's overhead per trial is then (a) the extra wall time
// per trial of the runner running one trial at a time, and (b) the runner process's own CPU time
// per trial in the parallel run.
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_process.h"
#include "bayestune/trial_runner/trial_runner.h"
#ifdef BAYESTUNE_BENCH_HAS_STORE
#include "bayestune/store/sqlite_study_repository.h"
#endif

using namespace bayestune;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double CpuSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

// "0.52 0.61 0.70 ..." from /proc/loadavg: the figures mean little on a busy machine.
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string line;
  std::getline(in, line);
  return line + " (" + std::to_string(std::thread::hardware_concurrency()) + " CPUs)\n";
}

StudySpec BenchSpec(int trials, int parallel) {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = trials;
  spec.max_parallel_trials = parallel;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
  return spec;
}

struct RunFigures {
  double seconds = 0;
  double runner_cpu = 0;
  double trainer_cpu = 0;  // of all trainers together
  int succeeded = 0;
  double launch_to_finish = 0;  // mean, from the trial-started event to the trial-finished one
  double finish_to_launch = 0;  // mean, from a trial-finished event to the next trial-started
};

// Times the runner's events: in a sequential run, the gap between a trial's end and the next
// trial's start is pure runner overhead.
class TimingEvents : public RunnerEvents {
 public:
  void OnTrialStarted(const TrialStartedEvent&) override {
    const double now = Now();
    if (last_finish_ > 0) {
      finish_to_launch_ += now - last_finish_;
      ++gaps_;
    }
    last_start_ = now;
  }
  void OnTrialFinished(const TrialFinishedEvent&) override {
    const double now = Now();
    launch_to_finish_ += now - last_start_;
    ++finished_;
    last_finish_ = now;
  }
  double MeanRun() const { return finished_ ? launch_to_finish_ / finished_ : 0; }
  double MeanGap() const { return gaps_ ? finish_to_launch_ / gaps_ : 0; }

 private:
  double last_start_ = 0;
  double last_finish_ = 0;
  double launch_to_finish_ = 0;
  double finish_to_launch_ = 0;
  int finished_ = 0;
  int gaps_ = 0;
};

RunFigures RunStudy(std::shared_ptr<StudyRepository> repository, const std::string& name,
                    int trials, int parallel, const std::filesystem::path& job_dir) {
  auto study = Study::Open(std::move(repository), name,
                           {.create_if_missing = true, .spec = BenchSpec(trials, parallel)});
  TrialRunnerOptions options;
  options.runner.command = {BAYESTUNE_ONE_EVENT_TRAINER};
  options.runner.job_dir = job_dir.string();
  options.runner.gpus = std::vector<int>{};
  options.runner.cpu_trials = parallel;
  auto timing = std::make_shared<TimingEvents>();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, timing);
  const double cpu0 = CpuSeconds(RUSAGE_SELF);
  const double children0 = CpuSeconds(RUSAGE_CHILDREN);
  const double t0 = Now();
  const RunResult result = runner.Run();
  RunFigures figures;
  figures.seconds = Now() - t0;
  figures.runner_cpu = CpuSeconds(RUSAGE_SELF) - cpu0;
  figures.trainer_cpu = CpuSeconds(RUSAGE_CHILDREN) - children0;
  figures.succeeded = result.progress.succeeded;
  figures.launch_to_finish = timing->MeanRun();
  figures.finish_to_launch = timing->MeanGap();
  return figures;
}

void Report(const std::string& what, int trials, const RunFigures& f, double trainer_seconds) {
  std::printf("%s: %d trials (%d succeeded) in %.2f s = %.1f trials/s\n", what.c_str(), trials,
              f.succeeded, f.seconds, trials / f.seconds);
  std::printf("  CPU per trial: runner %.2f ms, trainer %.2f ms\n", 1000 * f.runner_cpu / trials,
              1000 * f.trainer_cpu / trials);
  if (trainer_seconds > 0) {
    std::printf(
        "  wall time per trial beyond the trainer alone: %.2f ms (a trial's end to the next "
        "start %.2f ms, start to end %.2f ms)\n",
        1000 * (f.seconds / trials - trainer_seconds), 1000 * f.finish_to_launch,
        1000 * f.launch_to_finish);
  }
}

// Seconds per run of the trainer launched directly, one at a time.
double TrainerAlone(const std::filesystem::path& dir, int runs) {
  const double t0 = Now();
  for (int i = 0; i < runs; ++i) {
    const auto trial_dir = dir / std::to_string(i);
    std::filesystem::create_directories(trial_dir);
    ProcessLaunch launch{BAYESTUNE_ONE_EVENT_TRAINER,
                         {"one_event_trainer", "--x=0.5", "--job-dir=" + trial_dir.string()},
                         CurrentEnvironment(),
                         trial_dir / "stdout.log",
                         trial_dir / "stderr.log"};
    TrialProcess::Launch(launch).WaitExit();
  }
  return (Now() - t0) / runs;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 1000;
  int parallel = 8;
  int rounds = 10;
  int per_round = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--trials=", 0) == 0) trials = std::stoi(arg.substr(9));
    if (arg.rfind("--parallel=", 0) == 0) parallel = std::stoi(arg.substr(11));
    if (arg.rfind("--rounds=", 0) == 0) rounds = std::stoi(arg.substr(9));
    if (arg.rfind("--per-round=", 0) == 0) per_round = std::stoi(arg.substr(12));
  }
  char pattern[] = "/tmp/bayestune-runner-bench-XXXXXX";
  const std::filesystem::path dir = mkdtemp(pattern);
  std::printf("load average at start: %s", LoadAverage().c_str());

  // The overhead on a trial's critical path: rounds of the trainer launched directly, then the
  // same number of trials through the runner one at a time (in memory), so that a busy machine
  // slows both alike; the median of the rounds.
  std::vector<double> alone;
  std::vector<double> through_runner;
  RunFigures sequential;
  for (int r = 0; r < rounds; ++r) {
    const auto round_dir = dir / ("round-" + std::to_string(r));
    alone.push_back(TrainerAlone(round_dir / "direct", per_round));
    const RunFigures f = RunStudy(std::make_shared<InMemoryStudyRepository>(), "seq", per_round, 1,
                                  round_dir / "runner");
    through_runner.push_back(f.seconds / per_round);
    sequential.seconds += f.seconds;
    sequential.runner_cpu += f.runner_cpu;
    sequential.trainer_cpu += f.trainer_cpu;
    sequential.succeeded += f.succeeded;
    sequential.launch_to_finish += f.launch_to_finish / rounds;
    sequential.finish_to_launch += f.finish_to_launch / rounds;
  }
  std::vector<double> overhead;
  for (int r = 0; r < rounds; ++r)
    overhead.push_back(through_runner[r] - alone[r]);
  std::printf(
      "trainer alone (fork, exec, run, wait), one at a time: %.2f ms per run (median of "
      "%d rounds of %d)\n",
      1000 * Median(alone), rounds, per_round);
  Report("runner, in memory, 1 at a time", rounds * per_round, sequential, 0);
  std::printf(
      "  wall time per trial: %.2f ms; beyond the trainer alone: %.2f ms (median of the "
      "rounds); a trial's end to the next start %.2f ms\n",
      1000 * Median(through_runner), 1000 * Median(overhead), 1000 * sequential.finish_to_launch);

  Report(
      "runner, in memory, " + std::to_string(parallel) + " at a time", trials,
      RunStudy(std::make_shared<InMemoryStudyRepository>(), "par", trials, parallel, dir / "par"),
      0);
#ifdef BAYESTUNE_BENCH_HAS_STORE
  const std::string db_path = (dir / "bench.db").string();
  const int sqlite_sequential = rounds * per_round;
  const double alone_now = TrainerAlone(dir / "direct-sqlite", per_round);
  Report("runner, SQLite, 1 at a time", sqlite_sequential,
         RunStudy(SqliteStudyRepository::Open(db_path), "sqlite-seq", sqlite_sequential, 1,
                  dir / "sqlite-seq"),
         alone_now);
  Report("runner, SQLite, " + std::to_string(parallel) + " at a time", trials,
         RunStudy(SqliteStudyRepository::Open(db_path), "sqlite-par", trials, parallel,
                  dir / "sqlite-par"),
         0);
#endif
  std::printf("load average at the end: %s", LoadAverage().c_str());
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}
