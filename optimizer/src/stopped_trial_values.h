#pragma once

#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// The trials as the designer's model should see them when some were stopped early: a stopped
// trial's value at its cut-off step is not a final value and must not be taken as one. A trial
// stopped early (SUCCEEDED with stopped_early) enters as pending: its point is avoided (the GP
// designer's kriging believer gives it the model's own mean there), its cut-off value is not
// learned. The model learns from the trials trained to the end only. Trials not stopped early come
// back unchanged. Why pending rather than an imputed final value (BOHB's fidelity rule with a
// median gain, measured before): docs/optimizer.md, "Stopped is not finished".
std::vector<Trial> TrialsForModel(std::vector<Trial> trials, const StudySpec& spec);

}  // namespace bayestune
