#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <vector>

#include "bayestune/optimizer/local_refinement_options.h"
#include "bayestune/optimizer/search_space.h"

namespace bayestune {

// An axis-aligned box of the unit cube (model coordinates) that the acquisition search keeps to
// (AcquisitionOptimizer::Maximize): candidates are drawn in it, the L-BFGS refinement is bounded
// by it, and a point outside (after rounding) loses against every point inside.
struct SearchBox {
  Eigen::VectorXd lower;
  Eigen::VectorXd upper;
  // The largest amount by which a coordinate of `x` lies outside; 0 inside.
  double Excess(const Eigen::VectorXd& x) const;
  bool Contains(const Eigen::VectorXd& x) const { return Excess(x) <= 1e-12; }
  // `value` for a point inside; below any acquisition value, decreasing with the excess, outside.
  double Penalize(double value, const Eigen::VectorXd& x) const;
};

// The half-width of LocalRefinementOptions' box for the study's trial `trial_index` (from 0), or
// nullopt before the phase (or when it is off: a share or radius of 0, or max_trials 0): from
// options.radius at the phase's first trial geometrically to options.final_radius at trial
// max_trials - 1.
// A free trial of the phase (options.free_every) has no box: nullopt.
std::optional<double> LocalRefinementRadius(const LocalRefinementOptions& options,
                                            std::uint64_t trial_index, int max_trials);

// The coordinates the box bounds around `incumbent` (model coordinates of `space`): those of the
// DOUBLE, INTEGER and DISCRETE parameters active at the incumbent. A categorical choice stays
// free, and so does a conditional parameter the incumbent leaves inactive (its coordinate is a
// placeholder there, so a box around it would pin a branch the incumbent is not in).
std::vector<int> RefinedCoordinates(const SearchSpace& space, const Eigen::VectorXd& incumbent);

// The box of half-width `radius` around `incumbent` on the `coordinates` given, clipped to the
// unit cube; the other coordinates stay free in [0, 1].
SearchBox BoxAround(const Eigen::VectorXd& incumbent, double radius,
                    const std::vector<int>& coordinates);

// The indices of the `count` columns of `points` nearest `center` (max norm over `coordinates`),
// nearest first (ties in column order); all of them when there are no more than `count`.
std::vector<Eigen::Index> NearestColumns(const Eigen::MatrixXd& points,
                                         const Eigen::VectorXd& center,
                                         const std::vector<int>& coordinates, int count);

}  // namespace bayestune
