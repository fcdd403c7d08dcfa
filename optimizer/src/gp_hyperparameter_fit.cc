#include "gp_hyperparameter_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlopt.hpp>
#include <numbers>
#include <numeric>
#include <random>

#include "additive_matern52.h"

namespace bayestune {
namespace {

const double kSqrt5 = std::sqrt(5.0);

double NormalLogDensity(double x, double mean, double std, double* derivative) {
  const double z = (x - mean) / std;
  *derivative = -z / std;
  return -0.5 * z * z;
}

struct Bounds {
  std::vector<double> lower;
  std::vector<double> upper;
};

Bounds SearchBounds(int dimensions, bool additive, bool separate_scales,
                    const GpFitOptions& options) {
  Bounds b;
  for (int j = 0; j < dimensions; ++j) {
    b.lower.push_back(std::log(options.min_length_scale));
    b.upper.push_back(std::log(options.max_length_scale));
  }
  b.lower.push_back(std::log(options.min_signal_variance));
  b.upper.push_back(std::log(options.max_signal_variance));
  b.lower.push_back(std::log(options.min_noise_variance));
  b.upper.push_back(std::log(options.max_noise_variance));
  b.lower.push_back(-options.max_abs_mean);
  b.upper.push_back(options.max_abs_mean);
  if (additive) {
    b.lower.push_back(-options.max_abs_additive_logit);
    b.upper.push_back(options.max_abs_additive_logit);
  }
  for (int j = 0; separate_scales && j < dimensions; ++j) {
    b.lower.push_back(std::log(options.min_length_scale));
    b.upper.push_back(std::log(options.max_length_scale));
  }
  return b;
}

struct Objective {
  const GpLogPosterior* posterior;
  int noise_index = 0;  // of log noise in theta
  int evaluations = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_theta;
};

double NloptObjective(unsigned n, const double* x, double* grad, void* data) {
  auto* objective = static_cast<Objective*>(data);
  ++objective->evaluations;
  const Eigen::Map<const Eigen::VectorXd> theta(x, n);
  Eigen::VectorXd gradient;
  double value = (*objective->posterior)(theta, grad ? &gradient : nullptr);
  if (!std::isfinite(value)) {
    // A point where K cannot be factorised: very bad, with a gradient back toward more noise.
    value = -1e30;
    if (grad) {
      gradient = Eigen::VectorXd::Zero(n);
      gradient[objective->noise_index] = 1.0;
    }
  }
  if (value > objective->best_value) {
    objective->best_value = value;
    objective->best_theta = theta;
  }
  if (grad) {
    for (unsigned i = 0; i < n; ++i)
      grad[i] = gradient[i];
  }
  return value;
}

}  // namespace

double GpPriors::LogLengthScaleMean(int dimensions) const {
  return log_length_scale_mean +
         log_length_scale_dimension_slope * std::log(std::max(1.0, double(dimensions)));
}

GpLogPosterior::GpLogPosterior(const Eigen::MatrixXd& points, const Eigen::VectorXd& values,
                               const GpPriors& priors, KernelStructure kernel)
    : points_(points),
      values_(values),
      priors_(priors),
      additive_(kernel == KernelStructure::kArdPlusAdditive ||
                kernel == KernelStructure::kArdPlusAdditiveSeparateScales),
      separate_scales_(kernel == KernelStructure::kArdPlusAdditiveSeparateScales),
      log_length_scale_mean_(priors.LogLengthScaleMean(static_cast<int>(points.rows()))) {}

Eigen::VectorXd GpLogPosterior::Pack(const GpHyperparameters& h) const {
  const Eigen::Index d = points_.rows();
  Eigen::VectorXd theta(parameters());
  theta.head(d) = h.length_scales.array().log();
  theta[d] = std::log(h.signal_variance);
  theta[d + 1] = std::log(h.noise_variance);
  theta[d + 2] = h.mean;
  if (additive_) {
    const double w = std::clamp(h.additive_weight, 1e-9, 1.0 - 1e-9);
    theta[d + 3] = std::log(w / (1.0 - w));
  }
  if (separate_scales_) {
    theta.tail(d) =
        (h.additive_length_scales.size() == d ? h.additive_length_scales : h.length_scales)
            .array()
            .log();
  }
  return theta;
}

GpHyperparameters GpLogPosterior::Unpack(const Eigen::VectorXd& theta) const {
  const Eigen::Index d = points_.rows();
  GpHyperparameters h;
  h.length_scales = theta.head(d).array().exp();
  h.signal_variance = std::exp(theta[d]);
  h.noise_variance = std::exp(theta[d + 1]);
  h.mean = theta[d + 2];
  if (additive_) h.additive_weight = 1.0 / (1.0 + std::exp(-theta[d + 3]));
  if (separate_scales_) h.additive_length_scales = theta.tail(d).array().exp();
  return h;
}

double GpLogPosterior::operator()(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient) const {
  const Eigen::Index d = points_.rows();
  const Eigen::Index n = points_.cols();
  const GpHyperparameters h = Unpack(theta);
  const Eigen::VectorXd inverse_length = h.length_scales.cwiseInverse();
  const Eigen::MatrixXd scaled = inverse_length.asDiagonal() * points_;

  // The kernel matrix and G(r) (see Matern52Kernel::GradientFactor) in one pass; with the
  // additive part, K = (1 - w) ARD + w s2 A, and ARD and A apart (for the gradient in w).
  const double w = h.additive_weight;
  Eigen::MatrixXd kernel(n, n);
  Eigen::MatrixXd factor_g(n, n);
  Eigen::MatrixXd ard_part;
  Eigen::MatrixXd additive_part;  // s2 A
  const Eigen::MatrixXd additive_scaled =
      separate_scales_
          ? Eigen::MatrixXd(h.additive_length_scales.cwiseInverse().asDiagonal() * points_)
          : Eigen::MatrixXd();
  const Eigen::MatrixXd& scaled_for_additive = separate_scales_ ? additive_scaled : scaled;
  if (additive_) {
    ard_part.resize(n, n);
    additive_part.resize(n, n);
  }
  for (Eigen::Index j = 0; j < n; ++j) {
    kernel(j, j) = h.signal_variance;
    factor_g(j, j) = 0.0;
    for (Eigen::Index i = j + 1; i < n; ++i) {
      const double s = kSqrt5 * (scaled.col(i) - scaled.col(j)).norm();
      const double e = h.signal_variance * std::exp(-s);
      kernel(i, j) = kernel(j, i) = (1.0 + s + s * s / 3.0) * e;
      factor_g(i, j) = (5.0 / 3.0) * (1.0 + s) * e;
      if (additive_) {
        ard_part(i, j) = kernel(i, j);
        additive_part(i, j) = h.signal_variance * AdditiveMatern52(&scaled_for_additive(0, i),
                                                                   &scaled_for_additive(0, j), d);
        kernel(i, j) = kernel(j, i) = (1.0 - w) * ard_part(i, j) + w * additive_part(i, j);
        factor_g(i, j) *= 1.0 - w;
      }
    }
  }
  Eigen::MatrixXd cholesky;
  const double jitter = CholeskyWithJitter(kernel, h.noise_variance, h.signal_variance, &cholesky);
  if (jitter < 0) return -std::numeric_limits<double>::infinity();
  const auto lower = cholesky.triangularView<Eigen::Lower>();
  const auto upper = cholesky.transpose().triangularView<Eigen::Upper>();
  Eigen::VectorXd alpha = values_.array() - h.mean;
  lower.solveInPlace(alpha);
  const double data_fit = alpha.squaredNorm();
  upper.solveInPlace(alpha);
  double value = -0.5 * data_fit - cholesky.diagonal().array().log().sum() -
                 0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);

