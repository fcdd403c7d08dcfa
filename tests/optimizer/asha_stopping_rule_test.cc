#include "bayestune/optimizer/asha_stopping_rule.h"

#include <catch2/catch.hpp>

#include "bayestune/optimizer/errors.h"
#include "bayestune/spec_file/tuning_config_loader.h"

using namespace bayestune;

namespace {

struct Point {
  std::int64_t step;
  double value;
  double wall_time;
  int attempt = 1;
};

Trial Curve(std::int64_t id, std::vector<Point> points, TrialState state = TrialState::kActive) {
  Trial t;
  t.id = id;
  t.state = state;
  for (const Point& p : points) {
    t.measurements.push_back({.metric = "m",
                              .step = p.step,
                              .value = p.value,
                              .wall_time = p.wall_time,
                              .attempt = p.attempt});
    t.attempt = std::max(t.attempt, p.attempt);
  }
  return t;
}

StudySpec Spec(EarlyStoppingSpec e, Goal goal = Goal::kMaximize) {
  StudySpec spec;
  spec.metric_tag = "m";
  spec.goal = goal;
  spec.enable_early_stopping = true;
  e.rule = EarlyStoppingRule::kAsha;
  spec.early_stopping = e;
  return spec;
}

// Rungs at steps 1 and 3 (maxStep 9, reductionFactor 3).
const EarlyStoppingSpec kSmall{.min_step = 1, .max_step = 9, .reduction_factor = 3};

StopDecision Decide(const StudySpec& spec, const Trial& trial, std::vector<Trial> others) {
  others.push_back(trial);
  return AshaStoppingRule(spec.early_stopping).Decide(trial, others, spec);
}

}  // namespace

TEST_CASE("ASHA rungs are minStep * reductionFactor^k below maxStep, per bracket", "[asha]") {
  CHECK(AshaStoppingRule(kSmall).RungSteps(0) == std::vector<std::int64_t>{1, 3});
  const AshaStoppingRule rule(
      {.min_step = 2, .max_step = 100, .reduction_factor = 3, .brackets = 3});
  CHECK(rule.RungSteps(0) == std::vector<std::int64_t>{2, 6, 18, 54});
  CHECK(rule.RungSteps(1) == std::vector<std::int64_t>{6, 18, 54});
  CHECK(rule.RungSteps(2) == std::vector<std::int64_t>{18, 54});
  // Trials are dealt to brackets by id.
  CHECK(rule.BracketOf(1) == 0);
  CHECK(rule.BracketOf(2) == 1);
  CHECK(rule.BracketOf(3) == 2);
  CHECK(rule.BracketOf(4) == 0);
  // maxStep itself is no rung: a trial there is done.
  CHECK(AshaStoppingRule({.min_step = 1, .max_step = 27, .reduction_factor = 3}).RungSteps(0) ==
        std::vector<std::int64_t>{1, 3, 9});
}

TEST_CASE("ASHA: the first at a rung goes on, later arrivals must be in the top 1/eta", "[asha]") {
  const StudySpec spec = Spec(kSmall);
  const Trial t1 = Curve(1, {{1, 0.5, 10}});
  CHECK_FALSE(Decide(spec, t1, {}).stop);  // n = 1, keep 1
  const Trial t2 = Curve(2, {{1, 0.4, 11}});
  const StopDecision d2 = Decide(spec, t2, {t1});  // n = 2, keep 1, ranks 2nd
  CHECK(d2.stop);
  CHECK(d2.reason ==
        "ASHA rung 0 (step 1): m 0.4 at step 1 ranks 2nd of 2 trials that reached the rung; only "
        "the top 1 (1/3) go on, the last of them at 0.5");
  const Trial t3 = Curve(3, {{1, 0.6, 12}});
  CHECK_FALSE(Decide(spec, t3, {t1, t2}).stop);  // best of 3
  const Trial t4 = Curve(4, {{1, 0.55, 13}});
  CHECK(Decide(spec, t4, {t1, t2, t3}).stop);  // 2nd of 4, keep 1
  const Trial t5 = Curve(5, {{1, 0.58, 14}});
  const Trial t6 = Curve(6, {{1, 0.56, 15}});
  // 6 at the rung: keep 2 (0.6 and 0.58); 0.56 ranks 3rd.
  CHECK(Decide(spec, t6, {t1, t2, t3, t4, t5}).stop);
  const Trial t6b = Curve(6, {{1, 0.59, 15}});
  CHECK_FALSE(Decide(spec, t6b, {t1, t2, t3, t4, t5}).stop);  // 2nd of 6: kept
}

