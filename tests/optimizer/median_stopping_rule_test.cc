#include "bayestune/optimizer/median_stopping_rule.h"

#include <catch2/catch.hpp>
#include <cmath>

using namespace bayestune;

namespace {

// A trial with one measurement of "m" per (step, value).
Trial Curve(std::int64_t id, std::vector<std::pair<std::int64_t, double>> points,
            const std::string& metric = "m") {
  Trial t;
  t.id = id;
  t.state = TrialState::kSucceeded;
  for (auto [step, value] : points)
    t.measurements.push_back({.metric = metric, .step = step, .value = value});
  return t;
}

bool ShouldStopByMedianRule(const Trial& trial, const std::vector<Trial>& completed,
                            const std::string& metric, Goal goal,
                            MedianStoppingOptions options = {}) {
  StudySpec spec;
  spec.metric_tag = metric;
  spec.goal = goal;
  return MedianStoppingRule(options).Decide(trial, completed, spec).stop;
}

// Three completed curves (maximised): running averages at step 2 are 0.5, 0.6, 0.7 -> median 0.6.
std::vector<Trial> Completed() {
  return {Curve(1, {{1, 0.4}, {2, 0.6}, {3, 0.9}}), Curve(2, {{1, 0.5}, {2, 0.7}, {3, 0.9}}),
          Curve(3, {{1, 0.6}, {2, 0.8}, {3, 0.9}})};
}

}  // namespace

TEST_CASE("a trial below the median of running averages stops (maximise)", "[median]") {
  const auto completed = Completed();
  CHECK(ShouldStopByMedianRule(Curve(9, {{1, 0.3}, {2, 0.55}}), completed, "m", Goal::kMaximize));
  CHECK_FALSE(
      ShouldStopByMedianRule(Curve(9, {{1, 0.3}, {2, 0.65}}), completed, "m", Goal::kMaximize));
  // Equal to the median is not worse.
  CHECK_FALSE(
      ShouldStopByMedianRule(Curve(9, {{1, 0.3}, {2, 0.6}}), completed, "m", Goal::kMaximize));
  // The trial's best value counts, not its last.
  CHECK_FALSE(
      ShouldStopByMedianRule(Curve(9, {{1, 0.7}, {2, 0.1}}), completed, "m", Goal::kMaximize));
}

TEST_CASE("under MINIMIZE a trial above the median stops", "[median]") {
  // Running averages at step 2: 0.5, 0.6, 0.7 -> median 0.6.
  const auto completed = Completed();
  CHECK(ShouldStopByMedianRule(Curve(9, {{1, 0.9}, {2, 0.65}}), completed, "m", Goal::kMinimize));
  CHECK_FALSE(
      ShouldStopByMedianRule(Curve(9, {{1, 0.9}, {2, 0.55}}), completed, "m", Goal::kMinimize));
}

TEST_CASE("running averages only use steps up to the trial's latest", "[median]") {
  // At step 1 the completed averages are 0.4, 0.5, 0.6 -> median 0.5.
  const auto completed = Completed();
  CHECK(ShouldStopByMedianRule(Curve(9, {{1, 0.45}}), completed, "m", Goal::kMaximize));
  CHECK_FALSE(ShouldStopByMedianRule(Curve(9, {{1, 0.55}}), completed, "m", Goal::kMaximize));
}

TEST_CASE("too few comparable completed trials never stop a trial", "[median]") {
  auto completed = Completed();
  completed.pop_back();
  const Trial bad = Curve(9, {{1, 0.0}, {2, 0.0}});
  CHECK_FALSE(ShouldStopByMedianRule(bad, completed, "m", Goal::kMaximize));
  CHECK(ShouldStopByMedianRule(bad, completed, "m", Goal::kMaximize, {.min_completed_trials = 2}));
  // A completed trial whose first measurement comes after the trial's step does not count.
  completed.push_back(Curve(4, {{5, 0.9}}));
  CHECK_FALSE(ShouldStopByMedianRule(bad, completed, "m", Goal::kMaximize));
  // Nor one without the metric.
  completed.back() = Curve(4, {{1, 0.9}}, "other");
  CHECK_FALSE(ShouldStopByMedianRule(bad, completed, "m", Goal::kMaximize));
}

