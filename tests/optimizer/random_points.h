#pragma once

#include <Eigen/Core>
#include <random>

namespace bayestune::testing {

// `n` points uniform on [0, 1]^d as the columns of a d x n matrix, the same for the same seed.
inline Eigen::MatrixXd RandomPoints(int d, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Eigen::MatrixXd x(d, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < d; ++i)
      x(i, j) = u(rng);
  return x;
}

}  // namespace bayestune::testing
