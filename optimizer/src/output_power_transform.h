#pragma once

#include <Eigen/Core>
#include <optional>
#include <vector>

#include "bayestune/optimizer/gp_bandit_options.h"

namespace bayestune {

// The Yeo-Johnson power transform (Yeo and Johnson 2000), as HEBO applies it to the objective
// before the GP: for y >= 0, ((1 + y)^lambda - 1) / lambda (ln(1 + y) at lambda 0); for y < 0,
// -((1 - y)^(2 - lambda) - 1) / (2 - lambda) (-ln(1 - y) at lambda 2). Monotone in y for every
// lambda; lambda 1 is the identity.
double YeoJohnson(double y, double lambda);

// The lambda in [-3, 3] that maximises the Gaussian log likelihood of the transformed values
// (the profile likelihood, as scikit-learn's PowerTransformer): golden-section search. 1 for
// fewer than two distinct values.
double FitYeoJohnsonLambda(const std::vector<double>& values);

// The GP's targets by HEBO's recipe: values (higher is better; nullopt: FAILED or INFEASIBLE)
// standardised, power-transformed with the fitted lambda, standardised again; a trial without a
// value gets the worst target minus half the range, as in WarpObjectiveValues.
Eigen::VectorXd PowerTransformObjectiveValues(const std::vector<std::optional<double>>& values);

// The targets the GP bandit fits, by `transform`.
Eigen::VectorXd ObjectiveTargets(OutputTransform transform,
                                 const std::vector<std::optional<double>>& values);

}  // namespace bayestune
