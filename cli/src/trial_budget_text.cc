#include "trial_budget_text.h"

namespace bayestune::cli {

bool MaxTrialsLowered(const StudyProgress& counts) {
  return counts.finished() + counts.active > counts.max_trials;
}

std::string MaxTrialsLoweredText(const StudyProgress& counts) {
  return "maxTrials " + std::to_string(counts.max_trials) + " was lowered below the " +
         std::to_string(counts.finished() + counts.active) + " trials made";
}

std::string FinishedOfMaxTrials(const StudyProgress& counts) {
  if (MaxTrialsLowered(counts)) {
    return std::to_string(counts.finished()) + " finished (" + MaxTrialsLoweredText(counts) + ")";
  }
  return std::to_string(counts.finished()) + " of " + std::to_string(counts.max_trials) +
         " finished";
}

}  // namespace bayestune::cli
