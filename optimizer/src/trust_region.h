#pragma once

#include <Eigen/Core>
#include <optional>

#include "bayestune/optimizer/gp_bandit_options.h"

namespace bayestune {

// OSS Vizier's trust region for the acquisition search: early in a study the GP knows little far
// from its points, so the acquisition is maximised only within a max-norm distance of some point
// of the GP (observed or pending), and that distance grows with the number of points until the
// region covers the cube. A candidate outside loses against every candidate inside, and among
// the outside ones the nearer wins (so the search still returns a point when none is inside).
class TrustRegion {
 public:
  // The region around the columns of `points` (model coordinates, d x n), or nullopt when
  // options.trust_region is off, there are no points, or the radius has reached 0.5.
  static std::optional<TrustRegion> Around(const Eigen::MatrixXd& points,
                                           const AcquisitionOptimizerOptions& options);
  // trust_region_radius + trust_region_growth * points / (dimensions + 1).
  static double Radius(int points, int dimensions, const AcquisitionOptimizerOptions& options);

  double radius() const { return radius_; }
  // The max-norm distance from `x` to the nearest point.
  double Distance(const Eigen::VectorXd& x) const;
  bool Contains(const Eigen::VectorXd& x) const { return Distance(x) <= radius_; }
  // `value` for a point inside; below any acquisition value, decreasing with the distance, for a
  // point outside.
  double Penalize(double value, const Eigen::VectorXd& x) const;

 private:
  TrustRegion(Eigen::MatrixXd points, double radius)
      : points_(std::move(points)), radius_(radius) {}

  Eigen::MatrixXd points_;
  double radius_;
};

}  // namespace bayestune
