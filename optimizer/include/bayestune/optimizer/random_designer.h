#pragma once

#include "bayestune/optimizer/designer.h"

namespace bayestune {

// Uniform random points on the model's unit cube (so log-scaled parameters are sampled
// log-uniformly), decoded to feasible values. A point already taken by a trial is drawn again
// (up to 1,000 draws: a space nearly used up), looked up in a hash set of the trials' points; a
// space with a DOUBLE that has no condition cannot repeat a point (but with probability zero) and
// its trials are not looked at. (A DOUBLE under a condition leaves the other branches finite: such
// a space looks at its trials.)
class RandomDesigner : public Designer {
 public:
  std::vector<ParameterValues> Suggest(const DesignerInput& input) override;
  bool SuggestsQuickly() const override { return true; }
  // Only a space that can repeat a point (no DOUBLE without a condition) looks at the trials.
  bool UsesTrials(const SearchSpace& space) const override;
  // Where it looks at them, only for their points.
  bool UsesOnlyTrialParameters() const override { return true; }
};

}  // namespace bayestune
