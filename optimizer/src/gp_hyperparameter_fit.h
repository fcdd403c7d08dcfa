#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <random>
#include <vector>

#include "bayestune/optimizer/gp_bandit_options.h"
#include "gaussian_process.h"

namespace bayestune {

// The log posterior of the hyperparameters, log p(y | X, theta) + log p(theta), as a function of
// theta = [log l_1 .. log l_d, log s2, log noise, mean], then for KernelStructure::kArdPlusAdditive
// logit(additive weight), for kArdPlusAdditiveSeparateScales also the additive part's log length
// scales, and with input warping log a, log b of each warped dimension in turn (input_warping.h);
// with its gradient (analytic).
class GpLogPosterior {
 public:
  // `warped`: the dimensions (rows of `points`) whose Kumaraswamy warps are fitted; the others
  // keep a = b = 1.
  GpLogPosterior(const Eigen::MatrixXd& points, const Eigen::VectorXd& values,
                 const GpPriors& priors, KernelStructure kernel = KernelStructure::kArd,
                 std::vector<int> warped = {});
  int parameters() const {
    const int d = static_cast<int>(points_.rows());
    return d + (additive_ ? 4 : 3) + (separate_scales_ ? d : 0) + 2 * warped_count();
  }
  // Where log a of the k-th warped dimension is in theta (log b follows it).
  int warp_index(int k) const { return parameters() - 2 * (warped_count() - k); }
  // -infinity when the covariance cannot be factorised.
  double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient) const;

  Eigen::VectorXd Pack(const GpHyperparameters& hyperparameters) const;
  GpHyperparameters Unpack(const Eigen::VectorXd& theta) const;

 private:
  const Eigen::MatrixXd& points_;
  const Eigen::VectorXd& values_;
  GpPriors priors_;
  bool additive_;
  bool separate_scales_;
  double log_length_scale_mean_;
  std::vector<int> warped_;
  int warped_count() const { return static_cast<int>(warped_.size()); }
};

// Maximises the log posterior with NLopt's L-BFGS from several starts. With
// options.input_warping, the dimensions in `warped_dimensions` (the DOUBLE parameters'
// coordinates: DoubleCoordinates) are warped; without, or with none listed, the fit has no warp.
GpHyperparameters FitGpHyperparameters(const Eigen::MatrixXd& points, const Eigen::VectorXd& values,
                                       const GpFitOptions& options,
                                       const std::vector<int>& warped_dimensions = {});

// `keep` of the indices 0 .. values.size() - 1, in increasing order: those of the best quarter of
// the values (highest first) and a random rest. All of them when there are no more than `keep`.
std::vector<Eigen::Index> BestAndRandomSubset(const Eigen::VectorXd& values, int keep,
                                              std::mt19937_64& rng);

// The medians of the priors: what a GP uses before any fit.
GpHyperparameters DefaultGpHyperparameters(int dimensions, const GpPriors& priors);

}  // namespace bayestune
