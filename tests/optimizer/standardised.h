#pragma once

#include <Eigen/Core>
#include <cmath>

namespace bayestune::testing {

// `y` shifted to mean 0 and scaled to standard deviation 1 (as the designer hands targets to the
// GP); a constant `y` is only shifted.
inline Eigen::VectorXd Standardised(Eigen::VectorXd y) {
  y.array() -= y.mean();
  const double std = std::sqrt(y.squaredNorm() / static_cast<double>(y.size()));
  if (std > 0) y /= std;
  return y;
}

}  // namespace bayestune::testing
