#pragma once

// The ASHA tests' study (model_promotion_test.cc, trial_rung_test.cc): one DOUBLE x, metric "m",
// ASHA rungs at steps 1 and 3 up to step 9, and trials with their reports.
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune::testing {

// Rungs at steps 1 and 3, maxStep 9.
inline StudySpec AshaSpec(Goal goal = Goal::kMaximize) {
  StudySpec spec;
  spec.metric_tag = "m";
  spec.goal = goal;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  spec.enable_early_stopping = true;
  spec.early_stopping = {
      .rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 9, .reduction_factor = 3};
  return spec;
}

// Trial `id` at x with reports (step, value, wall time); SUCCEEDED with `final` when given (and
// stopped early when `stopped`), else ACTIVE.
inline Trial At(std::int64_t id, double x,
                std::vector<std::tuple<std::int64_t, double, double>> points,
                std::optional<double> final = std::nullopt, bool stopped = false) {
  Trial t;
  t.id = id;
  t.parameters = {{"x", ParameterValue(x)}};
  t.state = final ? TrialState::kSucceeded : TrialState::kActive;
  t.final_value = final;
  t.stopped_early = stopped;
  for (auto [step, value, wall] : points) {
    t.measurements.push_back(
        {.metric = "m", .step = step, .value = value, .wall_time = wall, .attempt = 1});
  }
  return t;
}

// Seven trials trained to the end on the parabola 0.8 - 2 (x - 0.6)^2: 0.08, 0.48, 0.62, 0.72 at
// x = 0, 0.2, 0.3, 0.4 and 0.72, 0.62, 0.48 at 0.8, 0.9, 1 (0.72 the best). Trial i (1 to 7)
// reached rung 0 (step 1) at wall time i with 0.49 + 0.01 i and finished (step 9) at 29 + i;
// `sign` -1 gives the same study minimised.
inline std::vector<Trial> Parabola(double sign = 1) {
  std::vector<Trial> trials;
  const double xs[] = {0.0, 0.2, 0.3, 0.4, 0.8, 0.9, 1.0};
  const double fs[] = {0.08, 0.48, 0.62, 0.72, 0.72, 0.62, 0.48};
  for (int i = 0; i < 7; ++i) {
    const double f = sign * fs[i];
    trials.push_back(
        At(i + 1, xs[i], {{1, sign * (0.5 + 0.01 * i), 1.0 + i}, {9, f, 30.0 + i}}, f));
  }
  return trials;
}

}  // namespace bayestune::testing