TEST_CASE("ASHA is asynchronous: a rung decision counts only the trials there before", "[asha]") {
  const StudySpec spec = Spec(kSmall);
  // Trial 1 passed rung 0 first; trials 2 and 3 arrived later with better values. Read again
  // at step 2, trial 1 is still judged against no one at rung 0.
  const Trial t1 = Curve(1, {{1, 0.3, 10}, {2, 0.35, 20}});
  const Trial t2 = Curve(2, {{1, 0.7, 11}});
  const Trial t3 = Curve(3, {{1, 0.8, 12}});
  CHECK_FALSE(Decide(spec, t1, {t2, t3}).stop);
  // A trial read late (after steps 1 to 3 at once) is judged at each rung by its value at the
  // rung's step: 0.9 at step 1 passes rung 0, 0.1 at step 3 fails rung 1 against trial 4.
  const Trial t4 = Curve(4, {{1, 0.2, 5}, {3, 0.5, 16}});
  const Trial late = Curve(5, {{1, 0.9, 18}, {2, 0.1, 19}, {3, 0.1, 22}});
  const StopDecision d = Decide(spec, late, {t4});
  CHECK(d.stop);
  CHECK(d.reason.find("ASHA rung 1 (step 3): m 0.1 at step 3 ranks 2nd of 2") == 0);
  CHECK(d.reason.find("0.5") != std::string::npos);
  // Without step 3 it has not reached rung 1 yet.
  CHECK_FALSE(Decide(spec, Curve(5, {{1, 0.9, 18}, {2, 0.1, 19}}), {t4}).stop);
}

TEST_CASE("ASHA lists the rungs a trial was let past, with its rank there", "[asha]") {
  const StudySpec spec = Spec(kSmall);
  const Trial t1 = Curve(1, {{1, 0.5, 10}, {3, 0.6, 20}});
  const Trial t2 = Curve(2, {{1, 0.7, 11}, {3, 0.4, 21}});
  // The first at rung 0 and at rung 1: let past both.
  const StopDecision first = Decide(spec, t1, {t2});
  CHECK_FALSE(first.stop);
  REQUIRE(first.promotions.size() == 2);
  CHECK(first.promotions[0].rung == 0);
  CHECK(first.promotions[0].step == 1);
  CHECK(first.promotions[0].reason ==
        "ASHA rung 0 (step 1): m 0.5 at step 1 ranks 1st of 1 trials that reached the rung, in "
        "the top 1 (1/3) that go on");
  CHECK(first.promotions[1].rung == 1);
  CHECK(first.promotions[1].step == 3);
  // Trial 2 beat trial 1 at rung 0 (let past), then ranks 2nd of 2 at rung 1 (stopped): the
  // promotion comes with the stop.
  const StopDecision second = Decide(spec, t2, {t1});
  CHECK(second.stop);
  REQUIRE(second.promotions.size() == 1);
  CHECK(second.promotions[0].reason ==
        "ASHA rung 0 (step 1): m 0.7 at step 1 ranks 1st of 2 trials that reached the rung, in "
        "the top 1 (1/3) that go on");
  CHECK_THAT(second.reason, Catch::StartsWith("ASHA rung 1 (step 3): m 0.4 at step 3 ranks 2nd"));
  // Below the first rung: nothing yet.
  CHECK(Decide(spec, Curve(3, {{0, 0.9, 30}}), {t1, t2}).promotions.empty());
}

