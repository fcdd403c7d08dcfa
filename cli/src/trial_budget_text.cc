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

std::string CapacityText(const StudyProgress& counts, Algorithm algorithm) {
  if (!counts.capacity) return "";
  // GRID_SEARCH's designer, and RANDOM_SEARCH's in a finite space (it never repeats a point).
  return (algorithm == Algorithm::kGridSearch
              ? "the grid has " + CountOf(*counts.capacity, "combination")
              : "the search space has " + CountOf(*counts.capacity, "point")) +
         ", fewer than maxTrials " + std::to_string(counts.max_trials);
}

std::string FinishedOfMaxTrials(const StudyProgress& counts, Algorithm algorithm) {
  if (MaxTrialsLowered(counts)) {
    return std::to_string(counts.finished()) + " finished (" + MaxTrialsLoweredText(counts) + ")";
  }
  const std::string capacity = CapacityText(counts, algorithm);
  return std::to_string(counts.finished()) + " of " + std::to_string(counts.target()) +
         " finished" + (capacity.empty() ? "" : " (" + capacity + ")");
}

}  // namespace bayestune::cli
