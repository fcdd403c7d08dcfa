// Runs one study from a tuning.yaml over a SQLite study database, as `bayestune run` will: the
// runner's tests start it as a child process to kill it (SIGKILL) or interrupt it (SIGINT) and
// run it again.
//   runner_test_driver --db=PATH --config=tuning.yaml [--study=NAME]
// Prints one line per runner event. Exit status: 0 study done, 3 interrupted, 4 killed (second
// interrupt), 5 too many failures, 6 launch failed, 7 nothing to run, 2 an error.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <string>

#include "bayestune/spec_file/tuning_config_loader.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/trial_runner.h"

using namespace bayestune;

namespace {

std::atomic<TrialRunner*> g_runner{nullptr};

void OnSignal(int) {
  if (TrialRunner* runner = g_runner.load()) runner->RequestInterrupt();
}

class LinePrinter : public RunnerEvents {
 public:
  void OnRunnerStarted(const RunnerStartedEvent& e) override {
    Print("runner started: study " + e.study + ", " + std::to_string(e.max_running) +
          " at a time, GPUs from " + e.gpu_source);
  }
  void OnTrialRequeued(const Trial& t, const std::string& reason) override {
    Print("trial " + std::to_string(t.id) + " requeued (attempt " + std::to_string(t.attempt) +
          "): " + reason);
  }
  void OnTrialStarted(const TrialStartedEvent& e) override {
    Print("trial " + std::to_string(e.trial.id) + " started (attempt " +
          std::to_string(e.trial.attempt) + ", pid " + std::to_string(e.pid) + ") in " +
          e.paths.dir.string());
  }
  void OnTrialFinished(const TrialFinishedEvent& e) override {
    Print("trial " + std::to_string(e.trial.id) + " " + std::string(TrialStateName(e.trial.state)) +
          " " + e.trial.failure_reason);
  }
  void OnWarning(std::optional<std::int64_t>, const std::string& message) override {
    Print("warning: " + message);
  }
  void OnInterruptRequested(InterruptLevel level, int running, int) override {
    Print(std::string(level == InterruptLevel::kStopLaunching ? "interrupt: waiting for "
                                                              : "interrupt: killing ") +
          std::to_string(running) + " running trial(s)");
  }
  void OnRunFinished(const RunResult& r) override {
    Print("run finished: " + std::string(RunOutcomeName(r.outcome)) + ": " + r.message);
  }

 private:
  static void Print(const std::string& line) { std::cout << line << std::endl; }
};

int ExitCode(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kStudyDone:
      return 0;
    case RunOutcome::kInterrupted:
      return 3;
    case RunOutcome::kKilled:
      return 4;
    case RunOutcome::kTooManyFailures:
      return 5;
    case RunOutcome::kLaunchFailed:
      return 6;
    case RunOutcome::kNothingToRun:
      return 7;
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  std::string config_path;
  std::string study_name = "study";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--db=", 0) == 0) db = arg.substr(5);
    if (arg.rfind("--config=", 0) == 0) config_path = arg.substr(9);
    if (arg.rfind("--study=", 0) == 0) study_name = arg.substr(8);
  }
  try {
    const TuningConfig config = LoadTuningConfigOrThrow(config_path);
    auto study = Study::Open(
        SqliteStudyRepository::Open(db), study_name,
        {.create_if_missing = true, .spec = config.study, .spec_text = config.source_text});
    TrialRunnerOptions options;
    options.runner = config.runner;
    options.metric_poll_seconds = 0.05;
    TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options,
                       std::make_shared<LinePrinter>());
    g_runner = &runner;
    struct sigaction action {};
    action.sa_handler = OnSignal;
    sigaction(SIGINT, &action, nullptr);
    const RunResult result = runner.Run();
    g_runner = nullptr;
    return ExitCode(result.outcome);
  } catch (const std::exception& e) {
    std::cerr << "runner_test_driver: " << e.what() << std::endl;
    return 2;
  }
}
