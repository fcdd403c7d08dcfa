#include "bayestune/optimizer/grid_designer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "bayestune/optimizer/conditional_parameters.h"
#include "scale_transform.h"

namespace bayestune {
namespace {

// A DOUBLE grid value as the decimal of 15 significant digits nearest to it, when that lies in
// [lo, hi]: computed on its scale, the point meant as 0.001 came out 0.0010000000000000002, and
// the trainer got --lr=0.0010000000000000002 (the stored value, exports and reports the same).
// A range so narrow that its grid values differ in their last digits keeps them as computed
// (tidied, two could become one).
double TidyGridValue(double value, double lo, double hi) {
  if (!(hi - lo > 1e-9 * std::max(std::fabs(lo), std::fabs(hi)))) return value;
  char text[32];
  const auto written =
      std::to_chars(text, text + sizeof text, value, std::chars_format::general, 15);
  double tidy = value;
  if (written.ec != std::errc() || std::from_chars(text, written.ptr, tidy).ec != std::errc()) {
    return value;
  }
  return tidy >= lo && tidy <= hi ? tidy : value;
}

}  // namespace

std::size_t GridDesigner::GridValueCount(const ParameterSpec& spec) {
  switch (spec.type) {
    case ParameterType::kCategorical:
      return spec.categorical_values.size();
    case ParameterType::kDiscrete:
      return spec.discrete_values.size();
    case ParameterType::kInteger: {
      // In integers: the bounds are whole numbers within +-2^53 (the spec's rule), and in a double
      // -2^53 .. 2^53 made 2^54 values, one short.
      constexpr double kExact = 9007199254740992.0;  // 2^53
      if (!(std::fabs(spec.min_value) <= kExact && std::fabs(spec.max_value) <= kExact)) {
        return std::numeric_limits<std::size_t>::max();  // a spec built in code past the rule
      }
      const auto low = static_cast<std::int64_t>(spec.min_value);
      const auto high = static_cast<std::int64_t>(spec.max_value);
      return high < low ? 0 : static_cast<std::size_t>(high - low) + 1;
    }
    case ParameterType::kDouble:
      return kDoubleGridPoints;
  }
  return 0;
}

ParameterValue GridDesigner::GridValue(const ParameterSpec& spec, std::size_t k) {
  switch (spec.type) {
    case ParameterType::kCategorical:
      return spec.categorical_values[k];
    case ParameterType::kDiscrete:
      return spec.discrete_values[k];
    case ParameterType::kInteger:
      return static_cast<std::int64_t>(spec.min_value) + static_cast<std::int64_t>(k);
    case ParameterType::kDouble:
      return TidyGridValue(FromUnit(static_cast<double>(k) / (kDoubleGridPoints - 1),
                                    spec.min_value, spec.max_value, spec.scale),
                           spec.min_value, spec.max_value);
  }
  return {};
}

std::optional<std::size_t> GridDesigner::GridIndex(const ParameterSpec& spec,
                                                   const ParameterValue& value) {
  if (spec.type == ParameterType::kCategorical) {
    if (!value.IsString()) return std::nullopt;
    for (std::size_t k = 0; k < spec.categorical_values.size(); ++k) {
      if (spec.categorical_values[k] == value.AsString()) return k;
    }
    return std::nullopt;
  }
  if (!value.IsNumeric()) return std::nullopt;
  const double x = value.AsDouble();
  if (spec.type == ParameterType::kInteger) {
    if (x != std::floor(x) || x < spec.min_value || x > spec.max_value) return std::nullopt;
    return static_cast<std::size_t>(x - spec.min_value);
  }
  // Within a few units of the last digit: a trial made before grid values were tidied holds the
  // value as computed (0.0010000000000000002 for 0.001), and is the same grid point.
  // The exact value first: in a range narrower than that, grid values lie closer.
  const std::size_t count = GridValueCount(spec);
  for (std::size_t k = 0; k < count; ++k) {
    if (GridValue(spec, k).AsDouble() == x) return k;
  }
  if (spec.type != ParameterType::kDouble) return std::nullopt;
  for (std::size_t k = 0; k < count; ++k) {
    const double grid = GridValue(spec, k).AsDouble();
    if (std::fabs(grid - x) <= 1e-13 * std::max(std::fabs(grid), std::fabs(x))) return k;
  }
  return std::nullopt;
}

std::optional<std::size_t> GridDesigner::Capacity(const SearchSpace& space) const {
  if (HasConditions(space.parameters())) {
    return CountTrees(space.parameters(),
                      [&](std::size_t i) { return GridValueCount(space.parameters()[i]); });
  }
  std::size_t total = 1;
  for (const ParameterSpec& spec : space.parameters()) {
    const std::size_t n = GridValueCount(spec);
    if (n != 0 && total > std::numeric_limits<std::size_t>::max() / n) {
      return std::numeric_limits<std::size_t>::max();
    }
    total *= n;
  }
  return total;
}

std::vector<ParameterValues> GridDesigner::Suggest(const DesignerInput& input) {
  const auto& parameters = input.space.parameters();
  std::vector<ParameterValues> points;
  if (parameters.empty()) return points;

  // Grid positions that a trial already has (an inactive parameter at position 0).
  std::set<std::vector<std::size_t>> used;
  for (const Trial& t : input.trials) {
    const std::vector<bool> active = ActiveParameters(parameters, t.parameters);
    std::vector<std::size_t> position;
    for (std::size_t p = 0; p < parameters.size(); ++p) {
      auto it = t.parameters.find(parameters[p].name);
      if (!active[p]) {
        if (it != t.parameters.end()) break;  // not a tree of this space
        position.push_back(0);
        continue;
      }
      if (it == t.parameters.end()) break;
      auto k = GridIndex(parameters[p], it->second);
      if (!k) break;  // not a grid point
      position.push_back(*k);
    }
    if (position.size() == parameters.size()) used.insert(std::move(position));
  }

  // Each tree once: an inactive parameter takes one position (0) and is left out of the point.
  std::vector<std::size_t> position(parameters.size(), 0);
  while (static_cast<int>(points.size()) < input.count) {
    ParameterValues all;
    for (std::size_t p = 0; p < parameters.size(); ++p)
      all[parameters[p].name] = GridValue(parameters[p], position[p]);
    const std::vector<bool> active = ActiveParameters(parameters, all);
    if (!used.contains(position)) {
      ParameterValues point;
      for (std::size_t p = 0; p < parameters.size(); ++p) {
        if (active[p]) point[parameters[p].name] = all.at(parameters[p].name);
      }
      points.push_back(std::move(point));
    }
    // The next position, the last active parameter fastest; past the last one the grid is
    // exhausted.
    std::size_t p = parameters.size();
    for (;;) {
      if (p == 0) return points;
      --p;
      if (!active[p]) continue;
      if (++position[p] < GridValueCount(parameters[p])) break;
      position[p] = 0;
    }
    for (std::size_t later = p + 1; later < parameters.size(); ++later)
      position[later] = 0;
  }
  return points;
}

}  // namespace bayestune