  // Priors.
  Eigen::VectorXd prior_gradient(d + 3);
  for (Eigen::Index j = 0; j < d; ++j) {
    value += NormalLogDensity(theta[j], log_length_scale_mean_, priors_.log_length_scale_std,
                              &prior_gradient[j]);
  }
  value += NormalLogDensity(theta[d], priors_.log_signal_variance_mean,
                            priors_.log_signal_variance_std, &prior_gradient[d]);
  value += NormalLogDensity(theta[d + 1], priors_.log_noise_variance_mean,
                            priors_.log_noise_variance_std, &prior_gradient[d + 1]);
  value += NormalLogDensity(theta[d + 2], 0.0, priors_.mean_std, &prior_gradient[d + 2]);
  if (additive_) {
    prior_gradient.conservativeResize(parameters());
    value += NormalLogDensity(theta[d + 3], priors_.additive_logit_mean, priors_.additive_logit_std,
                              &prior_gradient[d + 3]);
  }
  for (Eigen::Index j = 0; separate_scales_ && j < d; ++j) {
    value += NormalLogDensity(theta[d + 4 + j], log_length_scale_mean_,
                              priors_.log_length_scale_std, &prior_gradient[d + 4 + j]);
  }
  if (!gradient) return value;

  // d log p(y) / d theta = 0.5 tr((alpha alpha^T - K^-1) dK/dtheta).
  // W = alpha alpha^T - K^-1 with K^-1 = L^-T L^-1, in the lower triangle only.
  Eigen::MatrixXd inverse_factor = Eigen::MatrixXd::Identity(n, n);
  lower.solveInPlace(inverse_factor);
  Eigen::MatrixXd weights = Eigen::MatrixXd::Zero(n, n);
  weights.selfadjointView<Eigen::Lower>().rankUpdate(inverse_factor.transpose(), -1.0);
  weights.selfadjointView<Eigen::Lower>().rankUpdate(alpha, 1.0);

