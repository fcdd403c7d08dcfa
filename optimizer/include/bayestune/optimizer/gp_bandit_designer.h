#pragma once

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
  // The GP is conditioned on at most this many finished trials (the best quarter and a random
  // rest), so that a suggestion stays around a second and memory around 100 MB however long the
  // study; memory is O(n^2) below that.
  int max_model_points = 2000;
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
