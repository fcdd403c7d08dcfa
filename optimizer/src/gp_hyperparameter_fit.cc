#include "gp_hyperparameter_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlopt.hpp>
#include <numbers>
#include <numeric>
#include <random>
#include <string>

#include "additive_matern52.h"
#include "bayestune/optimizer/errors.h"
#include "input_warping.h"

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

Bounds SearchBounds(int dimensions, bool additive, bool separate_scales, int warped,
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
  for (int k = 0; k < 2 * warped; ++k) {
    b.lower.push_back(-options.max_abs_log_warp);
    b.upper.push_back(options.max_abs_log_warp);
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
                               const GpPriors& priors, KernelStructure kernel,
                               std::vector<int> warped)
    : points_(points),
      values_(values),
      priors_(priors),
      additive_(kernel == KernelStructure::kArdPlusAdditive ||
                kernel == KernelStructure::kArdPlusAdditiveSeparateScales),
      separate_scales_(kernel == KernelStructure::kArdPlusAdditiveSeparateScales),
      log_length_scale_mean_(priors.LogLengthScaleMean(static_cast<int>(points.rows()))),
      warped_(std::move(warped)) {}

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
    theta.segment(d + 4, d) =
        (h.additive_length_scales.size() == d ? h.additive_length_scales : h.length_scales)
            .array()
            .log();
  }
  for (int k = 0; k < warped_count(); ++k) {
    const bool has = h.warp_a.size() == d;
    theta[warp_index(k)] = has ? std::log(h.warp_a[warped_[k]]) : 0.0;
    theta[warp_index(k) + 1] = has ? std::log(h.warp_b[warped_[k]]) : 0.0;
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
  if (separate_scales_) h.additive_length_scales = theta.segment(d + 4, d).array().exp();
  if (!warped_.empty()) {
    h.warp_a = Eigen::VectorXd::Ones(d);
    h.warp_b = Eigen::VectorXd::Ones(d);
    for (int k = 0; k < warped_count(); ++k) {
      h.warp_a[warped_[k]] = std::exp(theta[warp_index(k)]);
      h.warp_b[warped_[k]] = std::exp(theta[warp_index(k) + 1]);
    }
  }
  return h;
}

double GpLogPosterior::operator()(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient) const {
  const Eigen::Index d = points_.rows();
  const Eigen::Index n = points_.cols();
  const GpHyperparameters h = Unpack(theta);
  const Eigen::VectorXd inverse_length = h.length_scales.cwiseInverse();
  // With input warping, the kernel's points are w(x) of the warped rows, and dw/d log a, dw/d
  // log b of each (for the gradient, by the chain rule through dK/dw).
  const int m = warped_count();
  Eigen::MatrixXd warped_points;
  Eigen::MatrixXd dw_dlog_a(m, n);
  Eigen::MatrixXd dw_dlog_b(m, n);
  if (m > 0) {
    warped_points = points_;
    for (int k = 0; k < m; ++k) {
      const int c = warped_[k];
      for (Eigen::Index i = 0; i < n; ++i) {
        const WarpedCoordinate w = Kumaraswamy(points_(c, i), h.warp_a[c], h.warp_b[c]);
        warped_points(c, i) = w.value;
        dw_dlog_a(k, i) = w.dlog_a;
        dw_dlog_b(k, i) = w.dlog_b;
      }
    }
  }
  const Eigen::MatrixXd& x = m > 0 ? warped_points : points_;
  const Eigen::MatrixXd scaled = inverse_length.asDiagonal() * x;

  // The kernel matrix and G(r) (see Matern52Kernel::GradientFactor) in one pass; with the
  // additive part, K = (1 - w) ARD + w s2 A, and ARD and A apart (for the gradient in w).
  const double w = h.additive_weight;
  Eigen::MatrixXd kernel(n, n);
  Eigen::MatrixXd factor_g(n, n);
  Eigen::MatrixXd ard_part;
  Eigen::MatrixXd additive_part;  // s2 A
  const Eigen::MatrixXd additive_scaled =
      separate_scales_ ? Eigen::MatrixXd(h.additive_length_scales.cwiseInverse().asDiagonal() * x)
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
  if (m > 0) prior_gradient.conservativeResize(parameters());
  for (int k = 0; k < 2 * m; ++k) {
    const int index = warp_index(0) + k;
    value += NormalLogDensity(theta[index], 0.0, priors_.log_warp_std, &prior_gradient[index]);
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
  // With input warping: d log p / d w(x_ci) for the warped rows c (the k-th in row k), summed
  // over the pairs: dK_ij/dw_ci = -(1 - w) s2 G(r) (w_ci - w_cj) / l_c^2 for the ARD part and
  // -w s2 / d G1(r_c) (w_ci - w_cj) / l_c^2 for the additive part; dK_ij/dw_cj the opposite.
  Eigen::MatrixXd dlogp_dw = Eigen::MatrixXd::Zero(m, n);
  const Eigen::VectorXd inverse_additive =
      separate_scales_ ? Eigen::VectorXd(h.additive_length_scales.cwiseInverse()) : inverse_length;
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
      for (int k = 0; k < m; ++k) {
        const int c = warped_[k];
        double g = -wg * (scaled(c, i) - scaled(c, j)) * inverse_length[c];
        if (additive_) {
          const double diff = scaled_for_additive(c, i) - scaled_for_additive(c, j);
          g -= wij * additive_share * UnitMatern52GradientFactor(std::abs(diff)) * diff *
               inverse_additive[c];
        }
        dlogp_dw(k, i) += g;
        dlogp_dw(k, j) -= g;
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
  for (int k = 0; k < m; ++k) {
    (*gradient)[warp_index(k)] = dlogp_dw.row(k).dot(dw_dlog_a.row(k));
    (*gradient)[warp_index(k) + 1] = dlogp_dw.row(k).dot(dw_dlog_b.row(k));
  }
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
                                       const GpFitOptions& options,
                                       const std::vector<int>& warped_dimensions) {
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

  std::vector<int> warped;
  if (options.input_warping) {
    for (int c : warped_dimensions) {
      if (c < 0 || c >= d) {
        throw Error(ErrorCode::kInternal, "FitGpHyperparameters: warped dimension " +
                                              std::to_string(c) + " of " + std::to_string(d));
      }
      warped.push_back(c);
    }
  }
  const int warped_count = static_cast<int>(warped.size());
  const GpLogPosterior posterior(points, values, options.priors, options.kernel, warped);
  const bool separate_scales = options.kernel == KernelStructure::kArdPlusAdditiveSeparateScales;
  const bool additive = separate_scales || options.kernel == KernelStructure::kArdPlusAdditive;
  const Bounds bounds = SearchBounds(d, additive, separate_scales, warped_count, options);
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
      for (int k = 0; k < 2 * warped_count; ++k)
        theta[posterior.warp_index(0) + k] = p.log_warp_std * normal(rng);
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
