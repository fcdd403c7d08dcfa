#pragma once

#include <memory>

#include "bayestune/optimizer/designer.h"
#include "bayestune/optimizer/gp_bandit_options.h"

namespace bayestune {

// The default designer (ALGORITHM_UNSPECIFIED): Gaussian-process Bayesian optimisation.
//
// First a scrambled Sobol design (point i of the study's sequence for its i-th trial, scrambled by
// the study's seed) until the study has DefaultInitialPoints trials, counting those of a resumed
// study (resumePreviousJobId). Then, for each suggestion: the finished trials' values are warped
// (output_warper.h; FAILED and INFEASIBLE trials get a value worse than the worst), a GP with a
// Matern-5/2 ARD kernel is fitted by maximum a posteriori (gp_hyperparameter_fit.h), the pending
// trials (REQUESTED, ACTIVE, STOPPING) enter as fantasies at the GP's mean (kriging believer), and
// the acquisition (UCB for the first 75% of maxTrials, then log expected improvement, by default)
// is maximised over feasible points (acquisition_optimizer.h). A batch of k is chosen one at a
// time, each chosen point becoming a fantasy for the next, so the k points differ. No point repeats
// a trial of the study unless a finite space has no other left.
//
// Fast at scale: the designer keeps, between calls, the hyperparameters of the last refit point
// (GpBanditOptions::refit_all_up_to, refit_growth) and the GP's Cholesky factor; when the next
// call's GP has the same hyperparameters and its points begin with the kept ones (trials only
// added), the factor is extended by the new rows in O(n^2 k) (GaussianProcess::Extend). What is
// kept never changes what is suggested beyond floating-point rounding: it is only what a fresh
// designer would compute again. Copies of a designer share what it keeps (guarded by a mutex).
// What a GpBanditDesigner keeps between calls (gp_bandit_designer.cc).
struct GpBanditCache;

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
  GpBanditOptions options_;
  std::shared_ptr<GpBanditCache> cache_;
};

}  // namespace bayestune
