#pragma once

#include "bayestune/optimizer/designer.h"

namespace bayestune {

// Uniform random points on the model's unit cube (so log-scaled parameters are sampled
// log-uniformly), decoded to feasible values.
class RandomDesigner : public Designer {
 public:
  std::vector<ParameterValues> Suggest(const DesignerInput& input) override;
};

}  // namespace bayestune
