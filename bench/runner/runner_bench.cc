// How fast the runner turns trials over: 1,000 trials of a trainer that only writes one event
// file, maxParallelTrials 8, and the runner's cost per trial beyond the trainer's own run time.
// Prints figures; never passes or fails.
//
//   runner_bench [--trials=1000] [--parallel=8] [--sequential=200] [--db=PATH]
//
// The trainer's own run time is measured by launching it directly, one at a time (fork, exec,
// wait: what any launcher pays). The runner's overhead per trial is then (a) the extra wall time
// per trial of the runner running one trial at a time, and (b) the runner process's own CPU time
// per trial in the parallel run.
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

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

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
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
  auto study = Study::Create(std::move(repository), name, BenchSpec(trials, parallel));
  TrialRunnerOptions options;
  options.runner.command = {BAYESTUNE_ONE_EVENT_TRAINER};
  options.runner.job_dir = job_dir.string();
  options.runner.gpus = std::vector<int>{};
  options.cpu_trial_limit = parallel;
  auto timing = std::make_shared<TimingEvents>();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, timing);
  const double cpu0 = SelfCpuSeconds();
  const double t0 = Now();
  const RunResult result = runner.Run();
  RunFigures figures;
  figures.seconds = Now() - t0;
  figures.runner_cpu = SelfCpuSeconds() - cpu0;
  figures.succeeded = result.progress.succeeded;
  figures.launch_to_finish = timing->MeanRun();
  figures.finish_to_launch = timing->MeanGap();
  return figures;
}

void Report(const char* what, int trials, const RunFigures& f, double trainer_seconds) {
  std::printf("%-34s %5d trials  %7.2f s  %7.1f trials/s  runner CPU %6.2f ms/trial", what, trials,
              f.seconds, trials / f.seconds, 1000 * f.runner_cpu / trials);
  if (trainer_seconds > 0) {
    std::printf("  overhead %6.2f ms/trial (end to next start %.2f ms, start to end %.2f ms)",
                1000 * (f.seconds / trials - trainer_seconds), 1000 * f.finish_to_launch,
                1000 * f.launch_to_finish);
  }
  std::printf("  (%d succeeded)\n", f.succeeded);
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 1000;
  int parallel = 8;
  int sequential = 200;
  std::string db;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--trials=", 0) == 0) trials = std::stoi(arg.substr(9));
    if (arg.rfind("--parallel=", 0) == 0) parallel = std::stoi(arg.substr(11));
    if (arg.rfind("--sequential=", 0) == 0) sequential = std::stoi(arg.substr(13));
    if (arg.rfind("--db=", 0) == 0) db = arg.substr(5);
  }
  char pattern[] = "/tmp/bayestune-runner-bench-XXXXXX";
  const std::filesystem::path dir = mkdtemp(pattern);

  // The trainer alone, launched directly one at a time.
  const double t0 = Now();
  for (int i = 0; i < sequential; ++i) {
    const auto trial_dir = dir / "direct" / std::to_string(i);
    std::filesystem::create_directories(trial_dir);
    ProcessLaunch launch{BAYESTUNE_ONE_EVENT_TRAINER,
                         {"one_event_trainer", "--x=0.5", "--job-dir=" + trial_dir.string()},
                         CurrentEnvironment(),
                         trial_dir / "stdout.log",
                         trial_dir / "stderr.log"};
    TrialProcess::Launch(launch).WaitExit();
  }
  const double trainer_seconds = (Now() - t0) / sequential;
  std::printf("trainer alone (fork, exec, run, wait): %.2f ms per trial, %d runs\n",
              1000 * trainer_seconds, sequential);

  Report("runner, in memory, 1 at a time", sequential,
         RunStudy(std::make_shared<InMemoryStudyRepository>(), "seq", sequential, 1, dir / "seq"),
         trainer_seconds);
  Report(
      ("runner, in memory, " + std::to_string(parallel) + " at a time").c_str(), trials,
      RunStudy(std::make_shared<InMemoryStudyRepository>(), "par", trials, parallel, dir / "par"),
      0);
#ifdef BAYESTUNE_BENCH_HAS_STORE
  const std::string db_path = db.empty() ? (dir / "bench.db").string() : db;
  Report("runner, SQLite, 1 at a time", sequential,
         RunStudy(SqliteStudyRepository::Open(db_path), "sqlite-seq", sequential, 1,
                  dir / "sqlite-seq"),
         trainer_seconds);
  Report(("runner, SQLite, " + std::to_string(parallel) + " at a time").c_str(), trials,
         RunStudy(SqliteStudyRepository::Open(db_path), "sqlite-par", trials, parallel,
                  dir / "sqlite-par"),
         0);
#endif
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}
