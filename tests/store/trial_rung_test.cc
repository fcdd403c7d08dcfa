// The rung a stopped trial is shown at (TrialRungText) is where the study's own rule stopped it:
// with the GP, ASHA's model-based promotion included.
#include "bayestune/store/trial_rung.h"

#include <catch2/catch.hpp>

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/stopping_rule.h"

using namespace bayestune;

namespace {

Trial At(std::int64_t id, double x, std::vector<std::tuple<std::int64_t, double, double>> points,
         std::optional<double> final, bool stopped = false) {
  Trial t;
  t.id = id;
  t.parameters = {{"x", ParameterValue(x)}};
  t.state = TrialState::kSucceeded;
  t.final_value = final;
  t.stopped_early = stopped;
  for (auto [step, value, wall] : points) {
    t.measurements.push_back(
        {.metric = "m", .step = step, .value = value, .wall_time = wall, .attempt = 1});
  }
  return t;
}

}  // namespace

TEST_CASE("a trial ASHA's model let past rung 0 and stopped at rung 1 is shown at rung 1",
          "[rung][model]") {
  StudySpec spec;
  spec.metric_tag = "m";
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  spec.enable_early_stopping = true;
  spec.early_stopping = {
      .rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 9, .reduction_factor = 3};
  // Seven trials trained to the end on the parabola 0.8 - 2 (x - 0.6)^2 (the best 0.72, at 0.4
  // and 0.8), finished by wall time 36. Trial 8, at x = 0.6, finished later (100.5) with 0.3.
  std::vector<Trial> trials;
  const double xs[] = {0.0, 0.2, 0.3, 0.4, 0.8, 0.9, 1.0};
  const double fs[] = {0.08, 0.48, 0.62, 0.72, 0.72, 0.62, 0.48};
  for (int i = 0; i < 7; ++i)
    trials.push_back(At(i + 1, xs[i], {{1, 0.5 + 0.01 * i, 1.0 + i}, {9, fs[i], 30.0 + i}}, fs[i]));
  trials.push_back(At(8, 0.6, {{1, 0.6, 8}, {9, 0.3, 100.5}}, 0.3));
  // Trial 9 at x = 0.6: 0.1 at step 1 (wall 100) ranks last of 9 at rung 0, but the GP of the
  // seven predicts more than 0.72 there: let past. At rung 1 (step 3, wall 101) it ranks 8th of
  // 9 and the GP now has trial 8's 0.3 at its very point: stopped there. It ran on to step 4.
  const Trial nine = At(9, 0.6, {{1, 0.1, 100}, {3, 0.15, 101}, {4, 0.16, 102}}, 0.16, true);
  trials.push_back(nine);
  const StopDecision live = MakeStoppingRule(spec)->Decide(nine, trials, spec);
  REQUIRE(live.stop);
  CHECK(live.reason.find("ASHA rung 1 (step 3)") == 0);
  REQUIRE(live.promotions.size() == 1);
  CHECK(live.promotions[0].reason.find("goes on by the model") != std::string::npos);
  // The readers say what the runner said (ranks alone would say rung 0).
  CHECK(TrialRungText(nine, trials, spec) == "rung 1 (step 3)");
  // Random search's ASHA has no model: stopped at rung 0 live, and shown there.
  spec.algorithm = Algorithm::kRandomSearch;
  CHECK(MakeStoppingRule(spec)->Decide(nine, trials, spec).reason.find("ASHA rung 0 (step 1)") ==
        0);
  CHECK(TrialRungText(nine, trials, spec) == "rung 0 (step 1)");
}
