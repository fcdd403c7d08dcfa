// A multi-objective study through the real runner: the fake trainer writes two metrics to its
// event files, and each trial gets one value per objective, or fails naming the missing one.
#include <catch2/catch.hpp>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "test_support.h"

using namespace bayestune;

namespace {

// The fake trainer writes accuracy = x and, with --extra-tag=T, T = 1 - x at every step.
StudySpec TwoMetricSpec(Goal second_goal) {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.goal = Goal::kMaximize;
  spec.metrics = {{"accuracy", Goal::kMaximize}, {"loss", second_goal}};
  spec.max_trials = 5;
  spec.max_parallel_trials = 2;
  spec.max_failed_trials = 100;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.seed = 5;
  spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
  return spec;
}

RunResult RunStudy(const std::shared_ptr<Study>& study, const std::string& name,
                   const std::vector<std::string>& args) {
  TrialRunnerOptions options;
  options.runner.command = {test::FakeTrainer()};
  options.runner.args = args;
  options.runner.job_dir = (test::MakeTempDir(name) / "jobs").string();
  options.runner.gpus = std::vector<int>{};
  options.runner.cpu_trials = 4;
  options.metric_poll_seconds = 0.05;
  auto events = std::make_shared<test::RecordingEvents>();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, events);
  const RunResult result = runner.Run();
  INFO(result.message << "\n" << events->AllWarnings());
  CHECK(result.outcome == RunOutcome::kStudyDone);
  return result;
}

}  // namespace

TEST_CASE("runner: each trial of a two-metric study gets both values, the front follows the goals",
          "[runner][multi-objective]") {
  // accuracy = x (MAXIMIZE) and loss = 1 - x: with loss MAXIMIZE every trial trades one for the
  // other (all on the front); with loss MINIMIZE the highest x wins both (a front of one).
  for (const Goal second_goal : {Goal::kMaximize, Goal::kMinimize}) {
    const std::string name = second_goal == Goal::kMaximize ? "mo-tradeoff" : "mo-single";
    auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), name,
                             {.create_if_missing = true, .spec = TwoMetricSpec(second_goal)});
    const RunResult result = RunStudy(study, name, {"--steps=2", "--extra-tag=loss"});
    CHECK(result.progress.succeeded == 5);
    const Trial* highest = nullptr;
    for (const Trial& t : study->Trials()) {
      INFO("trial " << t.id << ": " << t.failure_reason);
      REQUIRE(t.state == TrialState::kSucceeded);
      const double x = t.parameters.at("x").AsDouble();
      REQUIRE(t.final_values.size() == 2);
      CHECK(t.final_values[0] == Approx(x).epsilon(1e-6));
      CHECK(t.final_values[1] == Approx(1 - x).epsilon(1e-6).margin(1e-6));
      CHECK(*t.final_value == t.final_values[0]);
      CHECK(*t.final_step == 2);
      if (highest == nullptr || x > highest->parameters.at("x").AsDouble()) highest = &t;
    }
    const std::vector<Trial> trials = study->Trials();
    const std::vector<Trial> front = ParetoOptimalTrials(trials, study->spec());
    if (second_goal == Goal::kMaximize) {
      CHECK(front.size() == 5);
    } else {
      REQUIRE(front.size() == 1);
      CHECK(front[0].parameters == highest->parameters);
    }
  }
}

TEST_CASE("runner: a trial that never reports one of the metrics fails, naming it",
          "[runner][multi-objective]") {
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "mo-missing",
                           {.create_if_missing = true, .spec = TwoMetricSpec(Goal::kMinimize)});
  RunStudy(study, "mo-missing", {"--steps=2", "--extra-tag=los"});
  for (const Trial& t : study->Trials()) {
    CHECK(t.state == TrialState::kFailed);
    CHECK_THAT(t.failure_reason, Catch::Contains("every metric") && Catch::Contains("'loss'") &&
                                     Catch::Contains("los"));
    CHECK(t.final_values.empty());
  }
}
