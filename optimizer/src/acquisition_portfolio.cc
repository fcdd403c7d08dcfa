#include "acquisition_portfolio.h"

#include <array>
#include <vector>

namespace bayestune {
namespace {

constexpr std::array<AcquisitionKind, 3> kEnsembleKinds = {
    AcquisitionKind::kLogExpectedImprovement, AcquisitionKind::kLogProbabilityOfImprovement,
    AcquisitionKind::kUpperConfidenceBound};

}  // namespace

AcquisitionKind AcquisitionForTrial(const GpBanditOptions& options, std::uint64_t trial_index,
                                    int max_trials) {
  if (options.acquisition_mix == AcquisitionMix::kAlternate) {
    return trial_index % 2 == 1 ? AcquisitionKind::kUpperConfidenceBound
                                : AcquisitionKind::kLogExpectedImprovement;
  }
  if (options.acquisition_mix == AcquisitionMix::kUcbFirst) {
    const bool explore = max_trials <= 0 || static_cast<double>(trial_index) <
                                                options.ucb_share * static_cast<double>(max_trials);
    return explore ? AcquisitionKind::kUpperConfidenceBound : options.acquisition;
  }
  return options.acquisition;
}

std::vector<Eigen::Index> AcquisitionParetoSet(const GaussianProcess& gp,
                                               const GpBanditOptions& options, double best,
                                               const Eigen::MatrixXd& points) {
  const Eigen::Index n = points.cols();
  Eigen::MatrixXd scores(static_cast<Eigen::Index>(kEnsembleKinds.size()), n);
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  gp.Predict(points, &mean, &variance);
  for (std::size_t k = 0; k < kEnsembleKinds.size(); ++k) {
    const AcquisitionFunction acquisition(kEnsembleKinds[k], best, options.ucb_beta);
    for (Eigen::Index i = 0; i < n; ++i)
      scores(static_cast<Eigen::Index>(k), i) = acquisition.Value(mean[i], variance[i]);
  }
  std::vector<Eigen::Index> front;
  for (Eigen::Index i = 0; i < n; ++i) {
    bool dominated = false;
    for (Eigen::Index j = 0; j < n && !dominated; ++j) {
      dominated = j != i && (scores.col(j).array() >= scores.col(i).array()).all() &&
                  (scores.col(j).array() > scores.col(i).array()).any();
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

std::optional<Eigen::VectorXd> ProposePoint(const AcquisitionOptimizer& optimizer,
                                            const GaussianProcess& gp,
                                            const GpBanditOptions& options, double best,
                                            std::uint64_t trial_index, int max_trials,
                                            const Eigen::MatrixXd& centers,
                                            const Eigen::MatrixXd& exclude, std::mt19937_64& rng,
                                            const SearchBox* box) {
  if (options.acquisition_mix != AcquisitionMix::kEnsemble) {
    const AcquisitionFunction acquisition(AcquisitionForTrial(options, trial_index, max_trials),
                                          best, options.ucb_beta);
    return optimizer.Maximize(gp, acquisition, centers, exclude, rng, box);
  }
  Eigen::MatrixXd maximisers(gp.dimensions(), 0);
  for (AcquisitionKind kind : kEnsembleKinds) {
    const AcquisitionFunction acquisition(kind, best, options.ucb_beta);
    if (auto x = optimizer.Maximize(gp, acquisition, centers, exclude, rng, box)) {
      maximisers.conservativeResize(Eigen::NoChange, maximisers.cols() + 1);
      maximisers.col(maximisers.cols() - 1) = *x;
    }
  }
  if (maximisers.cols() == 0) return std::nullopt;
  const std::vector<Eigen::Index> front = AcquisitionParetoSet(gp, options, best, maximisers);
  const Eigen::Index pick =
      front[std::uniform_int_distribution<std::size_t>(0, front.size() - 1)(rng)];
  return Eigen::VectorXd(maximisers.col(pick));
}

}  // namespace bayestune
