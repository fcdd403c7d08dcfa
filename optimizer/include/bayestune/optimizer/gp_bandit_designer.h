#pragma once

#include <memory>

#include "bayestune/optimizer/acquisition_function.h"
#include "bayestune/optimizer/acquisition_optimizer.h"
#include "bayestune/optimizer/designer.h"
#include "bayestune/optimizer/gp_hyperparameter_fit.h"

namespace bayestune {

struct GpBanditOptions {
  // Scrambled Sobol points before the GP takes over; 0: DefaultInitialPoints(space).
  int initial_points = 0;
  AcquisitionKind acquisition = AcquisitionKind::kLogExpectedImprovement;
  double ucb_beta = 2.0;
  // When several points are asked at once in the second half of a study (by maxTrials), make the
  // first GP point the maximiser of the posterior mean: batches then converge as sequential
  // suggestions do.
  bool batch_exploitation = true;
  // The GP is conditioned on at most this many finished trials (see ModelPoints), so that memory
  // stays around 100 MB however long the study; memory is O(n^2) below that.
  int max_model_points = 1000;
  // The hyperparameters are fitted again on every suggestion while the study has at most
  // `refit_all_up_to` finished trials; beyond, only at refit points (each `refit_growth` more
  // finished trials than the last, as a share), and the fit of the last refit point is reused in
  // between. A refit point's fit uses the study's first finished trials up to that count and a
  // seed derived from the study's seed and the count, so it is a function of the history alone:
  // a designer that kept it (a long-lived server) and one that computes it afresh suggest the
  // same points.
  int refit_all_up_to = 100;
  double refit_growth = 0.1;
  GpFitOptions fit;
  AcquisitionOptimizerOptions acquisition_optimizer;
};

// The default designer (ALGORITHM_UNSPECIFIED): Gaussian-process Bayesian optimisation.
//
// First a scrambled Sobol design (point i of the study's sequence for its i-th trial, scrambled by
// the study's seed) until the study has DefaultInitialPoints trials, counting those of a resumed
// study (resumePreviousJobId). Then, for each suggestion: the finished trials' values are warped
// (output_warper.h; FAILED and INFEASIBLE trials get a value worse than the worst), a GP with a
// Matern-5/2 ARD kernel is fitted by maximum a posteriori (gp_hyperparameter_fit.h), the pending
// trials (REQUESTED, ACTIVE, STOPPING) enter as fantasies at the GP's mean (kriging believer), and
// the acquisition (log expected improvement by default) is maximised over feasible points
// (acquisition_optimizer.h). A batch of k is chosen one at a time, each chosen point becoming a
// fantasy for the next, so the k points differ. No point repeats a trial of the study unless a
// finite space has no other left.
//
// Fast at scale: the designer keeps, between calls, the hyperparameters of the last refit point
// (GpBanditOptions::refit_all_up_to, refit_growth) and the GP's Cholesky factor; when the next
// call's GP has the same hyperparameters and its points begin with the kept ones (trials only
// added), the factor is extended by the new rows in O(n^2 k) (GaussianProcess::Extend). What is
// kept never changes what is suggested beyond floating-point rounding: it is only what a fresh
// designer would compute again. Copies of a designer share what it keeps (guarded by a mutex).
class GpBanditDesigner : public Designer {
 public:
  explicit GpBanditDesigner(GpBanditOptions options = {});
  std::vector<ParameterValues> Suggest(const DesignerInput& input) override;

  // The size of the initial Sobol design for a space: 2 + the number of model dimensions, at least
  // 5 and at most 20.
  static int DefaultInitialPoints(const SearchSpace& space);

  // The number of finished trials whose fit serves a GP of `finished` finished trials: `finished`
  // itself up to options.refit_all_up_to, then the last refit point not above it.
  static int RefitPoint(int finished, const GpBanditOptions& options);
  // The refit point after `point`: point + 1 up to refit_all_up_to, then point x (1 +
  // refit_growth), rounded up, but at most max_model_points / 4 more.
  static int NextRefitPoint(int point, const GpBanditOptions& options);

  // What the last call did, for tests and benches.
  struct CacheUse {
    bool hyperparameters_reused = false;  // the fit of the refit point was kept
    bool factor_extended = false;         // the Cholesky factor was extended, not recomputed
    int refit_point = 0;
  };
  CacheUse LastCacheUse() const;

 private:
  struct Cache;
  // The indices of the finished trials (in `finished_values`' order) the GP is conditioned on: all
  // of them up to max_model_points; beyond, the best quarter and a random rest of the trials up to
  // the last refit point (seeded by the study's seed and the point), then every trial after it.
  // The set changes only at refit points, so that the GP's factor can be extended in between, and
  // it never exceeds max_model_points.
  std::vector<Eigen::Index> ModelPoints(const std::vector<std::optional<double>>& finished_values,
                                        std::uint64_t study_seed) const;
  GpHyperparameters Hyperparameters(const Eigen::MatrixXd& finished,
                                    const std::vector<std::optional<double>>& finished_values,
                                    const Eigen::MatrixXd& observed, const Eigen::VectorXd& targets,
                                    std::uint64_t seed, const StudySpec& spec);

  GpBanditOptions options_;
  std::shared_ptr<Cache> cache_;
};

}  // namespace bayestune
