#pragma once

#include <Eigen/Core>

namespace bayestune {

// The Matern-5/2 kernel with one length scale per dimension (ARD):
//   k(a, b) = s2 * (1 + sqrt(5) r + 5/3 r^2) * exp(-sqrt(5) r),  r^2 = sum_j ((a_j - b_j) / l_j)^2,
// optionally mixed with its additive counterpart (additive_matern52.h): with an additive weight w,
//   k(a, b) = s2 * [(1 - w) * ARD(a, b) + w * 1/d sum_j Matern52_1d(a_j, b_j)].
// Points are the columns of a matrix (dimensions x count), as everywhere in the GP code.
class Matern52Kernel {
 public:
  // `additive_length_scales`: the additive part's, when they differ (empty: `length_scales`).
  Matern52Kernel(const Eigen::VectorXd& length_scales, double signal_variance,
                 double additive_weight = 0.0,
                 const Eigen::VectorXd& additive_length_scales = Eigen::VectorXd());

  int dimensions() const { return static_cast<int>(inverse_length_scales_.size()); }
  double signal_variance() const { return signal_variance_; }
  double additive_weight() const { return additive_weight_; }

  // The ARD part's k at scaled distance r (the whole kernel when the additive weight is 0).
  double AtDistance(double r) const;
  // G(r) = s2 * 5/3 * (1 + sqrt(5) r) * exp(-sqrt(5) r), so that dk/dr = -r G(r): the gradient of
  // k(x, b) in x_j is -G (x_j - b_j) / l_j^2 and its derivative in log l_j is G (a_j - b_j)^2 /
  // l_j^2. Finite at r = 0.
  double GradientFactor(double r) const;

  // Columns scaled by the inverse length scales: r between two scaled points is their Euclidean
  // distance.
  Eigen::MatrixXd Scale(const Eigen::MatrixXd& points) const;

  // K(a_i, b_j) for the columns of `a` (rows of the result) and of `b` (columns).
  Eigen::MatrixXd Cross(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const;
  // K(a_i, a_j), exactly symmetric with s2 on the diagonal.
  Eigen::MatrixXd Gram(const Eigen::MatrixXd& a) const;
  // k(x, b_i) for each column of `b`, and optionally its gradient in x (dimensions x count).
  void Vector(const Eigen::VectorXd& x, const Eigen::MatrixXd& b, Eigen::VectorXd* k,
              Eigen::MatrixXd* gradient) const;

 private:
  // k of two points scaled by the inverse length scales, and by the additive part's.
  double Pair(const double* scaled_a, const double* scaled_b, const double* additive_a,
              const double* additive_b, Eigen::Index dimensions) const;
  // Columns scaled by the additive part's inverse length scales.
  Eigen::MatrixXd ScaleAdditive(const Eigen::MatrixXd& points) const;

  Eigen::VectorXd inverse_length_scales_;
  double signal_variance_;
  double additive_weight_;
  Eigen::VectorXd inverse_additive_scales_;
};

}  // namespace bayestune
