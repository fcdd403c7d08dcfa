#include "local_refinement.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

std::vector<Eigen::Index> NearestColumns(const Eigen::MatrixXd& points,
                                         const Eigen::VectorXd& center,
                                         const std::vector<int>& coordinates, int count) {
  Eigen::VectorXd distance = Eigen::VectorXd::Zero(points.cols());
  for (int c : coordinates)
    distance = distance.cwiseMax((points.row(c).array() - center[c]).abs().matrix().transpose());
  std::vector<Eigen::Index> order(static_cast<std::size_t>(points.cols()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return distance[a] < distance[b]; });
  if (count >= 0 && order.size() > static_cast<std::size_t>(count))
    order.resize(static_cast<std::size_t>(count));
  return order;
}

}  // namespace bayestune
