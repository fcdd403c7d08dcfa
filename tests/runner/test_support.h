#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bayestune/trial_runner/runner_events.h"
#include "bayestune/trial_runner/trial_process.h"
#include "test_files.h"

namespace bayestune::test {

using testing::MakeTempDir;
using testing::ProcessGone;
using testing::ReadFile;
using testing::WaitFor;
using testing::WriteFile;

// The fake trainer program built next to the tests.
std::string FakeTrainer();

// The record.json a fake trainer wrote in its job dir (null when there is none).
nlohmann::json ReadRecord(const std::filesystem::path& job_dir);

// A program started as a plain child of the test (posix_spawn), its output in files: not under a
// TrialProcess keeper, whose kill of its whole tree would hide what a runner does on its own.
// Destroying one that still runs kills (SIGKILL) and reaps it.
class SpawnedProgram {
 public:
  // `environment`: NAME=VALUE entries; none: this process's.
  SpawnedProgram(const std::vector<std::string>& argv, const std::filesystem::path& stdout_path,
                 const std::filesystem::path& stderr_path,
                 const std::optional<std::vector<std::string>>& environment = std::nullopt);
  ~SpawnedProgram();
  SpawnedProgram(const SpawnedProgram&) = delete;
  SpawnedProgram& operator=(const SpawnedProgram&) = delete;

  pid_t pid() const { return pid_; }
  // The exit status (exited) or the signal (killed), once it ended.
  std::optional<ProcessExit> PollExit();
  ProcessExit WaitExit();

 private:
  std::optional<ProcessExit> Reap(bool block);
  pid_t pid_ = -1;
  std::optional<ProcessExit> exit_;
};

// Keeps every event a runner reports, and lets a test act on them (from the runner's thread).
class RecordingEvents : public RunnerEvents {
 public:
  void OnRunnerStarted(const RunnerStartedEvent& e) override { started = e; }
  void OnTrialRequeued(const Trial& trial, const std::string& reason) override {
    requeued.push_back({trial, reason});
    if (on_trial_requeued) on_trial_requeued(trial);
  }
  void OnTrialStarted(const TrialStartedEvent& e) override {
    trials_started.push_back(e);
    if (on_trial_started) on_trial_started(e);
  }
  void OnMeasurements(std::int64_t id, const std::vector<Measurement>& ms) override {
    auto& list = measurements[id];
    list.insert(list.end(), ms.begin(), ms.end());
    if (on_measurements) on_measurements(id, list);
  }
  void OnTrialPromoted(const TrialPromotedEvent& e) override { promoted.push_back(e); }
  void OnTrialStopping(const TrialStoppingEvent& e) override { stopping.push_back(e); }
  void OnTrialFinished(const TrialFinishedEvent& e) override {
    trials_finished.push_back(e);
    if (on_trial_finished) on_trial_finished(e);
  }
  void OnWarning(std::optional<std::int64_t> id, const std::string& message) override {
    warnings.push_back({id, message});
  }
  void OnInterruptRequested(InterruptLevel level, int running, int) override {
    interrupts.push_back({level, running});
  }
  void OnRunFinished(const RunResult& result) override { run_finished = result; }

  // The finished event of a trial, or a failed REQUIRE.
  const TrialFinishedEvent* Finished(std::int64_t trial_id) const;
  std::string AllWarnings() const;

  std::optional<RunnerStartedEvent> started;
  std::vector<std::pair<Trial, std::string>> requeued;
  std::vector<TrialPromotedEvent> promoted;
  std::vector<TrialStartedEvent> trials_started;
  std::map<std::int64_t, std::vector<Measurement>> measurements;
  std::vector<TrialStoppingEvent> stopping;
  std::vector<TrialFinishedEvent> trials_finished;
  std::vector<std::pair<std::optional<std::int64_t>, std::string>> warnings;
  std::vector<std::pair<InterruptLevel, int>> interrupts;
  std::optional<RunResult> run_finished;
  std::function<void(const TrialStartedEvent&)> on_trial_started;
  std::function<void(const TrialFinishedEvent&)> on_trial_finished;
  std::function<void(const Trial&)> on_trial_requeued;
  // Called with every measurement of the trial so far, after each new batch.
  std::function<void(std::int64_t, const std::vector<Measurement>&)> on_measurements;
};

}  // namespace bayestune::test