TEST_CASE("ASHA judges a rung at the first report at or after its step", "[asha]") {
  const StudySpec spec = Spec(kSmall);
  // Reports at steps 0, 2, 4: rung 0 (step 1) is judged at step 2, rung 1 (step 3) at step 4.
  const Trial t1 = Curve(1, {{0, 0.1, 1}, {2, 0.6, 2}, {4, 0.7, 3}});
  const Trial t2 = Curve(2, {{0, 0.9, 4}, {2, 0.5, 5}});
  const StopDecision d = Decide(spec, t2, {t1});
  CHECK(d.stop);
  CHECK(d.reason.find("m 0.5 at step 2") != std::string::npos);
  CHECK(ValueAtStep(t1.measurements, 3, spec)->step == 4);
  CHECK_FALSE(ValueAtStep(t1.measurements, 5, spec));
  // Under BEST selection the value at a rung is the best up to that report.
  StudySpec best = spec;
  best.measurement_selection = MeasurementSelection::kBest;
  CHECK(ValueAtStep(t2.measurements, 1, best)->value == 0.9);
  CHECK_FALSE(Decide(best, t2, {t1}).stop);
}

TEST_CASE("ASHA ties go to the lower trial id, and MINIMIZE ranks low values first", "[asha]") {
  const StudySpec spec = Spec(kSmall);
  CHECK(Decide(spec, Curve(2, {{1, 0.5, 11}}), {Curve(1, {{1, 0.5, 10}})}).stop);
  // Trial 1 arriving second with the same value still wins the tie.
  CHECK_FALSE(Decide(spec, Curve(1, {{1, 0.5, 11}}), {Curve(2, {{1, 0.5, 10}})}).stop);
  // Equal wall times: the lower id counts as earlier.
  CHECK(Decide(spec, Curve(2, {{1, 0.5, 10}}), {Curve(1, {{1, 0.5, 10}})}).stop);
  const StudySpec minimize = Spec(kSmall, Goal::kMinimize);
  CHECK_FALSE(Decide(minimize, Curve(2, {{1, 0.4, 11}}), {Curve(1, {{1, 0.5, 10}})}).stop);
  CHECK(Decide(minimize, Curve(2, {{1, 0.6, 11}}), {Curve(1, {{1, 0.5, 10}})}).stop);
}

TEST_CASE("ASHA after a crash: trials at several rungs, a requeued one's evidence counts",
          "[asha]") {
  const StudySpec spec = Spec(kSmall);
  // As stored when a runner died: trial 1 finished (reached step 9), trial 2 stopped at rung 0,
  // trial 3 requeued (attempt 2, nothing yet) after reaching rung 1 in attempt 1, trial 4 ACTIVE
  // at rung 0, trial 5 STOPPING.
  Trial t1 = Curve(1, {{1, 0.5, 1}, {3, 0.6, 3}, {9, 0.9, 9}}, TrialState::kSucceeded);
  Trial t2 = Curve(2, {{1, 0.2, 2}}, TrialState::kSucceeded);
  t2.stopped_early = true;
  Trial t3 = Curve(3, {{1, 0.6, 4}, {3, 0.7, 5}}, TrialState::kRequested);
  t3.attempt = 2;
  Trial t4 = Curve(4, {{1, 0.65, 6}});
  Trial t5 = Curve(5, {{1, 0.1, 7}}, TrialState::kStopping);
  const std::vector<Trial> all{t1, t2, t3, t4, t5};
  const AshaStoppingRule rule(kSmall);
  // Rungs as shown by `trials`: trial 3's current attempt has not reached a rung.
  CHECK(rule.RungOf(t1, spec).rung == 1);
  CHECK(rule.RungOf(t2, spec).rung == 0);
  CHECK(rule.RungOf(t3, spec).rung == -1);
  CHECK(rule.RungOf(t4, spec).step == 1);
  // Trial 4 at rung 0: 4 there before it (0.5, 0.2, 0.6 from trial 3's first attempt), keep 1
  // of 4: 0.65 is best -> goes on. At step 3 with 0.65 it meets 0.6 (trial 1) and 0.7 (trial 3,
  // attempt 1): 2nd of 3, keep 1 -> stops at rung 1.
  CHECK_FALSE(rule.Decide(t4, all, spec).stop);
  Trial t4_later = t4;
  t4_later.measurements.push_back(
      {.metric = "m", .step = 3, .value = 0.65, .wall_time = 20, .attempt = 1});
  const StopDecision d = rule.Decide(t4_later, {t1, t2, t3, t4_later, t5}, spec);
  CHECK(d.stop);
  CHECK(d.reason.find("rung 1 (step 3)") != std::string::npos);
  CHECK(d.reason.find("2nd of 3") != std::string::npos);
  // The same stored trials give the same decisions, in any process.
  CHECK(AshaStoppingRule(kSmall).Decide(t4_later, {t1, t2, t3, t4_later, t5}, spec).stop);
}

