// Stopped is not finished: how trials stopped early rank, what the designer's model sees of them,
// and ASHA through a Study.
#include <catch2/catch.hpp>
#include <cmath>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"
#include "step_budget.h"
#include "stopped_trial_values.h"
#include "study_spec_json.h"

using namespace bayestune;

namespace {

Trial Curve(std::int64_t id, std::vector<std::pair<std::int64_t, double>> points, bool stopped) {
  Trial t;
  t.id = id;
  t.state = TrialState::kSucceeded;
  t.stopped_early = stopped;
  double wall = static_cast<double>(id) * 100;
  for (auto [step, value] : points) {
    t.measurements.push_back(
        {.metric = "m", .step = step, .value = value, .wall_time = ++wall, .attempt = 1});
  }
  t.final_value = points.back().second;
  t.final_step = points.back().first;
  return t;
}

StudySpec OneParameterSpec() {
  StudySpec spec;
  spec.metric_tag = "m";
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  return spec;
}

double ValueOf(const std::vector<Trial>& trials, std::int64_t id) {
  for (const Trial& t : trials) {
    if (t.id == id) return t.final_value.value_or(NAN);
  }
  return NAN;
}

}  // namespace

TEST_CASE("a trial trained to the end ranks before any trial stopped early", "[stopped]") {
  const StudySpec spec = OneParameterSpec();
  const std::vector<Trial> ranked =
      RankTrials({Curve(1, {{1, 0.95}}, true), Curve(2, {{9, 0.6}}, false),
                  Curve(3, {{9, 0.7}}, false), Curve(4, {{3, 0.5}}, true)},
                 spec);
  REQUIRE(ranked.size() == 4);
  CHECK(ranked[0].id == 3);
  CHECK(ranked[1].id == 2);
  CHECK(ranked[2].id == 1);  // the stopped ones after, by their value
  CHECK(ranked[3].id == 4);
}

TEST_CASE("the model sees a stopped trial as pending: avoided, its cut-off value not learned",
          "[stopped]") {
  const StudySpec spec = OneParameterSpec();
  std::vector<Trial> trials{Curve(1, {{1, 0.3}, {3, 0.5}, {9, 0.8}}, false),
                            Curve(2, {{1, 0.4}, {3, 0.6}, {9, 0.9}}, false),
                            Curve(3, {{1, 0.2}, {3, 0.3}, {9, 0.6}}, false),
                            Curve(4, {{1, 0.35}}, true), Curve(5, {{1, 0.5}, {3, 0.55}}, true)};
  trials[4].final_values = {0.55};
  Trial failed = Curve(6, {{1, 0.1}}, true);
  failed.state = TrialState::kFailed;
  trials.push_back(failed);
  const std::vector<Trial> model = TrialsForModel(trials, spec);
  REQUIRE(model.size() == 6);
  // Trained to the end: as they are.
  for (std::size_t i = 0; i < 3; ++i)
    CHECK(model[i] == trials[i]);
  // Stopped at step 1 (0.35) and at step 3 (0.55): pending, whatever their cut-off values (the
  // median-gain imputation gave both 0.85, the slow starter's true end unknown).
  for (std::size_t i = 3; i < 5; ++i) {
    CHECK(model[i].state == TrialState::kActive);
    CHECK_FALSE(model[i].final_value);
    CHECK(model[i].final_values.empty());
  }
  // A trial that failed is not a stopped one: the designer sees it failed.
  CHECK(model[5] == trials[5]);
  // A study where nothing stopped early is seen as it is.
  const std::vector<Trial> plain(trials.begin(), trials.begin() + 3);
  CHECK(TrialsForModel(plain, spec) == plain);
}

TEST_CASE("the model sees stopped trials as pending however few trials were trained to the end",
          "[stopped]") {
  const StudySpec spec = OneParameterSpec();
  const std::vector<Trial> trials{
      Curve(1, {{1, 0.3}, {3, 0.5}, {9, 0.8}}, false), Curve(4, {{1, 0.35}}, true),
      Curve(5, {{1, 0.5}, {3, 0.55}}, true), Curve(6, {{1, 0.45}, {3, 0.5}}, true)};
  const std::vector<Trial> model = TrialsForModel(trials, spec);
  // No step-3 fidelity (BOHB's rule, measured worse): the one trial trained to the end keeps its
  // final value, the three stopped ones are pending.
  CHECK(ValueOf(model, 1) == 0.8);
  for (std::size_t i = 1; i < 4; ++i) {
    CHECK(model[i].state == TrialState::kActive);
    CHECK_FALSE(model[i].final_value);
  }
  const std::vector<Trial> lone = TrialsForModel({Curve(7, {{1, 0.35}}, true)}, spec);
  CHECK(lone[0].state == TrialState::kActive);
  CHECK_FALSE(lone[0].final_value);
}

