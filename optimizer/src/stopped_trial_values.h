#pragma once

#include <cstdint>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// The trials as the designer's model should see them when some were stopped early: a stopped
// trial's value at its cut-off step is not a final value and must not be taken as one. A trial
// stopped early (SUCCEEDED with stopped_early) enters as pending (state ACTIVE, stopped_early
// still set, its measurements kept): a designer without a fidelity input avoids its point (the GP
// designer's kriging believer gives it the model's own mean there) and does not learn its cut-off
// value. The GP designer of a study with ASHA (HasRungFidelity) reads the curves instead
// (CurveObservations): the training step is an input of its GP. Trials not stopped early come back
// unchanged. Why: docs/optimizer.md, "Stopped is not finished".
std::vector<Trial> TrialsForModel(std::vector<Trial> trials, const StudySpec& spec);

// Whether a GP of this study may take the training step as an input: ASHA early stopping (its
// rungs are the steps every trial is observed at) and one objective.
bool HasRungFidelity(const StudySpec& spec);

// The fidelity of a training step for the GP: log(step) / log(maxStep), clamped to [0, 1]: 0 at
// step 1, 1 at maxStep (rungs 1, 3, 9 of maxStep 27: 0, 1/3, 2/3). Needs HasRungFidelity(spec).
double StepFidelity(std::int64_t step, const StudySpec& spec);

// One value of a trial's learning curve, for a GP with the training step as an input.
struct CurveObservation {
  double fidelity = 0;   // StepFidelity of the step reported
  double value = 0;      // the objective, in the metric's units
  double wall_time = 0;  // when it was reported
};

// The values of the current attempt of `trial` at each ASHA rung step it reached (ValueAtStep:
// the values the rule judged, of every bracket's rungs), lowest first, and, for a trial stopped
// early, its value at its last step when that is past its last rung (where it was cut off). Never
// the final step: a trial trained to the end is its final_value at fidelity 1. Empty without
// HasRungFidelity(spec).
std::vector<CurveObservation> CurveObservations(const Trial& trial, const StudySpec& spec);

}  // namespace bayestune