TEST_CASE("ASHA: a stopped trial's rerun attempt is judged afresh, not by its old attempt",
          "[asha]") {
  const StudySpec spec = Spec(kSmall);
  const Trial t1 = Curve(1, {{1, 0.5, 1}}, TrialState::kSucceeded);
  const Trial t3 = Curve(3, {{1, 0.6, 3}}, TrialState::kSucceeded);
  // Trial 2 was stopped at rung 0 (0.4) while its runner died: requeued, its attempt 2 runs.
  Trial rerun = Curve(2, {{1, 0.4, 2, 1}});
  rerun.attempt = 2;
  CHECK_FALSE(Decide(spec, rerun, {t1, t3}).stop);  // attempt 2 has reached no rung yet
  rerun.measurements.push_back(
      {.metric = "m", .step = 1, .value = 0.7, .wall_time = 50, .attempt = 2});
  // Its own 0.4 of attempt 1 is not a rival: 0.7 is best of 3.
  CHECK_FALSE(Decide(spec, rerun, {t1, t3}).stop);
  rerun.measurements.back().value = 0.45;
  const StopDecision d = Decide(spec, rerun, {t1, t3});
  CHECK(d.stop);
  CHECK(d.reason.find("ranks 3rd of 3") != std::string::npos);
}

TEST_CASE("Hyperband brackets: trials compete only within their bracket", "[asha]") {
  // Bracket 0: rungs 1, 3; bracket 1: rung 3 only.
  const StudySpec spec = Spec({.min_step = 1, .max_step = 9, .reduction_factor = 3, .brackets = 2});
  const Trial t1 = Curve(1, {{1, 0.5, 1}, {3, 0.6, 2}});  // bracket 0
  const Trial t2 = Curve(2, {{1, 0.1, 3}});               // bracket 1: no rung at step 1
  CHECK_FALSE(Decide(spec, t2, {t1}).stop);
  const Trial t3 = Curve(3, {{1, 0.2, 4}});  // bracket 0, second at rung 0: goes on
  CHECK_FALSE(Decide(spec, t3, {t1, t2}).stop);
  const Trial t5 = Curve(5, {{1, 0.3, 5}});  // bracket 0, third, below trial 1: keep 1 of 3
  CHECK(Decide(spec, t5, {t1, t2, t3}).stop);
  const Trial t2_at_3 = Curve(2, {{1, 0.1, 3}, {3, 0.3, 6}});
  CHECK_FALSE(Decide(spec, t2_at_3, {t1, t3, t5}).stop);  // first of bracket 1 at step 3
  const Trial t4 = Curve(4, {{3, 0.25, 7}});              // bracket 1, second at step 3
  CHECK_FALSE(Decide(spec, t4, {t1, t2_at_3, t3, t5}).stop);
  // Bracket 1, third at step 3, below trials 2 and 4; trial 1's 0.6 at step 3 (bracket 0) does
  // not count.
  const Trial t6 = Curve(6, {{3, 0.2, 8}});
  const StopDecision d = Decide(spec, t6, {t1, t2_at_3, t3, t4, t5});
  CHECK(d.stop);
  CHECK(d.reason ==
        "ASHA rung 0 (step 3, bracket 1): m 0.2 at step 3 ranks 3rd of 3 trials that reached the "
        "rung; only the top 1 (1/3) go on, the last of them at 0.3");
}