  gradient->setZero(parameters());
  // The additive part's derivative in log l_c: w s2 / d * G1(r_c) r_c^2 (additive_matern52.h).
  const double additive_share = additive_ ? w * h.signal_variance / static_cast<double>(d) : 0.0;
  for (Eigen::Index j = 0; j < n; ++j) {
    (*gradient)[d] += 0.5 * weights(j, j) * h.signal_variance;
    for (Eigen::Index i = j + 1; i < n; ++i) {
      const double wij = weights(i, j);
      (*gradient)[d] += wij * kernel(i, j);
      const double wg = wij * factor_g(i, j);
      for (Eigen::Index c = 0; c < d; ++c) {
        const double diff = scaled(c, i) - scaled(c, j);
        (*gradient)[c] += wg * diff * diff;
      }
      if (!additive_) continue;
      // dK/dlogit(w) = w (1 - w) (s2 A - ARD); the diagonal's is 0.
      (*gradient)[d + 3] += wij * w * (1.0 - w) * (additive_part(i, j) - ard_part(i, j));
      const double wa = wij * additive_share;
      const Eigen::Index first = separate_scales_ ? d + 4 : 0;
      for (Eigen::Index c = 0; c < d; ++c) {
        const double diff = scaled_for_additive(c, i) - scaled_for_additive(c, j);
        (*gradient)[first + c] += wa * UnitMatern52GradientFactor(std::abs(diff)) * diff * diff;
      }
    }
  }
  (*gradient)[d + 1] = 0.5 * h.noise_variance * weights.trace();
  (*gradient)[d + 2] = alpha.sum();
  *gradient += prior_gradient;
  return value;
}

std::vector<Eigen::Index> BestAndRandomSubset(const Eigen::VectorXd& values, int keep,
                                              std::mt19937_64& rng) {
  const Eigen::Index n = values.size();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  if (n <= keep) return order;
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return values[a] > values[b]; });
  const auto best = static_cast<std::ptrdiff_t>(keep / 4);
  std::shuffle(order.begin() + best, order.end(), rng);
  order.resize(static_cast<std::size_t>(keep));
  std::sort(order.begin(), order.end());
  return order;
}

