#include "bayestune/optimizer/stopping_rule.h"

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/median_stopping_rule.h"

namespace bayestune {

std::shared_ptr<const StoppingRule> MakeStoppingRule(const StudySpec& spec) {
  if (!spec.enable_early_stopping) return nullptr;
  if (spec.early_stopping.rule == EarlyStoppingRule::kAsha) {
    return std::make_shared<AshaStoppingRule>(spec.early_stopping, AshaPromotionFor(spec),
                                              AshaRankingFor(spec), AshaRankAgreementFor(spec));
  }
  return std::make_shared<MedianStoppingRule>();
}

}  // namespace bayestune
