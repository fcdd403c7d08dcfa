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
  double radius = 0.1;
  double final_radius = 0.1;
};

}  // namespace bayestune
