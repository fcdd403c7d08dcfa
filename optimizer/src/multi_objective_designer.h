#pragma once

#include <vector>

#include "bayestune/optimizer/designer.h"
#include "bayestune/optimizer/gp_bandit_options.h"

namespace bayestune {

// The GP bandit's suggestions for a study of several objectives (StudySpec::metrics), after OSS
// Vizier's multi-objective GP bandit:
//   - the same scrambled Sobol initial design as for one objective;
//   - then one GP per objective, each fitted on that objective's standardised values (sign-flipped
//     for MINIMIZE, so that higher is better; the bad tail clipped; FAILED and INFEASIBLE trials
//     imputed worse than the worst);
//   - the acquisition is a random hypervolume scalarization (Golovin & Zhang 2020) of the
//     objectives' upper confidence bounds: with a weight w drawn uniformly on the positive part of
//     the unit sphere, a(x) = min_k (UCB_k(x) - r_k) / w_k, where r is a reference point just below
//     the worst target of each objective and UCB_k = mean + 1.4 sd. The expectation over w of such
//     scalarizations (to the power of the number of objectives) is the hypervolume, so maximising
//     one for a fresh w at each suggestion pushes the front out in a random direction each time;
//   - a batch is chosen one point at a time, each with its own w, the pending trials and the
//     points chosen before entering every GP as fantasies at its mean (kriging believer), so a
//     batch spreads along the front.
// The acquisition is maximised over rounded (feasible) candidates: random points of the cube and
// Gaussian steps around the observed points that score best under w, then a few rounds of
// shrinking steps around the best candidates. No point repeats a trial unless a finite space has
// no other left.
std::vector<ParameterValues> SuggestMultiObjective(const DesignerInput& input,
                                                   const GpBanditOptions& options);

}  // namespace bayestune
