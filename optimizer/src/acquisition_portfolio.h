#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <random>

#include "acquisition_optimizer.h"
#include "bayestune/optimizer/gp_bandit_options.h"
#include "gaussian_process.h"

namespace bayestune {

// The acquisition a GP suggestion for the study's trial `trial_index` (from 0) maximises under
// AcquisitionMix::kSingle, kAlternate and kUcbFirst: `options.acquisition`; for kAlternate log EI
// on even and UCB on odd indices; for kUcbFirst UCB while trial_index < options.ucb_share *
// max_trials (always, when max_trials is 0), `options.acquisition` after.
AcquisitionKind AcquisitionForTrial(const GpBanditOptions& options, std::uint64_t trial_index,
                                    int max_trials);

// The Pareto set of `points` (columns) under log EI, log PI and UCB (beta options.ucb_beta) over
// `best`: the indices of the points no other point beats on all three (ties keep both), in order.
std::vector<Eigen::Index> AcquisitionParetoSet(const GaussianProcess& gp,
                                               const GpBanditOptions& options, double best,
                                               const Eigen::MatrixXd& points);

// The point one GP suggestion proposes (the study's trial `trial_index`), by
// options.acquisition_mix: the maximiser of the chosen acquisition, or for kEnsemble (after
// HEBO's MACE) one of the maximisers of log EI, log PI and UCB drawn at random from their Pareto
// set. nullopt when every candidate is excluded (see AcquisitionOptimizer::Maximize). A `box`
// confines the search (LocalRefinementOptions).
std::optional<Eigen::VectorXd> ProposePoint(const AcquisitionOptimizer& optimizer,
                                            const GaussianProcess& gp,
                                            const GpBanditOptions& options, double best,
                                            std::uint64_t trial_index, int max_trials,
                                            const Eigen::MatrixXd& centers,
                                            const Eigen::MatrixXd& exclude, std::mt19937_64& rng,
                                            const SearchBox* box = nullptr);

}  // namespace bayestune
