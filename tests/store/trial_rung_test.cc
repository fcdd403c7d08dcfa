// The rung a stopped trial is shown at (TrialRungText) is where the study's own rule stopped it:
// with the GP, ASHA's model-based promotion included.
#include "bayestune/store/trial_rung.h"

#include <catch2/catch.hpp>

#include "asha_test_study.h"
#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/stopping_rule.h"

using namespace bayestune;
using bayestune::testing::AshaSpec;
using bayestune::testing::At;
using bayestune::testing::Parabola;

TEST_CASE("a trial ASHA's model let past rung 0 and stopped at rung 1 is shown at rung 1",
          "[rung][model]") {
  StudySpec spec = AshaSpec();
  // Seven trials trained to the end on the parabola (the best 0.72, at 0.4 and 0.8), finished by
  // wall time 36. Trial 8, at x = 0.6, finished later (100.5) with 0.3.
  std::vector<Trial> trials = Parabola();
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

TEST_CASE("a trial Hyperband's predicted finals let past rung 0 is shown at the rung it lost",
          "[rung][model]") {
  StudySpec spec = AshaSpec();
  spec.early_stopping.brackets = 2;  // bracket 0: rungs at steps 1 and 3
  // Six trials trained to the end at x = 0, 0.2, ..., 1 (brackets 0, 1, 0, 1, 0, 1): 0.5 at step
  // 1, 0.5 + 0.4 x at the end (step 9, also their value at step 3).
  std::vector<Trial> trials;
  for (int i = 0; i < 6; ++i) {
    const double x = 0.2 * i, f = 0.5 + 0.4 * x;
    trials.push_back(At(i + 1, x, {{1, 0.5, 1.0 + i}, {9, f, 31.0 + i}}, f));
  }
  // Trial 9 (bracket 0) at x = 0.9: 0.49 at step 1 is last of 4 by value, first by predicted
  // final (0.49 + about 0.36): let past rung 0. 0.5 at step 3 is last of 4 there (no gain is left
  // after step 3): stopped at rung 1. It ran on to step 4.
  const Trial nine = At(9, 0.9, {{1, 0.49, 100}, {3, 0.5, 101}, {4, 0.5, 102}}, 0.5, true);
  trials.push_back(nine);
  const StopDecision live = MakeStoppingRule(spec)->Decide(nine, trials, spec);
  REQUIRE(live.stop);
  CHECK(live.reason.find("ASHA rung 1 (step 3, bracket 0)") == 0);
  CHECK(TrialRungText(nine, trials, spec) == "rung 1 (step 3, bracket 0)");
}

TEST_CASE("a trial ASHA's rank agreement let past rung 0 and stopped at rung 1 is shown at rung 1",
          "[rung][agreement]") {
  const StudySpec spec = AshaSpec();
  REQUIRE(AshaRankAgreementFor(spec) == 0.5);
  // Five trials trained to the end whose ranks at step 1 were the reverse of their finals: the
  // later one reached step 1 with more (wall time i), the worse it finished (at 30 + i).
  std::vector<Trial> trials;
  const std::vector<double> finals = {0.8, 0.7, 0.6, 0.5, 0.4};
  for (std::size_t i = 1; i <= finals.size(); ++i) {
    const double at = static_cast<double>(i);
    trials.push_back(At(static_cast<std::int64_t>(i), 0.1 * at,
                        {{1, 0.5 + 0.01 * at, at}, {9, finals[i - 1], 30 + at}}, finals[i - 1]));
  }
  // Trial 9: last at rung 0 (step 1, wall 100), spared there by the guard (rank correlation -1);
  // last at rung 1 (step 3), whose ranks agree with the finals: stopped there. It ran to step 4.
  const Trial nine = At(9, 0.5, {{1, 0.1, 100}, {3, 0.1, 101}, {4, 0.1, 102}}, 0.1, true);
  trials.push_back(nine);
  const StopDecision live = MakeStoppingRule(spec)->Decide(nine, trials, spec);
  REQUIRE(live.stop);
  CHECK(live.reason.find("ASHA rung 1 (step 3)") == 0);
  REQUIRE(live.promotions.size() == 1);
  CHECK(live.promotions[0].reason.find("ranks have not foretold the final ones") !=
        std::string::npos);
  // The readers say what the runner said (ranks alone would say rung 0).
  CHECK(TrialRungText(nine, trials, spec) == "rung 1 (step 3)");
}
