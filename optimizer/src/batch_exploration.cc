#include "batch_exploration.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "acquisition_portfolio.h"

namespace bayestune {
namespace {

// The columns of `points` not within 1e-9 of a column of `exclude`.
Eigen::MatrixXd WithoutExcluded(const Eigen::MatrixXd& points, const Eigen::MatrixXd& exclude) {
  Eigen::MatrixXd kept(points.rows(), points.cols());
  Eigen::Index count = 0;
  for (Eigen::Index i = 0; i < points.cols(); ++i) {
    if (!IsNearAnyColumn(points.col(i), exclude)) kept.col(count++) = points.col(i);
  }
  return kept.leftCols(count);
}

// log Phi(z) and d/dz log Phi(z).
double LogPhi(double z, double* derivative) {
  if (z > -30.0) {
    const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    const double density = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    if (derivative) *derivative = density / cdf;
    return std::log(cdf);
  }
  if (derivative) *derivative = -z;
  return -0.5 * z * z - std::log(-z) - 0.5 * std::log(2.0 * std::numbers::pi);
}

// log softplus(v) and its derivative.
double LogSoftplus(double v, double* derivative) {
  if (v < -30.0) {
    if (derivative) *derivative = 1.0;
    return v;
  }
  const double softplus = v > 30.0 ? v : std::log1p(std::exp(v));
  const double sigmoid = 1.0 / (1.0 + std::exp(-v));
  if (derivative) *derivative = sigmoid / softplus;
  return std::log(softplus);
}

}  // namespace

std::optional<Eigen::VectorXd> AcquisitionFrontPoint(const AcquisitionOptimizer& optimizer,
                                                     const GaussianProcess& gp,
                                                     const GpBanditOptions& options, double best,
                                                     const Eigen::MatrixXd& centers,
                                                     const Eigen::MatrixXd& taken,
                                                     const Eigen::MatrixXd& exclude, int mode,
                                                     std::mt19937_64& rng, const SearchBox* box) {
  const AcquisitionOptimizerOptions& a = options.acquisition_optimizer;
  Eigen::MatrixXd points =
      optimizer.SearchCandidates(a.sobol_candidates, a.local_candidates, centers, rng, box);
  for (AcquisitionKind kind :
       {AcquisitionKind::kLogExpectedImprovement, AcquisitionKind::kLogProbabilityOfImprovement,
        AcquisitionKind::kUpperConfidenceBound}) {
    const AcquisitionFunction acquisition(kind, best, options.ucb_beta);
    if (auto x = optimizer.Maximize(gp, acquisition, centers, exclude, rng, box)) {
      points.conservativeResize(Eigen::NoChange, points.cols() + 1);
      points.col(points.cols() - 1) = *x;
    }
  }
  points = WithoutExcluded(points, exclude);
  if (box) {
    Eigen::MatrixXd inside(points.rows(), points.cols());
    Eigen::Index count = 0;
    for (Eigen::Index i = 0; i < points.cols(); ++i) {
      if (box->Contains(points.col(i))) inside.col(count++) = points.col(i);
    }
    if (count > 0) points = inside.leftCols(count);
  }
  if (points.cols() == 0) return std::nullopt;
  const std::vector<Eigen::Index> front = AcquisitionParetoSet(gp, options, best, points);
  if (mode == 1 || taken.cols() == 0) {
    return Eigen::VectorXd(
        points.col(front[std::uniform_int_distribution<std::size_t>(0, front.size() - 1)(rng)]));
  }
  Eigen::Index farthest = front.front();
  double farthest_distance = -1.0;
  for (Eigen::Index i : front) {
    double nearest = std::numeric_limits<double>::infinity();
    for (Eigen::Index j = 0; j < taken.cols(); ++j)
      nearest = std::min(nearest, (points.col(i) - taken.col(j)).norm());
    if (nearest > farthest_distance) {
      farthest_distance = nearest;
      farthest = i;
    }
  }
  return Eigen::VectorXd(points.col(farthest));
}

Eigen::VectorXd SamplePosterior(const GaussianProcess& gp, const Eigen::MatrixXd& points,
                                std::mt19937_64& rng) {
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  gp.Predict(points, &mean, &variance);
  // Cov = K** - V^T V, V = L^-1 K(X, *).
  const Eigen::MatrixXd cross = gp.kernel().Cross(gp.points(), points);
  const Eigen::MatrixXd v = gp.cholesky().triangularView<Eigen::Lower>().solve(cross);
  Eigen::MatrixXd covariance = gp.kernel().Gram(points);
  covariance.noalias() -= v.transpose() * v;
  Eigen::MatrixXd factor;
  const double scale = gp.kernel().signal_variance();
  if (CholeskyWithJitter(covariance, 1e-8 * scale, scale, &factor) < 0.0) {
    // Independent draws: the marginals at least.
    factor = variance.cwiseSqrt().asDiagonal();
  }
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd z(points.cols());
  for (Eigen::Index i = 0; i < z.size(); ++i)
    z[i] = normal(rng);
  return mean + factor.triangularView<Eigen::Lower>() * z;
}

std::optional<Eigen::VectorXd> ThompsonPoint(const AcquisitionOptimizer& optimizer,
                                             const GaussianProcess& gp, int candidates,
                                             const Eigen::MatrixXd& centers,
                                             const Eigen::MatrixXd& exclude, std::mt19937_64& rng,
                                             const SearchBox* box) {
  const int local = centers.cols() > 0 ? candidates / 3 : 0;
  const Eigen::MatrixXd points = WithoutExcluded(
      optimizer.SearchCandidates(candidates - local, local, centers, rng, box), exclude);
  if (points.cols() == 0) return std::nullopt;
  const Eigen::VectorXd draw = SamplePosterior(gp, points, rng);
  Eigen::Index best = 0;
  draw.maxCoeff(&best);
  return Eigen::VectorXd(points.col(best));
}

double MeanGradientBound(const GaussianProcess& gp, const Eigen::MatrixXd& points) {
  double bound = 0.0;
  for (Eigen::Index i = 0; i < points.cols(); ++i) {
    double mean = 0.0;
    double variance = 0.0;
    Eigen::VectorXd mean_gradient;
    Eigen::VectorXd variance_gradient;
    gp.PredictWithGradient(points.col(i), &mean, &variance, &mean_gradient, &variance_gradient);
    if (std::isfinite(mean_gradient.norm())) bound = std::max(bound, mean_gradient.norm());
  }
  return bound > 0.0 ? bound : 1.0;
}

LocalPenalization::LocalPenalization(const GaussianProcess& gp, const Eigen::MatrixXd& taken,
                                     double best, double lipschitz, double lipschitz_scale)
    : taken_(taken), lipschitz_(std::max(1e-7, lipschitz * lipschitz_scale)) {
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  gp.Predict(taken, &mean, &variance);
  radius_ = ((best - mean.array()).max(0.0) / lipschitz_).matrix();
  scale_ = (variance.array().sqrt() / lipschitz_).max(1e-12).matrix();
}

double LocalPenalization::Apply(double value, const Eigen::VectorXd& x, double* d_value,
                                Eigen::VectorXd* d_x) const {
  double result = LogSoftplus(value, d_value);
  if (d_x) *d_x = Eigen::VectorXd::Zero(x.size());
  for (Eigen::Index j = 0; j < taken_.cols(); ++j) {
    const Eigen::VectorXd difference = x - taken_.col(j);
    const double distance = difference.norm();
    const double z = (distance - radius_[j]) / scale_[j];
    double derivative = 0.0;
    result += LogPhi(z, d_x ? &derivative : nullptr);
    if (d_x && distance > 0.0) *d_x += (derivative / (scale_[j] * distance)) * difference;
  }
  return result;
}

double ExclusionBalls::Apply(double value, const Eigen::VectorXd& x, double* d_value,
                             Eigen::VectorXd* d_x) const {
  if (d_value) *d_value = 1.0;
  if (d_x) *d_x = Eigen::VectorXd::Zero(x.size());
  for (Eigen::Index j = 0; j < taken_.cols(); ++j) {
    const Eigen::VectorXd difference = x - taken_.col(j);
    const double distance = difference.norm();
    if (distance >= radius_) continue;
    value -= slope_ * (radius_ - distance);
    if (d_x && distance > 0.0) *d_x += (slope_ / distance) * difference;
  }
  return value;
}

}  // namespace bayestune
