#pragma once

#include "bayestune/optimizer/designer.h"

namespace bayestune {

// Uniform random points on the model's unit cube (so log-scaled parameters are sampled
// log-uniformly), decoded to feasible values. In a finite space a point already taken by a trial
// is drawn again, looked up in a hash set of the trials' points; once half the space is taken, the
// points left are listed and drawn from, so that no point repeats while one is left, and none is
// suggested once the space is used up (Capacity: the study then ends, space exhausted). A space
// with a DOUBLE that has no condition cannot repeat a point (but with probability zero) and its
// trials are not looked at. (A DOUBLE under a condition leaves the other branches finite: such a
// space looks at its trials, and has no capacity.)
class RandomDesigner : public Designer {
 public:
  std::vector<ParameterValues> Suggest(const DesignerInput& input) override;
  bool SuggestsQuickly() const override { return true; }
  // Only a space that can repeat a point (no DOUBLE without a condition) looks at the trials.
  bool UsesTrials(const SearchSpace& space) const override;
  // Where it looks at them, only for their points.
  bool UsesOnlyTrialParameters() const override { return true; }
  // A finite space's points, counted as a grid counts them; nullopt with a DOUBLE.
  std::optional<std::size_t> Capacity(const SearchSpace& space) const override;
};

}  // namespace bayestune
