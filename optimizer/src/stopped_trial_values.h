#pragma once

#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// The trials as the designer's model should see them when some were stopped early: a stopped
// trial's value at its cut-off step is not a final value and must not be taken as one, nor thrown
// away. The model's fidelity is chosen as in BOHB (Falkner et al., ICML 2018): the full training
// when at least max(3, parameters + 1) trials were trained to the end, else the highest step that
// that many finished trials reached. Every finished trial's target is then its value at that
// fidelity (ValueAtStep); a trial stopped before it gets its own value at its last step plus the
// median gain, from that step to the fidelity, of the trials that reached both. A stopped trial
// with no such reference is shown as pending (its point is avoided, its value not learned).
// Trials of a study where no trial was stopped early come back unchanged.
std::vector<Trial> TrialsForModel(std::vector<Trial> trials, const StudySpec& spec);

}  // namespace bayestune
