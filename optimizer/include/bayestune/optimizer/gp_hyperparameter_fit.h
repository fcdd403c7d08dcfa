#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <random>
#include <vector>

#include "bayestune/optimizer/gaussian_process.h"

namespace bayestune {

// Log-normal priors on the kernel's scales and a normal prior on the constant mean, for outputs
// that are standardised (mean 0, variance 1) and inputs on the unit cube.
struct GpPriors {
  // log l ~ N(mean, std^2) for every length scale; the mean grows with the dimension (as in
  // Hvarfner et al. 2024), since in more dimensions each one explains less.
  double log_length_scale_mean = -0.7;
  double log_length_scale_dimension_slope = 0.25;  // added: slope * ln(dimensions)
  double log_length_scale_std = 1.0;
  double log_signal_variance_mean = 0.0;
  double log_signal_variance_std = 1.0;
  // Wide: about 6e-6 for a deterministic objective, and the data can pull it up by orders of
  // magnitude for a noisy one. A tighter, lower prior did better on the deterministic benchmark
  // functions but overfitted noisy ones.
  double log_noise_variance_mean = -12.0;
  double log_noise_variance_std = 4.0;
  double mean_std = 1.0;

  double LogLengthScaleMean(int dimensions) const;
};

struct GpFitOptions {
  GpPriors priors;
  // L-BFGS runs: one from the priors' medians, `random_starts` more from draws of the priors; the
  // best maximum wins.
  int random_starts = 2;
  int max_evaluations = 60;  // per run
  // With more observations than this, the hyperparameters are fitted on a subset (the best quarter
  // and a random rest): the fit costs O(max_points^3) per step whatever n is.
  int max_points = 200;
  std::uint64_t seed = 0;
  // Bounds of the search, on the unit cube and standardised outputs.
  double min_length_scale = 5e-3;
  double max_length_scale = 50.0;
  double min_signal_variance = 0.02;
  double max_signal_variance = 50.0;
  double min_noise_variance = 1e-9;
  double max_noise_variance = 2.0;
  double max_abs_mean = 5.0;
};

// The log posterior of the hyperparameters, log p(y | X, theta) + log p(theta), as a function of
// theta = [log l_1 .. log l_d, log s2, log noise, mean], with its gradient (analytic).
class GpLogPosterior {
 public:
  GpLogPosterior(const Eigen::MatrixXd& points, const Eigen::VectorXd& values,
                 const GpPriors& priors);
  int parameters() const { return static_cast<int>(points_.rows()) + 3; }
  // -infinity when the covariance cannot be factorised.
  double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient) const;

  static Eigen::VectorXd Pack(const GpHyperparameters& hyperparameters);
  static GpHyperparameters Unpack(const Eigen::VectorXd& theta);

 private:
  const Eigen::MatrixXd& points_;
  const Eigen::VectorXd& values_;
  GpPriors priors_;
  double log_length_scale_mean_;
};

// Maximises the log posterior with NLopt's L-BFGS from several starts.
GpHyperparameters FitGpHyperparameters(const Eigen::MatrixXd& points, const Eigen::VectorXd& values,
                                       const GpFitOptions& options);

// `keep` of the indices 0 .. values.size() - 1, in increasing order: those of the best quarter of
// the values (highest first) and a random rest. All of them when there are no more than `keep`.
std::vector<Eigen::Index> BestAndRandomSubset(const Eigen::VectorXd& values, int keep,
                                              std::mt19937_64& rng);

// The medians of the priors: what a GP uses before any fit.
GpHyperparameters DefaultGpHyperparameters(int dimensions, const GpPriors& priors);

}  // namespace bayestune
