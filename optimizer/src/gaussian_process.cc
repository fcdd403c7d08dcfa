#include "gaussian_process.h"

#include <Eigen/Cholesky>
#include <cmath>
#include <numbers>

#include "bayestune/optimizer/errors.h"
#include "input_warping.h"

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
      kernel_(hyperparameters.length_scales, hyperparameters.signal_variance,
              hyperparameters.additive_weight, hyperparameters.additive_length_scales) {
  if (points_.cols() != values_.size() || points_.rows() != hyperparameters.length_scales.size() ||
      (hyperparameters.warp_a.size() != 0 &&
       hyperparameters.warp_a.size() != hyperparameters.length_scales.size()) ||
      hyperparameters.warp_b.size() != hyperparameters.warp_a.size()) {
    throw Error(ErrorCode::kInternal,
                "GaussianProcess: points, values, length scales and warping disagree");
  }
  warped_ = WarpsAny(hyperparameters_.warp_a, hyperparameters_.warp_b);
  if (warped_) warped_points_ = Warp(points_);
  jitter_ = CholeskyWithJitter(kernel_.Gram(KernelPoints()), hyperparameters_.noise_variance,
                               hyperparameters_.signal_variance, &cholesky_);
  if (jitter_ < 0) {
    throw Error(ErrorCode::kInternal,
                "the GP covariance matrix is not positive definite even with jitter; "
                "are there non-finite inputs?");
  }
  UpdateWeights();
}

bool GaussianProcess::IsPrefixOf(const Eigen::MatrixXd& points) const {
  return points.rows() == points_.rows() && points.cols() >= points_.cols() &&
         points.leftCols(points_.cols()) == points_;
}

GaussianProcess GaussianProcess::Extend(const GaussianProcess& prefix, Eigen::MatrixXd points,
                                        Eigen::VectorXd values) {
  if (!prefix.IsPrefixOf(points) || points.cols() != values.size()) {
    throw Error(ErrorCode::kInternal,
                "GaussianProcess::Extend: the prefix's points do not begin "
                "the new points, or points and values disagree");
  }
  const Eigen::Index old_size = prefix.points_.cols();
  const Eigen::Index added = points.cols() - old_size;
  if (old_size == 0 || added == 0) {
    if (old_size == 0) {
      return GaussianProcess(std::move(points), std::move(values), prefix.hyperparameters_);
    }
    GaussianProcess same(prefix);
    same.values_ = std::move(values);
    same.UpdateWeights();
    return same;
  }
  // [L11 0; L21 L22] with L21 = K21 L11^-T and L22 L22^T = K22 + (noise + jitter) I - L21 L21^T.
  Eigen::MatrixXd added_points = points.rightCols(added);  // as the kernel sees them
  if (prefix.warped_) added_points = prefix.Warp(added_points);
  Eigen::MatrixXd cross = prefix.kernel_.Cross(prefix.KernelPoints(), added_points);
  prefix.cholesky_.triangularView<Eigen::Lower>().solveInPlace(cross);  // L21^T
  Eigen::MatrixXd schur = prefix.kernel_.Gram(added_points);
  schur.diagonal().array() += prefix.hyperparameters_.noise_variance + prefix.jitter_;
  schur.noalias() -= cross.transpose() * cross;
  Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> llt(schur);
  // A pivot below what AddObservation allows (a repeated point without noise): refactorise, with
  // jitter where needed.
  const double floor = kFirstRelativeJitter * prefix.hyperparameters_.signal_variance;
  if (llt.info() != Eigen::Success || !schur.diagonal().allFinite() ||
      (schur.diagonal().array().square() < floor).any()) {
    return GaussianProcess(std::move(points), std::move(values), prefix.hyperparameters_);
  }
  const Eigen::Index n = old_size + added;
  Eigen::MatrixXd factor(n, n);
  factor.topLeftCorner(old_size, old_size) = prefix.cholesky_;
  factor.topRightCorner(old_size, added).setZero();
  factor.bottomLeftCorner(added, old_size) = cross.transpose();
  factor.bottomRightCorner(added, added) = schur;
  return GaussianProcess(std::move(points), std::move(values), prefix.hyperparameters_,
                         std::move(factor), prefix.jitter_);
}

