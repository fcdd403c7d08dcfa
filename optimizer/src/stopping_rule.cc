#include "bayestune/optimizer/stopping_rule.h"

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/median_stopping_rule.h"

namespace bayestune {

std::shared_ptr<const StoppingRule> MakeStoppingRule(const StudySpec& spec) {
  if (!spec.enable_early_stopping) return nullptr;
  if (spec.early_stopping.rule == EarlyStoppingRule::kAsha) {
    // Model-based promotion needs the GP's model of one objective ("the best" of several
    // objectives is a front): not for random or grid search, nor several objectives.
    const AshaPromotion promotion =
        spec.algorithm == Algorithm::kUnspecified && !IsMultiObjective(spec)
            ? AshaPromotion::kRankOrModel
            : AshaPromotion::kRankOnly;
    return std::make_shared<AshaStoppingRule>(spec.early_stopping, promotion);
  }
  return std::make_shared<MedianStoppingRule>();
}

}  // namespace bayestune
