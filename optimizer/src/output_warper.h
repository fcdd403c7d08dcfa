#pragma once

#include <Eigen/Core>
#include <optional>
#include <vector>

namespace bayestune {

// Turns objective values into the targets the GP is fitted on, so that heavy tails and outliers (a
// Rosenbrock-like range over orders of magnitude, a diverged trial) do not wreck the fit. Values
// are taken as "higher is better"; nullopt marks a trial without a usable value (FAILED or
// INFEASIBLE). In order:
//   1. half-rank: the values below the median are replaced by normal quantiles of their rank,
//      scaled by the spread of the good half, so that the bad tail is as tame as a Gaussian's;
//   2. log warp: y -> 0.5 - ln(1 + (max - y) / (max - min) * (c - 1)) / ln c with c = 1.5, into
//      [-0.5, 0.5], stretching the differences between the best values;
//   3. imputation: a trial without a value gets the worst warped value minus half the range, so
//      that the model learns to avoid its region (the value itself never reaches the model);
//   4. standardisation to mean 0 and variance 1.
// With fewer than two distinct values every usable value becomes 0 and the others -1 before
// standardisation. (After Vizier's default output warping.)
Eigen::VectorXd WarpObjectiveValues(const std::vector<std::optional<double>>& values);

}  // namespace bayestune