TEST_CASE("Hyperband brackets: a rung's first reductionFactor - 1 trials of a bracket go on",
          "[asha]") {
  // One bracket: the second trial at a rung must beat the first ("the first at a rung" above).
  // With brackets, the first two (reductionFactor 3) go on whatever their values: on curves whose
  // early ranking misleads, Hyperband trains more trials to the end early so (docs/optimizer.md,
  // "Multi-fidelity figures").
  const StudySpec spec =
      Spec({.min_step = 1, .max_step = 27, .reduction_factor = 3, .brackets = 2});
  const Trial t1 = Curve(1, {{1, 0.5, 1}, {3, 0.6, 2}});  // bracket 0
  const Trial t3 = Curve(3, {{1, 0.1, 3}, {3, 0.2, 4}});  // bracket 0, below trial 1 at both
  const StopDecision second = Decide(spec, t3, {t1});
  CHECK_FALSE(second.stop);
  REQUIRE(second.promotions.size() == 2);
  CHECK(second.promotions[0].reason ==
        "ASHA rung 0 (step 1, bracket 0): m 0.1 at step 1 ranks 2nd of 2 trials that reached the "
        "rung, among the first 2 of its bracket there, who all go on");
  CHECK(second.promotions[1].reason.find("ASHA rung 1 (step 3, bracket 0): m 0.2 at step 3 ranks "
                                         "2nd of 2 trials") == 0);
  // The third at rung 0 is ranked: below both, it stops.
  const Trial t5 = Curve(5, {{1, 0.05, 5}});
  CHECK(Decide(spec, t5, {t1, t3}).stop);
  // The same trials with one bracket (trial 3 then second in the only bracket): stopped at rung 0.
  const StudySpec one = Spec({.min_step = 1, .max_step = 27, .reduction_factor = 3});
  const StopDecision alone = Decide(one, t3, {t1});
  CHECK(alone.stop);
  CHECK(alone.reason.find("ASHA rung 0 (step 1): m 0.1 at step 1 ranks 2nd of 2") == 0);
}

TEST_CASE("bad ASHA settings are rejected, naming the field", "[asha][config]") {
  const auto problem = [](EarlyStoppingSpec e, bool enabled = true) {
    StudySpec spec;
    spec.enable_early_stopping = enabled;
    e.rule = EarlyStoppingRule::kAsha;
    spec.early_stopping = e;
    auto p = EarlyStoppingProblem(spec);
    return p ? p->field + ": " + p->message : std::string();
  };
  CHECK(problem({.min_step = 1, .max_step = 9}).empty());
  CHECK(problem({.min_step = 9, .max_step = 9}).find("maxStep: must be more than minStep (9)") ==
        0);
  CHECK(problem({.min_step = 1, .max_step = 9, .reduction_factor = 1}) ==
        "reductionFactor: must be at least 2, got 1");
  CHECK(problem({.min_step = 1, .max_step = 9}, false).find("rule: is ASHA but") == 0);
  CHECK(problem({.min_step = 1, .max_step = 9, .reduction_factor = 3, .brackets = 3})
            .find("brackets: must be at most 2") == 0);
  CHECK_THROWS_WITH(AshaStoppingRule({.min_step = 5, .max_step = 2}),
                    Catch::Contains("runner.earlyStopping.maxStep"));
  StudySpec spec;
  spec.parameters.push_back(
      {.name = "x", .type = ParameterType::kDouble, .min_value = 0, .max_value = 1});
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 9};
  CHECK_THROWS_WITH(ValidateStudySpec(spec),
                    Catch::Contains("runner.earlyStopping.rule is ASHA but") &&
                        Catch::Contains("enableTrialEarlyStopping is false"));
}

