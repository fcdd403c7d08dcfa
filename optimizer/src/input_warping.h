#pragma once

#include <Eigen/Core>
#include <vector>

#include "bayestune/optimizer/search_space.h"

namespace bayestune {

// HEBO's input warping (Snoek et al. 2014, "Input warping for Bayesian optimization of
// non-stationary functions"; GpFitOptions::input_warping): a model coordinate x in [0, 1] is
// mapped through the Kumaraswamy CDF
//   w(x) = 1 - (1 - x^a)^b,  a, b > 0,
// before the kernel, with a and b of each warped coordinate fitted with the GP's other
// hyperparameters. w maps [0, 1] onto itself, keeps 0 and 1 in place and is the identity for
// a = b = 1; a < 1 stretches the low end, a > 1 the high end (b the other way round), so that a
// function that changes fast near a bound of its range (a learning rate on a linear scale) is
// smoother in w. Coordinates with a = b = 1 exactly are left alone (the same floating-point
// operations as no warping).

// The derivatives are taken at x clamped to [kWarpEpsilon, 1 - kWarpEpsilon], so that they stay
// finite at the bounds (dw/dx is infinite at 0 for a < 1).
inline constexpr double kWarpEpsilon = 1e-6;

struct WarpedCoordinate {
  double value = 0.0;   // w(x), x clamped to [0, 1]
  double dx = 1.0;      // dw/dx
  double dlog_a = 0.0;  // dw/d log a (0 at x = 0 and 1, where w does not depend on a or b)
  double dlog_b = 0.0;  // dw/d log b
};

// w(x) with its derivatives.
WarpedCoordinate Kumaraswamy(double x, double a, double b);

// Whether `a` and `b` (one entry per dimension, or both empty) warp any coordinate.
bool WarpsAny(const Eigen::VectorXd& a, const Eigen::VectorXd& b);

// The rows of `points` (dimensions x count) mapped through w of each row's a and b; rows with
// a = b = 1, and every row when a and b are empty, copied unchanged.
Eigen::MatrixXd WarpPoints(const Eigen::MatrixXd& points, const Eigen::VectorXd& a,
                           const Eigen::VectorXd& b);

// The model coordinates of `space`'s DOUBLE parameters: those input warping applies to (an
// INTEGER or DISCRETE parameter's few values and a categorical's one-hot coordinates are not
// warped, nor is a fidelity input).
std::vector<int> DoubleCoordinates(const SearchSpace& space);

}  // namespace bayestune
