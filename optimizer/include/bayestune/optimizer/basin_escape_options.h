#pragma once

namespace bayestune {

// Trials of a sequential GP bandit study that search away from the incumbent's basin
// (docs/optimizer.md, "Leaving a local basin"): a run that settled in a local optimum (hartmann6's,
// 0.119 above the global one) refines it to the end, since neither UCB nor log EI around a
// converged incumbent looks far from it. An escape trial keeps out of a box around the incumbent,
// so that the acquisition's best point elsewhere (the second-best basin, as TuRBO restarts its
// trust region) is tried. Measured and off by default. Sequential suggestions only: a parallel
// study's points are chosen as before.
struct BasinEscapeOptions {
  // The escape trials: in the last `share` of the study's maxTrials, every `every`-th counted from
  // the phase's first trial (with the defaults, the refinement phase's free trials:
  // LocalRefinementOptions::free_every).
  double share = 0.25;
  int every = 2;
  // A candidate within this half-width (max norm over the incumbent's numeric coordinates, as
  // the refinement box) of the incumbent loses against every candidate outside; 0: no keep-out.
  double keep_out_radius = 0.0;
  // With a keep-out radius: > 0 makes an escape trial search a box of this half-width around the
  // best trial outside the keep-out box instead (the second-best basin, as TuRBO restarts a local
  // trust region), with the trial's acquisition; 0: the whole space outside the keep-out box.
  double restart_radius = 0.0;
  // An escape trial maximises UCB with this beta instead of the trial's acquisition; negative:
  // the trial's own acquisition.
  double ucb_beta = -1.0;
};

}  // namespace bayestune