GaussianProcess::GaussianProcess(Eigen::MatrixXd points, Eigen::VectorXd values,
                                 const GpHyperparameters& hyperparameters, Eigen::MatrixXd factor,
                                 double jitter)
    : points_(std::move(points)),
      values_(std::move(values)),
      hyperparameters_(hyperparameters),
      kernel_(hyperparameters.length_scales, hyperparameters.signal_variance,
              hyperparameters.additive_weight, hyperparameters.additive_length_scales),
      cholesky_(std::move(factor)),
      jitter_(jitter) {
  warped_ = WarpsAny(hyperparameters_.warp_a, hyperparameters_.warp_b);
  if (warped_) warped_points_ = Warp(points_);
  UpdateWeights();
}

Eigen::MatrixXd GaussianProcess::Warp(const Eigen::MatrixXd& points) const {
  if (!warped_) return points;
  return WarpPoints(points, hyperparameters_.warp_a, hyperparameters_.warp_b);
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

void GaussianProcess::FixTrailingInputs(Eigen::VectorXd inputs) {
  fixed_inputs_ = std::move(inputs);
}

Eigen::VectorXd GaussianProcess::WithFixedInputs(const Eigen::VectorXd& x) const {
  Eigen::VectorXd full(x.size() + fixed_inputs_.size());
  full << x, fixed_inputs_;
  return full;
}

void GaussianProcess::Predict(const Eigen::MatrixXd& points, Eigen::VectorXd* mean,
                              Eigen::VectorXd* variance) const {
  if (fixed_inputs_.size() == 0) {
    PredictAt(points, mean, variance);
    return;
  }
  Eigen::MatrixXd full(points.rows() + fixed_inputs_.size(), points.cols());
  full.topRows(points.rows()) = points;
  full.bottomRows(fixed_inputs_.size()) = fixed_inputs_.replicate(1, points.cols());
  PredictAt(full, mean, variance);
}

void GaussianProcess::PredictAt(const Eigen::MatrixXd& points, Eigen::VectorXd* mean,
                                Eigen::VectorXd* variance) const {
  // n x m (no copy of the points without warping)
  Eigen::MatrixXd cross =
      warped_ ? kernel_.Cross(warped_points_, Warp(points)) : kernel_.Cross(points_, points);
  *mean = (cross.transpose() * alpha_).array() + hyperparameters_.mean;
  if (!variance) return;
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
  if (!warped_ && fixed_inputs_.size() == 0) {
    kernel_.Vector(x, points_, &k, &dk);
  } else {
    Eigen::VectorXd full = fixed_inputs_.size() == 0 ? x : WithFixedInputs(x);
    // The chain rule through w: dk/dx_j = dk/dw_j * dw_j/dx_j.
    Eigen::VectorXd chain = Eigen::VectorXd::Ones(x.size());
    if (warped_) {
      const Eigen::VectorXd& a = hyperparameters_.warp_a;
      const Eigen::VectorXd& b = hyperparameters_.warp_b;
      for (Eigen::Index j = 0; j < full.size(); ++j) {
        if (a[j] == 1.0 && b[j] == 1.0) continue;
        const WarpedCoordinate w = Kumaraswamy(full[j], a[j], b[j]);
        full[j] = w.value;
        if (j < x.size()) chain[j] = w.dx;
      }
    }
    Eigen::MatrixXd full_dk;
    kernel_.Vector(full, KernelPoints(), &k, &full_dk);
    dk = chain.asDiagonal() * full_dk.topRows(x.size());
  }
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

void GaussianProcess::AddObservation(const Eigen::VectorXd& point, double value) {
  const Eigen::VectorXd x = fixed_inputs_.size() == 0 ? point : WithFixedInputs(point);
  const Eigen::Index n = points_.cols();
  const Eigen::VectorXd warped_x = warped_ ? Eigen::VectorXd(Warp(x)) : x;
  Eigen::VectorXd k;
  kernel_.Vector(warped_x, KernelPoints(), &k, nullptr);
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
  if (warped_) {
    warped_points_.conservativeResize(Eigen::NoChange, n + 1);
    warped_points_.col(n) = warped_x;
  }
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
