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
// logit(additive weight), and for kArdPlusAdditiveSeparateScales also the additive part's
// log length scales; with its gradient (analytic).
class GpLogPosterior {
 public:
  GpLogPosterior(const Eigen::MatrixXd& points, const Eigen::VectorXd& values,
                 const GpPriors& priors, KernelStructure kernel = KernelStructure::kArd);
  int parameters() const {
    const int d = static_cast<int>(points_.rows());
    return d + (additive_ ? 4 : 3) + (separate_scales_ ? d : 0);
  }
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
