#include "trial_ranking.h"

#include <algorithm>

namespace bayestune::cli {

std::vector<Trial> RankTrials(const std::vector<Trial>& trials, const StudySpec& spec) {
  std::vector<Trial> ranked;
  for (const auto& trial : trials) {
    if (trial.state == TrialState::kSucceeded && trial.final_value) ranked.push_back(trial);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const Trial& a, const Trial& b) {
    return spec.IsBetter(*a.final_value, *b.final_value);
  });
  return ranked;
}

}  // namespace bayestune::cli
