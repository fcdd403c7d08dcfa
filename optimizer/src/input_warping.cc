#include "input_warping.h"

#include <algorithm>
#include <cmath>

namespace bayestune {

WarpedCoordinate Kumaraswamy(double x, double a, double b) {
  WarpedCoordinate w;
  const double clamped = std::clamp(x, 0.0, 1.0);
  // 0^a = 0 and 1 - 0^b = 1 for every a, b > 0: the bounds stay in place exactly.
  w.value = 1.0 - std::pow(1.0 - std::pow(clamped, a), b);
  const double inner = std::clamp(x, kWarpEpsilon, 1.0 - kWarpEpsilon);
  const double u = std::pow(inner, a);  // x^a
  const double v = 1.0 - u;             // 1 - x^a, > 0
  const double v_b1 = std::pow(v, b - 1.0);
  w.dx = a * b * (u / inner) * v_b1;
  if (clamped > 0.0 && clamped < 1.0) {
    w.dlog_a = a * b * v_b1 * u * std::log(inner);
    w.dlog_b = -b * v_b1 * v * std::log(v);
  }
  return w;
}

bool WarpsAny(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return a.size() > 0 && ((a.array() != 1.0).any() || (b.array() != 1.0).any());
}

Eigen::MatrixXd WarpPoints(const Eigen::MatrixXd& points, const Eigen::VectorXd& a,
                           const Eigen::VectorXd& b) {
  Eigen::MatrixXd warped = points;
  if (a.size() == 0) return warped;
  for (Eigen::Index c = 0; c < points.rows(); ++c) {
    if (a[c] == 1.0 && b[c] == 1.0) continue;
    for (Eigen::Index i = 0; i < points.cols(); ++i)
      warped(c, i) = Kumaraswamy(points(c, i), a[c], b[c]).value;
  }
  return warped;
}

std::vector<int> DoubleCoordinates(const SearchSpace& space) {
  std::vector<int> coordinates;
  for (std::size_t i = 0; i < space.parameters().size(); ++i) {
    if (space.parameters()[i].type == ParameterType::kDouble)
      coordinates.push_back(space.ModelSlice(i).offset);
  }
  return coordinates;
}

}  // namespace bayestune
