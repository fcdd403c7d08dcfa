#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <functional>

#include "feasible_rounding.h"

namespace bayestune {

// Appends `x` as the last column of `m` (rows: x.size()).
void AppendColumn(Eigen::MatrixXd& m, const Eigen::VectorXd& x);
// The columns of `a`, then those of `b`.
Eigen::MatrixXd Join(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

// Where a study stands for the GP designers' initial design.
struct InitialDesignInput {
  int points = 0;                // the design's size (GpBanditDesigner::DefaultInitialPoints, ...)
  int count = 0;                 // suggestions wanted in this call
  std::uint64_t study_seed = 0;  // spec.seed: one Sobol sequence per study
  int own_trials = 0;            // trials of this study so far: where its sequence goes on
  Eigen::Index trials_seen = 0;  // every trial the model knows of (resumed ones included)
  Eigen::Index finished = 0;     // of those, the finished ones
};

// The initial design of the single- and multi-objective GP designers: appends scrambled Sobol
// points, rounded to feasible ones and not near any column of `excluded()`, to `chosen` while
// fewer than `count` are chosen and the design is not complete (or no trial has finished yet, so
// that there is nothing to model). Stops early when 256 points in a row were all taken (a small
// finite space).
void AppendInitialDesign(const InitialDesignInput& input, const FeasibleRounding& rounding,
                         const std::function<Eigen::MatrixXd()>& excluded, Eigen::MatrixXd& chosen);

}  // namespace bayestune
