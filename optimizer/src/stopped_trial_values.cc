#include "stopped_trial_values.h"

namespace bayestune {

std::vector<Trial> TrialsForModel(std::vector<Trial> trials, const StudySpec& /*spec*/) {
  for (Trial& t : trials) {
    if (t.state != TrialState::kSucceeded || !t.stopped_early) continue;
    t.state = TrialState::kActive;  // avoided, not learned
    t.final_value.reset();
    t.final_values.clear();
  }
  return trials;
}

}  // namespace bayestune
