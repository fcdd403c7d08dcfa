#include "feasible_rounding.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "scale_transform.h"

namespace bayestune {
namespace {

std::size_t SaturatingMultiply(std::size_t a, std::size_t b) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) {
    return std::numeric_limits<std::size_t>::max();
  }
  return a * b;
}

}  // namespace

FeasibleRounding::FeasibleRounding(const SearchSpace& space)
    : space_(&space), dimensions_(space.ModelDimensions()) {
  std::size_t count = 1;
  bool finite = true;
  for (std::size_t i = 0; i < space.size(); ++i) {
    const ParameterSpec& spec = space.parameters()[i];
    const SearchSpace::Slice slice = space.ModelSlice(i);
    if (spec.type == ParameterType::kCategorical) {
      if (slice.width > 0) blocks_.push_back({slice.offset, slice.width});
    } else {
      Coordinate c;
      c.offset = slice.offset;
      c.type = spec.type;
      c.lo = spec.Lower();
      c.hi = spec.Upper();
      c.scale = spec.scale;
      if (spec.type == ParameterType::kDiscrete) {
        for (double v : spec.discrete_values)
          c.units.push_back(ToUnit(v, c.lo, c.hi, c.scale));
      }
      coordinates_.push_back(std::move(c));
      ordered_.push_back(slice.offset);
    }
    if (spec.type == ParameterType::kDouble) finite = false;
    count = SaturatingMultiply(count, ValueCount(i));
  }
  if (finite) feasible_points_ = count;
}

std::size_t FeasibleRounding::ValueCount(std::size_t i) const {
  const ParameterSpec& spec = space_->parameters()[i];
  switch (spec.type) {
    case ParameterType::kDouble:
      return 1;  // not finite; the caller knows
    case ParameterType::kInteger: {
      const double span = spec.max_value - spec.min_value + 1.0;
      return span >= 1e18 ? std::numeric_limits<std::size_t>::max()
                          : static_cast<std::size_t>(span);
    }
    case ParameterType::kDiscrete:
      return spec.discrete_values.size();
    case ParameterType::kCategorical:
      return spec.categorical_values.size();
  }
  return 1;
}

double FeasibleRounding::RoundOrdered(const Coordinate& c, double u) const {
  u = std::clamp(u, 0.0, 1.0);
  switch (c.type) {
    case ParameterType::kDouble:
      return u;
    case ParameterType::kInteger: {
      const double value = std::clamp(std::round(FromUnit(u, c.lo, c.hi, c.scale)), c.lo, c.hi);
      return ToUnit(value, c.lo, c.hi, c.scale);
    }
    case ParameterType::kDiscrete: {
      auto upper = std::lower_bound(c.units.begin(), c.units.end(), u);
      if (upper == c.units.begin()) return c.units.front();
      if (upper == c.units.end()) return c.units.back();
      const double above = *upper;
      const double below = *(upper - 1);
      return u - below <= above - u ? below : above;
    }
    case ParameterType::kCategorical:
      break;
  }
  return u;
}

void FeasibleRounding::Round(Eigen::Ref<Eigen::VectorXd> x) const {
  for (const Coordinate& c : coordinates_)
    x[c.offset] = RoundOrdered(c, x[c.offset]);
  for (const Block& b : blocks_) {
    Eigen::Index best = 0;
    x.segment(b.offset, b.width).maxCoeff(&best);
    x.segment(b.offset, b.width).setZero();
    x[b.offset + best] = 1.0;
  }
}

Eigen::VectorXd FeasibleRounding::FeasiblePoint(std::size_t index) const {
  Eigen::VectorXd x = Eigen::VectorXd::Zero(dimensions_);
  std::size_t ordered = coordinates_.size();
  std::size_t categorical = blocks_.size();
  for (std::size_t i = space_->size(); i-- > 0;) {
    const ParameterSpec& spec = space_->parameters()[i];
    const std::size_t values = ValueCount(i);
    const std::size_t k = values == 0 ? 0 : index % values;
    index = values == 0 ? index : index / values;
    if (spec.type == ParameterType::kCategorical) {
      if (space_->ModelSlice(i).width == 0) continue;
      const Block& b = blocks_[--categorical];
      x[b.offset + static_cast<Eigen::Index>(k)] = 1.0;
      continue;
    }
    const Coordinate& c = coordinates_[--ordered];
    if (spec.type == ParameterType::kInteger) {
      x[c.offset] = ToUnit(c.lo + static_cast<double>(k), c.lo, c.hi, c.scale);
    } else if (spec.type == ParameterType::kDiscrete) {
      x[c.offset] = c.units[k];
    }
  }
  return x;
}

}  // namespace bayestune