GpHyperparameters DefaultGpHyperparameters(int dimensions, const GpPriors& priors) {
  GpHyperparameters h;
  h.length_scales =
      Eigen::VectorXd::Constant(dimensions, std::exp(priors.LogLengthScaleMean(dimensions)));
  h.signal_variance = std::exp(priors.log_signal_variance_mean);
  h.noise_variance = std::exp(priors.log_noise_variance_mean);
  h.mean = 0.0;
  return h;
}

GpHyperparameters FitGpHyperparameters(const Eigen::MatrixXd& all_points,
                                       const Eigen::VectorXd& all_values,
                                       const GpFitOptions& options) {
  const int d = static_cast<int>(all_points.rows());
  GpHyperparameters defaults = DefaultGpHyperparameters(d, options.priors);
  if (all_values.size() == 0) return defaults;
  std::mt19937_64 rng(options.seed);
  const std::vector<Eigen::Index> subset = BestAndRandomSubset(all_values, options.max_points, rng);
  Eigen::MatrixXd points(d, static_cast<Eigen::Index>(subset.size()));
  Eigen::VectorXd values(static_cast<Eigen::Index>(subset.size()));
  for (std::size_t i = 0; i < subset.size(); ++i) {
    points.col(static_cast<Eigen::Index>(i)) = all_points.col(subset[i]);
    values[static_cast<Eigen::Index>(i)] = all_values[subset[i]];
  }

  const GpLogPosterior posterior(points, values, options.priors, options.kernel);
  const bool separate_scales = options.kernel == KernelStructure::kArdPlusAdditiveSeparateScales;
  const bool additive = separate_scales || options.kernel == KernelStructure::kArdPlusAdditive;
  const Bounds bounds = SearchBounds(d, additive, separate_scales, options);
  const int parameters = posterior.parameters();
  Objective objective{&posterior, d + 1, 0, -std::numeric_limits<double>::infinity(),
                      Eigen::VectorXd()};
  std::normal_distribution<double> normal(0.0, 1.0);
  const GpPriors& p = options.priors;
  for (int start = 0; start <= options.random_starts; ++start) {
    Eigen::VectorXd theta = posterior.Pack(defaults);
    if (additive) theta[d + 3] = p.additive_logit_mean;
    if (start > 0) {
      const double log_length = p.LogLengthScaleMean(d);
      for (int j = 0; j < d; ++j)
        theta[j] = log_length + p.log_length_scale_std * normal(rng);
      theta[d] = p.log_signal_variance_mean + p.log_signal_variance_std * normal(rng);
      theta[d + 1] = p.log_noise_variance_mean + p.log_noise_variance_std * normal(rng);
      theta[d + 2] = 0.0;
      if (additive) theta[d + 3] = p.additive_logit_mean + p.additive_logit_std * normal(rng);
      for (int j = 0; separate_scales && j < d; ++j)
        theta[d + 4 + j] = log_length + p.log_length_scale_std * normal(rng);
    }
    std::vector<double> x(theta.data(), theta.data() + parameters);
    for (int i = 0; i < parameters; ++i)
      x[i] = std::clamp(x[i], bounds.lower[i], bounds.upper[i]);
    nlopt::opt optimizer(nlopt::LD_LBFGS, static_cast<unsigned>(parameters));
    optimizer.set_lower_bounds(bounds.lower);
    optimizer.set_upper_bounds(bounds.upper);
    optimizer.set_max_objective(NloptObjective, &objective);
    optimizer.set_maxeval(options.max_evaluations);
    optimizer.set_ftol_rel(1e-7);
    double value = 0.0;
    try {
      optimizer.optimize(x, value);
    } catch (const std::exception&) {
      // Round-off or a failed line search: the best point seen so far still counts.
    }
  }
  if (objective.best_theta.size() != parameters) return defaults;
  return posterior.Unpack(objective.best_theta);
}

}  // namespace bayestune