namespace {

// Records what the designer was given.
class RecordingDesigner : public Designer {
 public:
  std::vector<ParameterValues> Suggest(const DesignerInput& input) override {
    seen = input.trials;
    std::vector<ParameterValues> points;
    for (int i = 0; i < input.count; ++i) {
      points.push_back({{"x", ParameterValue(0.01 * static_cast<double>(++made))}});
    }
    return points;
  }
  std::vector<Trial> seen;
  int made = 0;
};

}  // namespace

TEST_CASE("ASHA through a Study: stop with the rung's reason, recorded as stopped, not best",
          "[stopped][asha]") {
  StudySpec spec = OneParameterSpec();
  spec.max_trials = 6;
  spec.max_parallel_trials = 3;
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 9};
  // The stored spec keeps the rule.
  CHECK(StudySpecFromJson(StudySpecToJson(spec)) == spec);
  auto designer = std::make_shared<RecordingDesigner>();
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                           {.create_if_missing = true, .spec = spec, .designer = designer});
  const std::vector<Trial> trials = study->Suggest(3, "c");
  REQUIRE(trials.size() == 3);
  const auto report = [&](const Trial& t, std::int64_t step, double value, double wall) {
    study->AddMeasurement(t.id, {.metric = "m", .step = step, .value = value, .wall_time = wall},
                          t.Owner());
  };
  report(trials[0], 1, 0.5, 10);
  CHECK_FALSE(study->ShouldStop(trials[0].id, trials[0].Owner()).stop);
  report(trials[1], 1, 0.3, 11);
  const StopDecision stop = study->ShouldStop(trials[1].id, trials[1].Owner());
  CHECK(stop.stop);
  CHECK(stop.reason.find("ASHA rung 0 (step 1)") == 0);
  CHECK(stop.rung == "rung 0 (step 1)");
  CHECK(study->GetTrial(trials[1].id).state == TrialState::kStopping);
  // The rung is recorded with the stop, for the readers (Trial::stop_rung).
  CHECK(study->GetTrial(trials[1].id).stop_rung == "rung 0 (step 1)");
  // It ran on to step 2 before its process ended; the value it stopped with is 0.9.
  report(trials[1], 2, 0.9, 12);
  const Trial stopped =
      study->Complete(trials[1].id, std::nullopt, std::nullopt, trials[1].Owner());
  CHECK(stopped.stopped_early);
  CHECK(stopped.state == TrialState::kSucceeded);
  CHECK(stopped.stop_rung == "rung 0 (step 1)");
  report(trials[0], 9, 0.7, 20);
  study->Complete(trials[0].id, std::nullopt, std::nullopt, trials[0].Owner());
  // 0.9 was cut off at step 2: the trial trained to the end is the best.
  CHECK(study->BestTrial()->id == trials[0].id);
  // The designer's next fit does not take 0.9 as the stopped trial's final value.
  const std::vector<Trial> more = study->Suggest(1, "d");
  REQUIRE(more.size() == 1);
  REQUIRE(designer->seen.size() >= 2);
  for (const Trial& t : designer->seen) {
    if (t.id != trials[1].id) continue;
    CHECK(t.state == TrialState::kActive);  // pending: avoided, not learned
    CHECK_FALSE(t.final_value);
  }
  // Trial 3, stopped and then queued to run again (its runner lost), has no rung: it runs anew.
  report(trials[2], 1, 0.1, 13);
  REQUIRE(study->ShouldStop(trials[2].id, trials[2].Owner()).stop);
  CHECK(study->GetTrial(trials[2].id).stop_rung == "rung 0 (step 1)");
  CHECK(study->Requeue(trials[2].id, "runner restarted", trials[2].Owner()).stop_rung.empty());
}

