#pragma once

namespace bayestune {

// The late phase of a GP bandit study (docs/optimizer.md, "Refinement late in a study"): in the
// last `share` of the study's maxTrials the acquisition is maximised only within a box around the
// incumbent (the best finished trial), as TuRBO searches a trust region around its best point, so
// that the last trials refine the basin found instead of exploring far from it. The box's
// half-width (max norm, on the unit cube) goes geometrically from `radius` at the phase's first
// trial to `final_radius` at the study's last.
struct LocalRefinementOptions {
  double share = 0.0;  // 0: off
  // The share for a study that runs trials in parallel (a suggestion asked for several points or
  // made with trials pending), whose rounds refine less each than sequential steps; negative:
  // `share`.
  double parallel_share = -1.0;
  // In the phase, a parallel study's points maximise UCB with this beta (as GP-BUCB: each chosen
  // point, a fantasy at the GP's mean, shrinks the variance around it, so a batch spreads over
  // the incumbent's neighbourhood where the GP is unsure) instead of the study's acquisition,
  // whose fantasy-raised incumbent sends a batch's later points to the box's corners. Negative:
  // off.
  double parallel_ucb_beta = -1.0;
  // The last this many points of a suggestion of several search the whole space instead (after
  // the boxed ones, whose fantasies send them away from the incumbent), so that a parallel study
  // still finds a better basin while it refines the one it has.
  int parallel_free_points = 0;
  double radius = 0.1;
  double final_radius = 0.1;
  // Every `free_every`-th trial of the phase (counted from its first) searches the whole space
  // instead, so that a study still finds a better basin late (styblinski4's other well, 0.56
  // away along an axis); 0: none.
  int free_every = 0;
};

}  // namespace bayestune
