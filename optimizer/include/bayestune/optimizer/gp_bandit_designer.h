#pragma once

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
// the acquisition (log expected improvement by default) is maximised over feasible points
// (acquisition_optimizer.h). A batch of k is chosen one at a time, each chosen point becoming a
// fantasy for the next, so the k points differ. No point repeats a trial of the study unless a
// finite space has no other left.
class GpBanditDesigner : public Designer {
 public:
  explicit GpBanditDesigner(GpBanditOptions options = {}) : options_(options) {}
  std::vector<ParameterValues> Suggest(const DesignerInput& input) override;

  // The size of the initial Sobol design for a space: 2 + the number of model dimensions, at least
  // 5 and at most 20.
  static int DefaultInitialPoints(const SearchSpace& space);

 private:
  GpBanditOptions options_;
};

}  // namespace bayestune
