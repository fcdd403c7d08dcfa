#pragma once

// Fixtures of the acquisition-search tests (exploration_test.cc, local_refinement_test.cc).
#include <Eigen/Core>

#include "bayestune/optimizer/search_space.h"
#include "gaussian_process.h"

namespace bayestune::testing {

inline SearchSpace Square() {
  return SearchSpace({ParameterSpec::Double("a", 0.0, 1.0), ParameterSpec::Double("b", 0.0, 1.0)});
}

// A GP on the unit square with observations in the corner near the origin, rising towards it, so
// that UCB's maximum lies far from them (in the unexplored opposite corner).
inline GaussianProcess CornerGp() {
  Eigen::MatrixXd points(2, 4);
  points << 0.05, 0.15, 0.05, 0.15,  //
      0.05, 0.05, 0.15, 0.15;
  Eigen::VectorXd values(4);
  values << 1.0, 0.5, 0.5, 0.0;
  GpHyperparameters h;
  h.length_scales = Eigen::Vector2d(0.2, 0.2);
  h.noise_variance = 1e-6;
  return GaussianProcess(points, values, h);
}

}  // namespace bayestune::testing
