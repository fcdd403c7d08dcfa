#include "trial_budget_text.h"

#include "trial_formatting.h"

namespace bayestune::cli {

bool MaxTrialsLowered(const StudyProgress& counts) {
  return counts.finished() + counts.active > counts.max_trials;
}

std::string MaxTrialsLoweredText(const StudyProgress& counts) {
  return "maxTrials " + std::to_string(counts.max_trials) + " was lowered below the " +
         std::to_string(counts.finished() + counts.active) + " trials made";
}

std::string CapacityText(const StudyProgress& counts) {
  if (!counts.capacity) return "";
  // Only GRID_SEARCH's designer has a capacity.
  return "the grid has " + CountOf(*counts.capacity, "combination") + ", fewer than maxTrials " +
         std::to_string(counts.max_trials);
}

std::string FinishedOfMaxTrials(const StudyProgress& counts) {
  if (MaxTrialsLowered(counts)) {
    return std::to_string(counts.finished()) + " finished (" + MaxTrialsLoweredText(counts) + ")";
  }
  const std::string capacity = CapacityText(counts);
  return std::to_string(counts.finished()) + " of " + std::to_string(counts.target()) +
         " finished" + (capacity.empty() ? "" : " (" + capacity + ")");
}

}  // namespace bayestune::cli
