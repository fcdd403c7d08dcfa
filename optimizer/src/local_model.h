#pragma once

#include <Eigen/Core>
#include <optional>
#include <vector>

#include "bayestune/optimizer/gp_bandit_options.h"
#include "gaussian_process.h"

namespace bayestune {

// TuRBO's local model for the refinement of a parallel study (LocalRefinementOptions::
// parallel_local_model_points): a GP fitted afresh (same kernel, priors and output transform,
// hyperparameters of its own) to the finished trials nearest the incumbent, so that its length
// scales are the basin's rather than the whole space's. A batch's earlier points enter it as
// kriging-believer fantasies (the model's own mean), so that its acquisition for a later point
// looks elsewhere in the basin.
class LocalModel {
 public:
  // The GP of the `count` columns of `observed` (the model's points: the first `dimensions` rows)
  // nearest `incumbent` (max norm over `coordinates`, NearestColumns), with their `values`;
  // nullopt when there are fewer than `count` (or count < 1).
  static std::optional<LocalModel> Fit(const Eigen::MatrixXd& observed,
                                       const std::vector<std::optional<double>>& values,
                                       const Eigen::VectorXd& incumbent,
                                       const std::vector<int>& coordinates, int count,
                                       OutputTransform transform, const GpFitOptions& fit);

  const GaussianProcess& gp() const { return gp_; }
  // The highest target among its observations and fantasies (log EI's incumbent).
  double best() const { return best_; }
  // Conditions the GP on its own mean at `x` (a batch's point or a pending trial).
  void AddFantasy(const Eigen::VectorXd& x);

 private:
  LocalModel(GaussianProcess gp, double best) : gp_(std::move(gp)), best_(best) {}

  GaussianProcess gp_;
  double best_;
};

}  // namespace bayestune
