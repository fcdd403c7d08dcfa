// A whole study with the real trainer of gpu_models (bayestune-mlp) on the CPU, from a
// tuning.yaml, over a SQLite study database.
#include <catch2/catch.hpp>

#include "bayestune/spec_file/tuning_config_loader.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "test_support.h"

using namespace bayestune;

TEST_CASE("an end-to-end study with the gpu_models trainer on the CPU", "[runner][e2e]") {
  const std::string trainer = BAYESTUNE_MLP_TRAINER;
  if (trainer.empty() || !std::filesystem::exists(trainer)) {
    WARN("skipped: the gpu_models trainer bayestune-mlp is not built (" + trainer + ")");
    return;
  }
  const auto dir = test::MakeTempDir("e2e");
  const std::string yaml =
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    goal: MAXIMIZE\n"
      "    hyperparameterMetricTag: accuracy\n"
      "    maxTrials: 6\n"
      "    maxParallelTrials: 2\n"
      "    params:\n"
      "      - parameterName: learning_rate\n"
      "        type: DOUBLE\n"
      "        minValue: 0.005\n"
      "        maxValue: 0.2\n"
      "        scaleType: UNIT_LOG_SCALE\n"
      "      - parameterName: n_layers\n"
      "        type: INTEGER\n"
      "        minValue: 1\n"
      "        maxValue: 3\n"
      "      - parameterName: activation\n"
      "        type: CATEGORICAL\n"
      "        categoricalValues: [relu, tanh]\n"
      "runner:\n"
      "  command: [\"" +
      trainer +
      "\", --epochs=4, --device=cpu]\n"
      "  jobDir: \"" +
      (dir / "jobs").string() +
      "\"\n"
      "  gpusPerTrial: 0\n"
      "  env:\n"
      "    BAYESTUNE_MLP_DATA: \"" BAYESTUNE_SOURCE_DIR "/examples/data/digits.csv.gz\"\n";
  const TuningConfig config = ParseTuningConfigOrThrow(yaml, "tuning.yaml");
  auto study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "mlp",
                           {.create_if_missing = true, .spec = config.study, .spec_text = yaml});
  TrialRunnerOptions options;
  options.runner = config.runner;
  options.metric_poll_seconds = 0.1;
  auto events = std::make_shared<test::RecordingEvents>();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, events);
  const RunResult result = runner.Run();
  INFO(result.message << "\n" << events->AllWarnings());
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK(result.progress.succeeded == 6);
  for (const Trial& t : study->Trials()) {
    INFO("trial " << t.id << ": " << t.failure_reason);
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(t.gpus.empty());
    CHECK(t.MeasurementsOf("accuracy").size() == 4);  // one per epoch
    CHECK(t.MeasurementsOf("loss").size() == 4);
    CHECK(t.MeasurementsOf("train_accuracy").size() == 4);
    CHECK(*t.final_step == 4);
    CHECK(*t.final_value > 0.0);
    CHECK(*t.final_value <= 1.0);
    CHECK(std::filesystem::file_size(events->Finished(t.id)->paths.stdout_log) > 0);
  }
  REQUIRE(study->BestTrial());
  CHECK(*study->BestTrial()->final_value > 0.5);  // digits: even a poor MLP beats chance (0.1)
}
