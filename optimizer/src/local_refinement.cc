#include "local_refinement.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "bayestune/optimizer/conditional_parameters.h"
#include "model_encoding.h"

namespace bayestune {
namespace {

// Below every acquisition value this library computes (as trust_region.cc's).
constexpr double kOutsideValue = -1e15;

}  // namespace

double SearchBox::Excess(const Eigen::VectorXd& x) const {
  const double below = (lower - x).maxCoeff();
  const double above = (x - upper).maxCoeff();
  return std::max({0.0, below, above});
}

double SearchBox::Penalize(double value, const Eigen::VectorXd& x) const {
  const double excess = Excess(x);
  return excess <= 1e-12 ? value : kOutsideValue - excess;
}

std::optional<double> LocalRefinementRadius(const LocalRefinementOptions& options,
                                            std::uint64_t trial_index, int max_trials) {
  if (options.share <= 0.0 || max_trials <= 0 || options.radius <= 0.0 ||
      options.final_radius <= 0.0)
    return std::nullopt;
  const double first = std::ceil((1.0 - std::min(options.share, 1.0)) * max_trials - 1e-9);
  const double index = static_cast<double>(trial_index);
  if (index < first) return std::nullopt;
  if (options.free_every > 0 &&
      static_cast<std::int64_t>(index - first) % options.free_every == options.free_every - 1)
    return std::nullopt;
  const double last = static_cast<double>(max_trials - 1);
  const double progress =
      last > first ? std::clamp((index - first) / (last - first), 0.0, 1.0) : 1.0;
  return options.radius * std::pow(options.final_radius / options.radius, progress);
}

std::vector<int> RefinedCoordinates(const SearchSpace& space, const Eigen::VectorXd& incumbent) {
  const std::vector<ParameterSpec>& parameters = space.parameters();
  const std::vector<bool> active =
      HasConditions(parameters) ? ActiveParameters(parameters, DecodeFromModel(space, incumbent))
                                : std::vector<bool>(parameters.size(), true);
  std::vector<int> coordinates;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (!active[i] || parameters[i].type == ParameterType::kCategorical) continue;
    coordinates.push_back(space.ModelSlice(i).offset);
  }
  return coordinates;
}

SearchBox BoxAround(const Eigen::VectorXd& incumbent, double radius,
                    const std::vector<int>& coordinates) {
  SearchBox box{Eigen::VectorXd::Zero(incumbent.size()), Eigen::VectorXd::Ones(incumbent.size())};
  for (int c : coordinates) {
    box.lower[c] = std::max(0.0, incumbent[c] - radius);
    box.upper[c] = std::min(1.0, incumbent[c] + radius);
  }
  return box;
}

std::optional<Eigen::VectorXd> QuadraticMaximizer(const Eigen::MatrixXd& points,
                                                  const Eigen::VectorXd& values,
                                                  const Eigen::VectorXd& center,
                                                  const std::vector<int>& coordinates,
                                                  const SearchBox& box) {
  const Eigen::Index k = static_cast<Eigen::Index>(coordinates.size());
  const Eigen::Index terms = 1 + k + k * (k + 1) / 2;
  const Eigen::Index wanted = 2 * terms;
  if (k == 0 || points.cols() < wanted) return std::nullopt;
  // Offsets from the centre on the coordinates, in units of the box's largest half-width.
  double scale = 0.0;
  for (int c : coordinates)
    scale = std::max(scale, 0.5 * (box.upper[c] - box.lower[c]));
  if (scale <= 0.0) return std::nullopt;
  Eigen::MatrixXd offsets(k, points.cols());
  for (Eigen::Index j = 0; j < k; ++j)
    offsets.row(j) = (points.row(coordinates[static_cast<std::size_t>(j)]).array() -
                      center[coordinates[static_cast<std::size_t>(j)]]) /
                     scale;
  std::vector<Eigen::Index> order(static_cast<std::size_t>(points.cols()));
  std::iota(order.begin(), order.end(), 0);
  const Eigen::VectorXd distance = offsets.cwiseAbs().colwise().maxCoeff().transpose();
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return distance[a] < distance[b]; });
  Eigen::MatrixXd design(wanted, terms);
  Eigen::VectorXd y(wanted);
  for (Eigen::Index r = 0; r < wanted; ++r) {
    const Eigen::VectorXd s = offsets.col(order[static_cast<std::size_t>(r)]);
    Eigen::Index t = 0;
    design(r, t++) = 1.0;
    for (Eigen::Index i = 0; i < k; ++i)
      design(r, t++) = s[i];
    for (Eigen::Index i = 0; i < k; ++i) {
      for (Eigen::Index j = i; j < k; ++j)
        design(r, t++) = s[i] * s[j];
    }
    y[r] = values[order[static_cast<std::size_t>(r)]];
  }
  const Eigen::VectorXd beta = design.colPivHouseholderQr().solve(y);
  if (!beta.allFinite()) return std::nullopt;
  Eigen::VectorXd gradient = beta.segment(1, k);
  Eigen::MatrixXd hessian(k, k);
  Eigen::Index t = 1 + k;
  for (Eigen::Index i = 0; i < k; ++i) {
    for (Eigen::Index j = i; j < k; ++j) {
      const double b = beta[t++];
      hessian(i, j) = i == j ? 2.0 * b : b;
      hessian(j, i) = hessian(i, j);
    }
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(hessian);
  if (eigen.info() != Eigen::Success || eigen.eigenvalues().maxCoeff() >= 0.0) return std::nullopt;
  const Eigen::VectorXd step = hessian.ldlt().solve(-gradient);
  Eigen::VectorXd x = center;
  for (Eigen::Index i = 0; i < k; ++i) {
    const int c = coordinates[static_cast<std::size_t>(i)];
    x[c] = std::clamp(center[c] + scale * step[i], box.lower[c], box.upper[c]);
  }
  if (!x.allFinite()) return std::nullopt;
  return x;
}

}  // namespace bayestune
