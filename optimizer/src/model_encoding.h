#pragma once

#include <Eigen/Core>

#include "bayestune/optimizer/parameter_value.h"
#include "bayestune/optimizer/search_space.h"

namespace bayestune {

// A point of `space` as the model sees it: ModelDimensions() coordinates on the unit cube, laid
// out as SearchSpace describes. Throws InvalidArgument when a parameter is missing, unknown, or
// its value is not feasible.
Eigen::VectorXd EncodeForModel(const SearchSpace& space, const ParameterValues& values);

// The feasible point nearest to model coordinates `x` (ModelDimensions() entries; entries outside
// [0, 1] are clamped). Throws InvalidArgument when `x` has another size.
ParameterValues DecodeFromModel(const SearchSpace& space,
                                const Eigen::Ref<const Eigen::VectorXd>& x);

}  // namespace bayestune
