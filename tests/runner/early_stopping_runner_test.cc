// Early stopping through the runner with real trainer processes: metrics are read when the
// trial's folder changes (TrialFolderWatcher), so that ASHA judges a fast trial at its first
// rungs instead of after it finished.
#include <catch2/catch.hpp>
#include <fstream>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "test_support.h"
#include "trial_folder_watcher.h"

using namespace bayestune;

namespace {

StudySpec AshaSpec(int max_trials) {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = max_trials;
  spec.max_failed_trials = 100;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0),
                     ParameterSpec::Categorical("mode", {"ok"})};
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 40};
  return spec;
}

}  // namespace

TEST_CASE("the folder watcher reports metric files written, not the trainer's logs",
          "[runner][watcher]") {
  const auto dir = test::MakeTempDir("watcher");
  TrialFolderWatcher watcher(dir);
  REQUIRE(watcher.watching());  // inotify is there on Linux
  CHECK_FALSE(watcher.TakeChanges());
  std::ofstream(dir / "stdout.log") << "epoch 1\n";
  CHECK_FALSE(watcher.TakeChanges());
  std::ofstream(dir / "events.out.tfevents.1") << "x";
  CHECK(watcher.TakeChanges());
  CHECK_FALSE(watcher.TakeChanges());
  // A subfolder made later is watched too (event files under logs/train/).
  std::filesystem::create_directories(dir / "logs");
  CHECK(watcher.TakeChanges());
  std::filesystem::create_directories(dir / "logs" / "train");
  CHECK(watcher.TakeChanges());
  std::ofstream(dir / "logs" / "train" / "events.out.tfevents.2") << "y";
  CHECK(watcher.TakeChanges());
  // A folder that is not there: no watching, the runner's timer reads.
  TrialFolderWatcher missing(dir / "nothing-here");
  CHECK_FALSE(missing.watching());
  CHECK_FALSE(missing.TakeChanges());
}

TEST_CASE("ASHA stops a worse trial at its first rung through the runner, read on change",
          "[runner][stopping][asha]") {
  const auto dir = test::MakeTempDir("asha-runner");
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "asha",
                           {.create_if_missing = true, .spec = AshaSpec(2)});
  auto events = std::make_shared<test::RecordingEvents>();
  TrialRunnerOptions options;
  options.runner.command = {test::FakeTrainer()};
  options.runner.job_dir = (dir / "jobs").string();
  options.runner.gpus = std::vector<int>{};
  options.runner.cpu_trials = 1;
  // 40 steps of 100 ms: 4 s a trial. The timer alone would read the metrics only after the trial
  // ended; what stops the worse one early is reading on change.
  options.runner.args = {"--steps=40", "--sleep-ms=100"};
  options.runner.stop_grace_period_seconds = 5;
  options.metric_poll_seconds = 600;
  options.stop_check_seconds = 600;
  const Trial good = study->RequestTrial({{"x", 0.9}, {"mode", "ok"}});
  const Trial bad = study->RequestTrial({{"x", 0.2}, {"mode", "ok"}});
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, events);
  const RunResult result = runner.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);

  const Trial kept = study->GetTrial(good.id);
  CHECK_FALSE(kept.stopped_early);
  CHECK(kept.final_step == 40);
  const Trial stopped = study->GetTrial(bad.id);
  INFO(stopped.failure_reason);
  CHECK(stopped.stopped_early);
  CHECK(stopped.state == TrialState::kSucceeded);
  REQUIRE(stopped.final_step);
  CHECK(*stopped.final_step < 40);
  REQUIRE(events->stopping.size() == 1);
  CHECK(events->stopping[0].trial_id == bad.id);
  CHECK(events->stopping[0].cause == TrialStopCause::kEarlyStopping);
  // (Event files hold floats: 0.2 reads as 0.20000000298...)
  CHECK_THAT(events->stopping[0].reason,
             Catch::StartsWith("ASHA rung 0 (step 1): accuracy 0.2") &&
                 Catch::Contains("at step 1 ranks 2nd of 2 trials that reached the rung"));
  // Each trial was let past the rungs it won, each said once, lowest first: the good one past
  // every rung (1, 3, 9, 27 below maxStep 40; the first at each), the bad one past none.
  std::vector<std::int64_t> good_rungs;
  for (const TrialPromotedEvent& e : events->promoted) {
    CHECK(e.trial_id == good.id);
    good_rungs.push_back(e.step);
  }
  CHECK(good_rungs == std::vector<std::int64_t>{1, 3, 9, 27});
  REQUIRE_FALSE(events->promoted.empty());
  CHECK_THAT(events->promoted[0].reason,
             Catch::StartsWith("ASHA rung 0 (step 1): accuracy 0.9 at step 1 ") &&
                 Catch::EndsWith("ranks 1st of 1 trials that reached the rung, in the top 1 (1/3) "
                                 "that go on"));
  // The trial trained to the end is the best.
  CHECK(study->BestTrial()->id == good.id);
}
