#include "gaussian_process.h"

#include <Eigen/Cholesky>
#include <cmath>
#include <numbers>

#include "bayestune/optimizer/errors.h"

namespace bayestune {
namespace {

// Jitter, relative to the signal variance: none first, then 1e-10, 1e-9, ... 1e-4.
constexpr int kJitterRetries = 7;
constexpr double kFirstRelativeJitter = 1e-10;

}  // namespace

GaussianProcess::GaussianProcess(Eigen::MatrixXd points, Eigen::VectorXd values,
                                 const GpHyperparameters& hyperparameters)
    : points_(std::move(points)),
      values_(std::move(values)),
      hyperparameters_(hyperparameters),
      kernel_(hyperparameters.length_scales, hyperparameters.signal_variance) {
  if (points_.cols() != values_.size() || points_.rows() != hyperparameters.length_scales.size()) {
    throw Error(ErrorCode::kInternal, "GaussianProcess: points, values and length scales disagree");
  }
  jitter_ = CholeskyWithJitter(kernel_.Gram(points_), hyperparameters_.noise_variance,
                               hyperparameters_.signal_variance, &cholesky_);
  if (jitter_ < 0) {
    throw Error(ErrorCode::kInternal,
                "the GP covariance matrix is not positive definite even with jitter; "
                "are there non-finite inputs?");
  }
  UpdateWeights();
}

double CholeskyWithJitter(const Eigen::MatrixXd& matrix, double diagonal, double scale,
                          Eigen::MatrixXd* factor) {
  for (int attempt = 0; attempt <= kJitterRetries; ++attempt) {
    const double jitter =
        attempt == 0 ? 0.0 : kFirstRelativeJitter * std::pow(10.0, attempt - 1) * scale;
    *factor = matrix;
    factor->diagonal().array() += diagonal + jitter;
    if (factor->size() == 0) return jitter;
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> llt(*factor);
    if (llt.info() == Eigen::Success && factor->diagonal().allFinite()) return jitter;
  }
  return -1.0;
}

void GaussianProcess::UpdateWeights() {
  alpha_ = values_.array() - hyperparameters_.mean;
  const auto lower = cholesky_.triangularView<Eigen::Lower>();
  const auto upper = cholesky_.transpose().triangularView<Eigen::Upper>();
  lower.solveInPlace(alpha_);
  upper.solveInPlace(alpha_);
}

void GaussianProcess::Predict(const Eigen::MatrixXd& points, Eigen::VectorXd* mean,
                              Eigen::VectorXd* variance) const {
  Eigen::MatrixXd cross = kernel_.Cross(points_, points);  // n x m
  *mean = (cross.transpose() * alpha_).array() + hyperparameters_.mean;
  cholesky_.triangularView<Eigen::Lower>().solveInPlace(cross);
  const double s2 = hyperparameters_.signal_variance;
  *variance = (s2 - cross.colwise().squaredNorm().transpose().array())
                  .max(kMinRelativeVariance * s2)
                  .matrix();
}

void GaussianProcess::PredictWithGradient(const Eigen::VectorXd& x, double* mean, double* variance,
                                          Eigen::VectorXd* mean_gradient,
                                          Eigen::VectorXd* variance_gradient) const {
  Eigen::VectorXd k;
  Eigen::MatrixXd dk;  // d x n
  kernel_.Vector(x, points_, &k, &dk);
  *mean = hyperparameters_.mean + k.dot(alpha_);
  *mean_gradient = dk * alpha_;
  Eigen::VectorXd v = k;
  cholesky_.triangularView<Eigen::Lower>().solveInPlace(v);
  const double s2 = hyperparameters_.signal_variance;
  const double raw = s2 - v.squaredNorm();
  if (raw <= kMinRelativeVariance * s2) {
    *variance = kMinRelativeVariance * s2;
    *variance_gradient = Eigen::VectorXd::Zero(x.size());
    return;
  }
  *variance = raw;
  cholesky_.transpose().triangularView<Eigen::Upper>().solveInPlace(v);  // K^-1 k
  *variance_gradient = -2.0 * (dk * v);
}

void GaussianProcess::AddObservation(const Eigen::VectorXd& x, double value) {
  const Eigen::Index n = points_.cols();
  Eigen::VectorXd k;
  kernel_.Vector(x, points_, &k, nullptr);
  cholesky_.triangularView<Eigen::Lower>().solveInPlace(k);  // row n of L, left of the diagonal
  const double s2 = hyperparameters_.signal_variance;
  const double floor = kFirstRelativeJitter * s2;
  const double pivot = s2 + hyperparameters_.noise_variance + jitter_ - k.squaredNorm();

  Eigen::MatrixXd grown = Eigen::MatrixXd::Zero(n + 1, n + 1);
  grown.topLeftCorner(n, n).triangularView<Eigen::Lower>() =
      cholesky_.triangularView<Eigen::Lower>();
  grown.block(n, 0, 1, n) = k.transpose();
  grown(n, n) = std::sqrt(std::max(pivot, floor));
  cholesky_ = std::move(grown);

  points_.conservativeResize(Eigen::NoChange, n + 1);
  points_.col(n) = x;
  values_.conservativeResize(n + 1);
  values_[n] = value;
  UpdateWeights();
}

double GaussianProcess::LogMarginalLikelihood() const {
  const Eigen::VectorXd residual = values_.array() - hyperparameters_.mean;
  const double n = static_cast<double>(values_.size());
  return -0.5 * residual.dot(alpha_) - cholesky_.diagonal().array().log().sum() -
         0.5 * n * std::log(2.0 * std::numbers::pi);
}

}  // namespace bayestune
