// A conditional study (examples/conditional/tuning.yaml) through the real runner: every trial's
// trainer gets the flags of its active parameters only.
#include <catch2/catch.hpp>
#include <set>

#include "bayestune/optimizer/conditional_parameters.h"
#include "bayestune/spec_file/tuning_config_loader.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "test_support.h"

using namespace bayestune;

namespace {

const std::string kExample = BAYESTUNE_SOURCE_DIR "/examples/conditional/tuning.yaml";

// The names of the --name=value flags in `argv`, but --job-dir and the command's fixed --steps.
std::set<std::string> FlagNames(const std::vector<std::string>& argv) {
  std::set<std::string> names;
  for (const std::string& word : argv) {
    if (!word.starts_with("--") || word.find('=') == std::string::npos) continue;
    const std::string name = word.substr(2, word.find('=') - 2);
    if (name != "job-dir" && name != "steps") names.insert(name);
  }
  return names;
}

std::set<std::string> ParameterNames(const Trial& trial) {
  std::set<std::string> names;
  for (const auto& [name, value] : trial.parameters)
    names.insert(name);
  return names;
}

}  // namespace

TEST_CASE("conditional: the trainer gets exactly the flags of the active parameters",
          "[runner][conditional]") {
  const auto dir = test::MakeTempDir("conditional-flags");
  TuningConfig config = LoadTuningConfigOrThrow(kExample);
  config.study.max_trials = 12;
  config.study.max_parallel_trials = 3;
  config.runner.command = {BAYESTUNE_FAKE_TRAINER, "--steps=1"};
  config.runner.args.clear();
  config.runner.job_dir = (dir / "jobs").string();
  auto study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "tree",
                           {.create_if_missing = true, .spec = config.study});
  TrialRunnerOptions options;
  options.runner = config.runner;
  options.metric_poll_seconds = 0.05;
  auto events = std::make_shared<test::RecordingEvents>();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, events);
  const RunResult result = runner.Run();
  INFO(result.message << "\n" << events->AllWarnings());
  REQUIRE(result.outcome == RunOutcome::kStudyDone);
  std::set<std::string> optimizers;
  for (const Trial& t : study->Trials()) {
    INFO("trial " << t.id << ": " << t.failure_reason);
    CHECK(t.state == TrialState::kSucceeded);
    CHECK_NOTHROW(study->space().Validate(t.parameters));
    const auto record = test::ReadRecord(events->Finished(t.id)->paths.dir);
    REQUIRE(record.is_object());
    const std::set<std::string> flags = FlagNames(record["argv"].get<std::vector<std::string>>());
    CHECK(flags == ParameterNames(t));
    const std::string optimizer = t.parameters.at("optimizer").AsString();
    optimizers.insert(optimizer);
    CHECK(flags.contains("momentum") == (optimizer == "sgd"));
    CHECK(flags.contains("beta1") == (optimizer == "adam"));
    CHECK(flags.contains("hidden_units") == (t.parameters.at("n_layers").AsInteger() >= 2));
  }
  CHECK(optimizers.size() == 2);  // both branches ran
}

TEST_CASE("conditional: examples/conditional runs end to end with the gpu_models trainer",
          "[runner][conditional][e2e]") {
  const std::string trainer = BAYESTUNE_MLP_TRAINER;
  if (trainer.empty() || !std::filesystem::exists(trainer)) {
    WARN("skipped: the gpu_models trainer bayestune-mlp is not built (" + trainer + ")");
    return;
  }
  const auto dir = test::MakeTempDir("conditional-e2e");
  TuningConfig config = LoadTuningConfigOrThrow(kExample);
  config.study.max_trials = 4;
  // The example's trainer, made absolute, on the CPU with one short epoch. bayestune-mlp refuses
  // the flags of the optimizer it does not run: a trial given an inactive flag would fail.
  config.runner.command = {trainer, "--device=cpu"};
  config.runner.args = {"--epochs=1"};
  config.runner.job_dir = (dir / "jobs").string();
  config.runner.env["BAYESTUNE_MLP_DATA"] = BAYESTUNE_SOURCE_DIR "/examples/data/digits.csv.gz";
  auto study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "mlp",
                           {.create_if_missing = true, .spec = config.study});
  TrialRunnerOptions options;
  options.runner = config.runner;
  options.metric_poll_seconds = 0.1;
  auto events = std::make_shared<test::RecordingEvents>();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, events);
  const RunResult result = runner.Run();
  INFO(result.message << "\n" << events->AllWarnings());
  CHECK(result.outcome == RunOutcome::kStudyDone);
  std::set<std::string> optimizers;
  for (const Trial& t : study->Trials()) {
    INFO("trial " << t.id << ": " << t.failure_reason);
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(*t.final_value > 0.0);
    optimizers.insert(t.parameters.at("optimizer").AsString());
  }
  CHECK(optimizers.size() == 2);
}
