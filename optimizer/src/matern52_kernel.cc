#include "matern52_kernel.h"

#include <cmath>

#include "additive_matern52.h"

namespace bayestune {
namespace {

const double kSqrt5 = std::sqrt(5.0);

double SquaredDistance(const double* a, const double* b, Eigen::Index dimensions) {
  double sum = 0.0;
  for (Eigen::Index j = 0; j < dimensions; ++j) {
    const double diff = a[j] - b[j];
    sum += diff * diff;
  }
  return sum;
}

}  // namespace

Matern52Kernel::Matern52Kernel(const Eigen::VectorXd& length_scales, double signal_variance,
                               double additive_weight,
                               const Eigen::VectorXd& additive_length_scales)
    : inverse_length_scales_(length_scales.cwiseInverse()),
      signal_variance_(signal_variance),
      additive_weight_(additive_weight),
      inverse_additive_scales_(additive_length_scales.size() == 0
                                   ? inverse_length_scales_
                                   : Eigen::VectorXd(additive_length_scales.cwiseInverse())) {}

double Matern52Kernel::Pair(const double* scaled_a, const double* scaled_b,
                            const double* additive_a, const double* additive_b,
                            Eigen::Index dimensions) const {
  const double ard = AtDistance(std::sqrt(SquaredDistance(scaled_a, scaled_b, dimensions)));
  if (additive_weight_ == 0.0) return ard;
  return (1.0 - additive_weight_) * ard +
         additive_weight_ * signal_variance_ * AdditiveMatern52(additive_a, additive_b, dimensions);
}

Eigen::MatrixXd Matern52Kernel::ScaleAdditive(const Eigen::MatrixXd& points) const {
  if (additive_weight_ == 0.0) return Eigen::MatrixXd();
  return inverse_additive_scales_.asDiagonal() * points;
}

double Matern52Kernel::AtDistance(double r) const {
  const double s = kSqrt5 * r;
  return signal_variance_ * (1.0 + s + s * s / 3.0) * std::exp(-s);
}

double Matern52Kernel::GradientFactor(double r) const {
  const double s = kSqrt5 * r;
  return signal_variance_ * (5.0 / 3.0) * (1.0 + s) * std::exp(-s);
}

Eigen::MatrixXd Matern52Kernel::Scale(const Eigen::MatrixXd& points) const {
  return inverse_length_scales_.asDiagonal() * points;
}

Eigen::MatrixXd Matern52Kernel::Cross(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const {
  const Eigen::MatrixXd sa = Scale(a);
  const Eigen::MatrixXd sb = Scale(b);
  const Eigen::MatrixXd aa = ScaleAdditive(a);
  const Eigen::MatrixXd ab = ScaleAdditive(b);
  const bool additive = additive_weight_ != 0.0;
  const Eigen::Index d = sa.rows();
  Eigen::MatrixXd k(sa.cols(), sb.cols());
  for (Eigen::Index j = 0; j < sb.cols(); ++j) {
    for (Eigen::Index i = 0; i < sa.cols(); ++i) {
      k(i, j) = Pair(&sa(0, i), &sb(0, j), additive ? &aa(0, i) : nullptr,
                     additive ? &ab(0, j) : nullptr, d);
    }
  }
  return k;
}

Eigen::MatrixXd Matern52Kernel::Gram(const Eigen::MatrixXd& a) const {
  const Eigen::MatrixXd sa = Scale(a);
  const Eigen::MatrixXd aa = ScaleAdditive(a);
  const bool additive = additive_weight_ != 0.0;
  const Eigen::Index n = sa.cols();
  const Eigen::Index d = sa.rows();
  Eigen::MatrixXd k(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    k(j, j) = signal_variance_;
    for (Eigen::Index i = j + 1; i < n; ++i) {
      k(i, j) = k(j, i) = Pair(&sa(0, i), &sa(0, j), additive ? &aa(0, i) : nullptr,
                               additive ? &aa(0, j) : nullptr, d);
    }
  }
  return k;
}

void Matern52Kernel::Vector(const Eigen::VectorXd& x, const Eigen::MatrixXd& b, Eigen::VectorXd* k,
                            Eigen::MatrixXd* gradient) const {
  const Eigen::Index n = b.cols();
  const Eigen::Index d = b.rows();
  const Eigen::VectorXd inverse_squared = inverse_length_scales_.cwiseAbs2();
  k->resize(n);
  if (gradient) gradient->resize(d, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    double r2 = 0.0;
    for (Eigen::Index j = 0; j < d; ++j) {
      const double diff = (x[j] - b(j, i)) * inverse_length_scales_[j];
      r2 += diff * diff;
    }
    const double s = kSqrt5 * std::sqrt(r2);
    const double e = signal_variance_ * std::exp(-s);
    (*k)[i] = (1.0 + s + s * s / 3.0) * e;
    if (gradient) {
      const double g = (5.0 / 3.0) * (1.0 + s) * e;
      for (Eigen::Index j = 0; j < d; ++j) {
        (*gradient)(j, i) = -g * (x[j] - b(j, i)) * inverse_squared[j];
      }
    }
    if (additive_weight_ == 0.0) continue;
    // (1 - w) * the ARD part + w * s2 / d * sum_j m(|x_j - b_j| / l_j), and so its gradient.
    const double share = additive_weight_ * signal_variance_ / static_cast<double>(d);
    double additive = 0.0;
    for (Eigen::Index j = 0; j < d; ++j) {
      const double diff = x[j] - b(j, i);
      const double inverse = inverse_additive_scales_[j];
      const double r = std::abs(diff) * inverse;
      additive += UnitMatern52(r);
      if (gradient) {
        (*gradient)(j, i) = (1.0 - additive_weight_) * (*gradient)(j, i) -
                            share * UnitMatern52GradientFactor(r) * diff * inverse * inverse;
      }
    }
    (*k)[i] = (1.0 - additive_weight_) * (*k)[i] + share * additive;
  }
}

}  // namespace bayestune
