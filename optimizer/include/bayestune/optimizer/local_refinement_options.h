#pragma once

namespace bayestune {

// The late phase of a GP bandit study (docs/optimizer.md, "Refinement late in a study, and
// batches"): in the last `share` of the study's maxTrials the acquisition is maximised only within
// a box around the incumbent (the best finished trial), as TuRBO searches a trust region around
// its best point, so that the last trials refine the basin found instead of exploring far from
// it. The box's half-width (max norm, on the unit cube, over the DOUBLE, INTEGER and DISCRETE
// coordinates) goes geometrically from `radius` at the phase's first trial to `final_radius` at
// the study's last.
struct LocalRefinementOptions {
  double share = 0.25;  // 0: off
  double radius = 0.2;
  double final_radius = 0.02;
  // Every `free_every`-th trial of the phase (counted from its first) searches the whole space
  // instead, so that a study still finds a better basin late (styblinski4's other well lies 0.56
  // away along an axis); 0: none.
  int free_every = 2;
  // The share for a study that runs trials in parallel (a suggestion asked for several points, or
  // made with trials pending); negative: `share`. Half the study: with the additive kernel,
  // batches of 4 found levy4's and styblinski4's basins more often with it (97% and 88% of the
  // tuning runs, against 85% and 78% with the last quarter) at equal medians elsewhere.
  double parallel_share = 0.5;
  // Measured and not the default (docs/optimizer.md): in the phase, a parallel study's points
  // maximise UCB with this beta (as GP-BUCB: each chosen point, a fantasy at the GP's mean,
  // shrinks the variance around it, so a batch spreads over the incumbent's neighbourhood)
  // instead of the study's acquisition. Negative: off.
  double parallel_ucb_beta = -1.0;
  // Measured and not the default: the last this many points of a suggestion of several search
  // the whole space instead of the box.
  int parallel_free_points = 0;
  // In the phase, the first point of a parallel study's suggestion (GpBanditOptions::
  // batch_exploitation's) maximises in the box the posterior mean of a GP fitted afresh to this
  // many finished trials nearest the incumbent, instead of the study's GP: TuRBO's local model,
  // whose length scales are the basin's rather than the whole space's, so that a batch's rounds
  // refine a found basin further (docs/optimizer.md, "Batches: a local model for the refinement";
  // batches of 4 on the tuning seeds: levy4's median regret 0.0036 to 0.0012, styblinski4's
  // 0.0042 to 0.0017, hartmann6's 4.6e-04 to 3.2e-04; 20 points did worse). Fewer finished
  // trials than this: the study's GP. 0: off (sequential suggestions never use it).
  int parallel_local_model_points = 30;
};

}  // namespace bayestune