TEST_CASE("an even number of completed trials takes the mean of the middle two", "[median]") {
  auto completed = Completed();
  completed.push_back(Curve(4, {{1, 0.7}, {2, 0.9}}));  // averages 0.5 0.6 0.7 0.8 -> 0.65
  CHECK(ShouldStopByMedianRule(Curve(9, {{2, 0.64}}), completed, "m", Goal::kMaximize));
  CHECK_FALSE(ShouldStopByMedianRule(Curve(9, {{2, 0.66}}), completed, "m", Goal::kMaximize));
}

TEST_CASE("the trial itself, other metrics and a trial without measurements", "[median]") {
  auto completed = Completed();
  // The trial listed among the completed ones is not compared with itself.
  Trial self = Curve(1, {{1, 0.0}, {2, 0.0}});
  CHECK_FALSE(ShouldStopByMedianRule(self, completed, "m", Goal::kMaximize));
  // Measurements of other metrics are ignored.
  Trial mixed = Curve(9, {{2, 0.9}});
  mixed.measurements.push_back({.metric = "loss", .step = 3, .value = -5.0});
  CHECK_FALSE(ShouldStopByMedianRule(mixed, completed, "m", Goal::kMaximize));
  CHECK_FALSE(ShouldStopByMedianRule(Curve(9, {}), completed, "m", Goal::kMaximize));
}

TEST_CASE("non-finite measurements are ignored on both sides", "[median]") {
  auto completed = Completed();
  completed[0].measurements.push_back({.metric = "m", .step = 2, .value = NAN});
  // Still 0.5, 0.6, 0.7 at step 2.
  CHECK(ShouldStopByMedianRule(Curve(9, {{2, 0.55}}), completed, "m", Goal::kMaximize));
  Trial t = Curve(9, {{1, 0.55}, {2, NAN}});
  // Its latest finite step is 1, where the median is 0.5: not stopped.
  CHECK_FALSE(ShouldStopByMedianRule(t, completed, "m", Goal::kMaximize));
  CHECK_FALSE(ShouldStopByMedianRule(Curve(9, {{2, INFINITY}}), completed, "m", Goal::kMinimize));
}

TEST_CASE("the decision says why, with the values compared", "[median]") {
  StudySpec spec;
  spec.metric_tag = "m";
  const StopDecision stop =
      MedianStoppingRule().Decide(Curve(9, {{1, 0.3}, {2, 0.55}}), Completed(), spec);
  CHECK(stop.stop);
  CHECK(stop.reason ==
        "median rule: m 0.55 (best up to step 2) is below the median 0.6 of 3 succeeded trials' "
        "running averages at step 2");
  const StopDecision go =
      MedianStoppingRule().Decide(Curve(9, {{1, 0.3}, {2, 0.65}}), Completed(), spec);
  CHECK_FALSE(go.stop);
  CHECK(go.reason.empty());
}

TEST_CASE("only the current attempt's measurements count, and only succeeded trials", "[median]") {
  StudySpec spec;
  spec.metric_tag = "m";
  // Attempt 1 of the trial reported a bad value before it was killed; attempt 2 does well.
  Trial rerun = Curve(9, {});
  rerun.attempt = 2;
  rerun.measurements = {{.metric = "m", .step = 2, .value = 0.1, .attempt = 1},
                        {.metric = "m", .step = 2, .value = 0.65, .attempt = 2}};
  CHECK_FALSE(MedianStoppingRule().Decide(rerun, Completed(), spec).stop);
  rerun.measurements[1].value = 0.55;
  CHECK(MedianStoppingRule().Decide(rerun, Completed(), spec).stop);
  // A failed trial's curve is no yardstick.
  auto trials = Completed();
  trials[2].state = TrialState::kFailed;
  CHECK_FALSE(MedianStoppingRule().Decide(Curve(9, {{2, 0.0}}), trials, spec).stop);
}
