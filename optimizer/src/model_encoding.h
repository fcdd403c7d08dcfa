#pragma once

#include <Eigen/Core>

#include "bayestune/optimizer/parameter_value.h"
#include "bayestune/optimizer/search_space.h"

namespace bayestune {

// The coordinate of a DOUBLE, INTEGER or DISCRETE parameter while it is inactive (a conditional
// parameter whose parent's value does not bring it): the centre of the unit interval. A
// CATEGORICAL one has no category hot. docs/optimizer.md says why.
inline constexpr double kInactiveCoordinate = 0.5;

// A point of `space` as the model sees it: ModelDimensions() coordinates on the unit cube, laid
// out as SearchSpace describes; inactive parameters at kInactiveCoordinate (numeric) or all zero
// (categorical). Throws InvalidArgument when an active parameter is missing, a parameter is
// unknown or inactive, or a value is not feasible.
Eigen::VectorXd EncodeForModel(const SearchSpace& space, const ParameterValues& values);

// The feasible point nearest to model coordinates `x` (ModelDimensions() entries; entries outside
// [0, 1] are clamped), with the parameters active for the decoded parents' values only. Throws
// InvalidArgument when `x` has another size.
ParameterValues DecodeFromModel(const SearchSpace& space,
                                const Eigen::Ref<const Eigen::VectorXd>& x);

}  // namespace bayestune
