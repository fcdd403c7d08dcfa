#pragma once

#include <string>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// The rung of a trial of an ASHA study as the readers of a study show it (`bayestune trials`, the
// CSV and JSON exports), so that they agree with the runner's "trial 7 stopping (ASHA rung 0
// (step 1): ...)" line: for a trial ASHA stopped, the rung it was stopped at (the first rung it
// lost, as the rule decides again from the stored `trials`: it keeps no state), even when the
// trial ran past the next rung's step before its stop took effect; for any other trial the highest
// rung it reached (RungText). "rung 0 (step 1)" (", bracket b" with several brackets); "" when the
// study does not use ASHA or the trial reached no rung.
std::string TrialRungText(const Trial& trial, const std::vector<Trial>& trials,
                          const StudySpec& spec);

}  // namespace bayestune
