#pragma once

#include "bayestune/optimizer/designer.h"

namespace bayestune {

// Uniform random points on the model's unit cube (so log-scaled parameters are sampled
// log-uniformly), decoded to feasible values. In a finite space (no DOUBLE) a point already taken
// by a trial is drawn again (up to 1,000 draws: a space nearly used up), looked up in a hash set
// of the trials' points; a space with a DOUBLE cannot repeat a point (but with probability zero)
// and its trials are not looked at.
class RandomDesigner : public Designer {
 public:
  std::vector<ParameterValues> Suggest(const DesignerInput& input) override;
  bool SuggestsQuickly() const override { return true; }
  // Only a finite space (no DOUBLE) looks at the trials: to avoid repeats.
  bool UsesTrials(const SearchSpace& space) const override;
};

}  // namespace bayestune
