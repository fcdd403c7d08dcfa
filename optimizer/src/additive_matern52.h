#pragma once

#include <cmath>

namespace bayestune {

// The additive part of the GP's kernel (GpFitOptions::kernel = KernelStructure::kArdPlusAdditive):
//   A(a, b) = 1/d * sum_j m(|a_j - b_j| / l_j),  m(r) = (1 + sqrt(5) r + 5/3 r^2) exp(-sqrt(5) r),
// one-dimensional Matern-5/2 terms of the ARD kernel's length scales, averaged so that A(a, a) = 1.
// The kernel is s2 * [(1 - w) * M(a, b) + w * A(a, b)] with M the ARD Matern-5/2 of unit variance
// and w = GpHyperparameters::additive_weight. On an additive function (a sum of one-dimensional
// ones) the A part carries what was learnt along one axis to every point of the other axes: a GP
// that has seen an axis's other well (in any trial) predicts it at the incumbent too. With w = 0
// the kernel is the plain ARD one. An inactive conditional coordinate (0.5 in every trial lacking
// it) contributes m(0) = 1 to those trials' pairs: a constant.

inline constexpr double kMatern52Sqrt5 = 2.23606797749978969640;

// m(r) for the scaled distance r >= 0 of one dimension.
inline double UnitMatern52(double r) {
  const double s = kMatern52Sqrt5 * r;
  return (1.0 + s + s * s / 3.0) * std::exp(-s);
}

// G1(r) = 5/3 (1 + sqrt(5) r) exp(-sqrt(5) r), so that dm/dr = -r G1(r): the derivative of
// m(|a - b| / l) in a is -G1 (a - b) / l^2, in log l it is G1 (a - b)^2 / l^2.
inline double UnitMatern52GradientFactor(double r) {
  const double s = kMatern52Sqrt5 * r;
  return (5.0 / 3.0) * (1.0 + s) * std::exp(-s);
}

// A(a, b) for two points already scaled by the inverse length scales.
inline double AdditiveMatern52(const double* scaled_a, const double* scaled_b, long dimensions) {
  double sum = 0.0;
  for (long j = 0; j < dimensions; ++j)
    sum += UnitMatern52(std::abs(scaled_a[j] - scaled_b[j]));
  return sum / static_cast<double>(dimensions);
}

}  // namespace bayestune
