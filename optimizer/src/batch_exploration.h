#pragma once

#include <Eigen/Core>
#include <optional>
#include <random>
#include <vector>

#include "acquisition_optimizer.h"
#include "bayestune/optimizer/gp_bandit_options.h"
#include "gaussian_process.h"
#include "local_refinement.h"

namespace bayestune {

// Rules for the later points of a parallel study's round in the UCB phase (the points chosen
// while others of the round, or other trials, are pending), each selected by a GpBanditOptions
// field that is off by default (docs/optimizer.md, "Batches: ..."). `taken` (columns): the
// pending trials' points and the round's points chosen so far; `exclude`: the points a
// suggestion must not repeat.

// HEBO's batch rule (MACE): the Pareto front of log EI, log PI and UCB of `gp` (no fantasies of
// `taken`) over the acquisition's candidates (Sobol points in `box`, steps around `centers`) and
// the three acquisitions' maximisers; of the front's points not excluded, `mode` 1 takes one at
// random, 2 the one farthest (Euclidean) from every column of `taken`. nullopt when none is left.
std::optional<Eigen::VectorXd> AcquisitionFrontPoint(const AcquisitionOptimizer& optimizer,
                                                     const GaussianProcess& gp,
                                                     const GpBanditOptions& options, double best,
                                                     const Eigen::MatrixXd& centers,
                                                     const Eigen::MatrixXd& taken,
                                                     const Eigen::MatrixXd& exclude, int mode,
                                                     std::mt19937_64& rng, const SearchBox* box);

// One joint draw of `gp`'s posterior (the latent function) at the columns of `points`.
Eigen::VectorXd SamplePosterior(const GaussianProcess& gp, const Eigen::MatrixXd& points,
                                std::mt19937_64& rng);

// Batch Thompson sampling: the maximiser of one joint posterior draw of `gp` over `candidates`
// candidate points (two thirds Sobol points in `box`, a third steps around `centers`) that are
// not excluded. nullopt when none is left.
std::optional<Eigen::VectorXd> ThompsonPoint(const AcquisitionOptimizer& optimizer,
                                             const GaussianProcess& gp, int candidates,
                                             const Eigen::MatrixXd& centers,
                                             const Eigen::MatrixXd& exclude, std::mt19937_64& rng,
                                             const SearchBox* box);

// Local penalization (Gonzalez et al. 2016) for maximisation: the acquisition a, made positive
// by softplus, times prod_j Phi((L |x - x_j| - (best - mu(x_j))) / sigma(x_j)) over the
// columns x_j of `taken`, with mu and sigma of `gp` (without fantasies) and L the Lipschitz
// constant of its mean (estimated) times `lipschitz_scale`; maximised as its logarithm.
class LocalPenalization : public AcquisitionPenalty {
 public:
  LocalPenalization(const GaussianProcess& gp, const Eigen::MatrixXd& taken, double best,
                    double lipschitz, double lipschitz_scale);
  double Apply(double value, const Eigen::VectorXd& x, double* d_value,
               Eigen::VectorXd* d_x) const override;
  double lipschitz() const { return lipschitz_; }

 private:
  Eigen::MatrixXd taken_;
  Eigen::VectorXd radius_;  // (best - mu(x_j)) / L, at least 0
  Eigen::VectorXd scale_;   // sigma(x_j) / L
  double lipschitz_;
};

// Distinct local optima: the acquisition unchanged farther than `radius` (Euclidean) from every
// column of `taken`, and lowered by `slope` times the shortfall within it, so that a round's
// points are the acquisition's maxima in different places.
class ExclusionBalls : public AcquisitionPenalty {
 public:
  ExclusionBalls(const Eigen::MatrixXd& taken, double radius, double slope = 100.0)
      : taken_(taken), radius_(radius), slope_(slope) {}
  double Apply(double value, const Eigen::VectorXd& x, double* d_value,
               Eigen::VectorXd* d_x) const override;

 private:
  Eigen::MatrixXd taken_;
  double radius_;
  double slope_;
};

// The largest norm of `gp`'s mean gradient over the columns of `points` (the Lipschitz estimate
// of local penalization); 1 when it is not positive.
double MeanGradientBound(const GaussianProcess& gp, const Eigen::MatrixXd& points);

}  // namespace bayestune