TEST_CASE("steps saved by stopping early, epochs past the rung counted as spent", "[stopped]") {
  StudySpec spec = OneParameterSpec();
  std::vector<Trial> trials{Curve(1, {{1, 0.3}, {3, 0.5}, {9, 0.8}}, false),
                            Curve(2, {{1, 0.2}, {2, 0.25}}, true),
                            Curve(3, {{1, 0.5}, {3, 0.55}, {4, 0.56}}, true)};
  // The median rule: a full trial is as long as the longest trial trained to the end (9).
  StepBudget budget = CountSteps(trials, spec);
  CHECK(budget.spent == 9 + 2 + 4);
  CHECK(budget.full_length == 9);
  CHECK(budget.saved == 7 + 5);
  CHECK(budget.stopped == 2);
  CHECK(DescribeStepsSaved(budget) ==
        "GPU time saved: 12 of 27 steps (44%) not run by stopping 2 trials early, compared with "
        "running every trial to step 9");
  // ASHA: maxStep is the full length. A rerun attempt's steps count as spent too.
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 10};
  trials[0].measurements.push_back({.metric = "m", .step = 5, .value = 0.1, .attempt = 2});
  trials[0].attempt = 2;
  budget = CountSteps(trials, spec);
  CHECK(budget.full_length == 10);
  CHECK(budget.spent == 9 + 5 + 2 + 4);
  CHECK(budget.saved == 8 + 6);
  CHECK(DescribeStepsSaved(CountSteps({trials[0]}, spec)).empty());
}

// A trainer that goes on past ASHA's maxStep (it numbers its steps its own way, or ignores the
// flag): its steps past maxStep were counted as run, so the line said "14 of 50 steps (28%) ...
// compared with running every trial to step 10" of three trials (30 steps to step 10), and a
// trial stopped past maxStep counted among those stopped early, having saved nothing.
TEST_CASE("steps saved by ASHA leave out the steps reported past maxStep", "[stopped]") {
  StudySpec spec = OneParameterSpec();
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 10};
  std::vector<Trial> trials{Curve(1, {{1, 0.3}, {10, 0.5}, {30, 0.8}}, false),
                            Curve(2, {{1, 0.2}, {2, 0.25}}, true),
                            Curve(3, {{1, 0.5}, {4, 0.56}}, true)};
  StepBudget budget = CountSteps(trials, spec);
  CHECK(budget.spent == 10 + 2 + 4);
  CHECK(budget.saved == 8 + 6);
  CHECK(DescribeStepsSaved(budget) ==
        "GPU time saved: 14 of 30 steps (47%) not run by stopping 2 trials early, compared with "
        "running every trial to step 10");
  // Stopped, but only at step 12: nothing saved, and not said to be stopped early.
  trials.push_back(Curve(4, {{1, 0.1}, {12, 0.2}}, true));
  budget = CountSteps(trials, spec);
  CHECK(budget.spent == 10 + 2 + 4 + 10);
  CHECK(budget.saved == 8 + 6);
  CHECK(budget.stopped == 2);
}

// Found by the fault campaign fieldtest11: steps are int64 and a trainer may number them by its
// clock (time.time_ns(), about 1.8e18); the sums of such steps passed int64, and status said
// "GPU time saved: -24 of -9223372036854775808 steps (0%)".
TEST_CASE("steps saved count past int64 when trainers number steps near its limit", "[stopped]") {
  const StudySpec spec = OneParameterSpec();
  constexpr std::int64_t kFull = 4'000'000'000'000'000'000;  // three of them pass int64
  const std::vector<Trial> trials{
      Curve(1, {{1, 0.3}, {kFull, 0.8}}, false), Curve(2, {{1, 0.2}, {kFull, 0.25}}, false),
      Curve(3, {{1, 0.4}, {kFull, 0.45}}, false), Curve(4, {{1, 0.5}, {kFull / 4, 0.55}}, true)};
  const StepBudget budget = CountSteps(trials, spec);
  CHECK(budget.full_length == kFull);
  CHECK(budget.spent == 13e18L);
  CHECK(budget.saved == 3e18L);
  CHECK(DescribeStepsSaved(budget) ==
        "GPU time saved: 3000000000000000000 of 16000000000000000000 steps (19%) not run by "
        "stopping 1 trial early, compared with running every trial to step 4000000000000000000");
}