namespace {

std::string Yaml(bool enabled, const std::string& early_stopping) {
  return std::string(
             "trainingInput:\n"
             "  hyperparameters:\n"
             "    hyperparameterMetricTag: m\n"
             "    maxTrials: 10\n") +
         (enabled ? "    enableTrialEarlyStopping: true\n" : "") +
         "    params:\n"
         "      - parameterName: lr\n"
         "        type: DOUBLE\n"
         "        minValue: 0.001\n"
         "        maxValue: 0.1\n"
         "runner:\n"
         "  command: [python3, train.py]\n"
         "  earlyStopping:\n" +
         early_stopping;
}

// The one error of `text`, as "line N: field: message".
std::string OnlyError(const std::string& text) {
  const TuningConfigLoadResult result = ParseTuningConfig(text, "t.yaml");
  std::vector<std::string> errors;
  for (const Diagnostic& d : result.diagnostics) {
    if (d.IsError()) errors.push_back(d.ToString());
  }
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(errors.size() == 1);
  return errors.front();
}

}  // namespace

TEST_CASE("runner.earlyStopping in tuning.yaml: ASHA, its defaults and its errors",
          "[asha][config]") {
  const TuningConfigLoadResult ok =
      ParseTuningConfig(Yaml(true,
                             "    rule: ASHA\n    minStep: 2\n    maxStep: 54\n"
                             "    brackets: 2\n"),
                        "t.yaml");
  INFO(FormatDiagnostics(ok.diagnostics));
  REQUIRE(ok.ok());
  const EarlyStoppingSpec& e = ok.config.study.early_stopping;
  CHECK(e.rule == EarlyStoppingRule::kAsha);
  CHECK(e.min_step == 2);
  CHECK(e.max_step == 54);
  CHECK(e.reduction_factor == 3);
  CHECK(e.brackets == 2);
  // MEDIAN stays the default.
  const auto median = ParseTuningConfig(Yaml(true, "    rule: MEDIAN\n"), "t.yaml");
  CHECK(median.ok());
  CHECK(median.config.study.early_stopping.rule == EarlyStoppingRule::kMedian);

  CHECK_THAT(OnlyError(Yaml(true, "    rule: ASHA\n    minStep: 9\n    maxStep: 9\n")),
             Catch::Contains("runner.earlyStopping.maxStep") &&
                 Catch::Contains("must be more than minStep (9)") && Catch::Contains("t.yaml:16:"));
  CHECK_THAT(
      OnlyError(Yaml(true, "    rule: ASHA\n    maxStep: 9\n    reductionFactor: 1\n")),
      Catch::Contains("runner.earlyStopping.reductionFactor") && Catch::Contains("at least 2"));
  CHECK_THAT(OnlyError(Yaml(false, "    rule: ASHA\n    maxStep: 9\n")),
             Catch::Contains("runner.earlyStopping.rule") &&
                 Catch::Contains("enableTrialEarlyStopping is false"));
  CHECK_THAT(OnlyError(Yaml(true, "    rule: ASHA\n")),
             Catch::Contains("runner.earlyStopping.maxStep") && Catch::Contains("missing"));
  CHECK_THAT(OnlyError(Yaml(true, "    rule: ASHAA\n    maxStep: 9\n")),
             Catch::Contains("runner.earlyStopping.rule") && Catch::Contains("ASHA"));
}

TEST_CASE("ASHA's reasons show a value read from an event file with 6 significant digits",
          "[asha]") {
  const StudySpec spec = Spec(kSmall);
  // float32 values as an event file gives them, widened to double.
  const Trial t1 = Curve(1, {{1, static_cast<double>(0.31234567f), 10}});
  const StopDecision d = Decide(spec, Curve(2, {{1, static_cast<double>(0.26487329f), 11}}), {t1});
  REQUIRE(d.stop);
  CHECK(d.reason ==
        "ASHA rung 0 (step 1): m 0.264873 at step 1 ranks 2nd of 2 trials that reached the rung; "
        "only the top 1 (1/3) go on, the last of them at 0.312346");
}
