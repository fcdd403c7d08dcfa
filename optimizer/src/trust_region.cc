#include "trust_region.h"

#include <limits>

namespace bayestune {
namespace {

// Below every acquisition value this library computes (log EI and log PI reach about -z^2 / 2
// for z the standardised improvement, UCB the GP's mean).
constexpr double kOutsideValue = -1e15;
// From this radius on, max-norm balls around any point cover most of the unit cube.
constexpr double kCoveringRadius = 0.5;

}  // namespace

double TrustRegion::Radius(int points, int dimensions, const AcquisitionOptimizerOptions& options) {
  return options.trust_region_radius + options.trust_region_growth * static_cast<double>(points) /
                                           static_cast<double>(dimensions + 1);
}

std::optional<TrustRegion> TrustRegion::Around(const Eigen::MatrixXd& points,
                                               const AcquisitionOptimizerOptions& options) {
  if (!options.trust_region || points.cols() == 0) return std::nullopt;
  const double radius =
      Radius(static_cast<int>(points.cols()), static_cast<int>(points.rows()), options);
  if (radius >= kCoveringRadius) return std::nullopt;
  return TrustRegion(points, radius);
}

double TrustRegion::Distance(const Eigen::VectorXd& x) const {
  double nearest = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < points_.cols(); ++i)
    nearest = std::min(nearest, (points_.col(i) - x).cwiseAbs().maxCoeff());
  return nearest;
}

double TrustRegion::Penalize(double value, const Eigen::VectorXd& x) const {
  const double distance = Distance(x);
  return distance <= radius_ ? value : kOutsideValue - distance;
}

}  // namespace bayestune
