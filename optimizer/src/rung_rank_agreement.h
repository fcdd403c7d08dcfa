#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// Spearman's rank correlation of a and b (average ranks for ties); 0 when either is constant.
double RankCorrelation(const std::vector<double>& a, const std::vector<double>& b);

// How the trials trained to the end ranked at a step against how they ranked at the end.
struct RungRankAgreement {
  double correlation = 0;  // Spearman's, of their values at the step and their final values
  int trained = 0;         // how many trials it counted
};

// The agreement at `step` of the trials trained to the end (SUCCEEDED, not stopped early, a finite
// final value, a report at or past `step`) finished before `before_wall_time` (FinishedBefore,
// model_promotion.h: their last report and recorded end), `excluded` left out; nullopt when fewer
// than `min_trained` such trials. Stateless, like the rules that ask: the stored trials and the
// time decide it.
std::optional<RungRankAgreement> RankAgreementAtStep(
    const std::vector<Trial>& trials, const StudySpec& spec, std::int64_t step, int min_trained,
    double before_wall_time = std::numeric_limits<double>::infinity(),
    std::optional<std::int64_t> excluded = std::nullopt);

}  // namespace bayestune
