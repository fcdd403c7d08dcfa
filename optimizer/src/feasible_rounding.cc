#include "feasible_rounding.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "bayestune/optimizer/conditional_parameters.h"
#include "model_encoding.h"
#include "scale_transform.h"

namespace bayestune {
namespace {

std::size_t SaturatingMultiply(std::size_t a, std::size_t b) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) {
    return std::numeric_limits<std::size_t>::max();
  }
  return a * b;
}

// `count` as a size_t, the largest one where it does not fit.
std::size_t SaturatedSize(std::uint64_t count) {
  if constexpr (sizeof(std::size_t) >= sizeof(std::uint64_t)) {
    return static_cast<std::size_t>(count);
  } else {
    constexpr std::uint64_t kMost = std::numeric_limits<std::size_t>::max();
    return static_cast<std::size_t>(std::min(count, kMost));
  }
}

// The trees of a finite conditional space kept for FeasiblePoint; beyond, they are walked to.
constexpr std::size_t kMaxKeptTrees = 1 << 16;

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
  if (HasConditions(space.parameters())) {
    for (std::size_t i = 0; i < space.size(); ++i) {
      const ParameterSpec& spec = space.parameters()[i];
      if (!spec.condition) {
        conditions_.emplace_back();
        continue;
      }
      Condition c;
      for (std::size_t j = 0; j < i; ++j) {
        if (space.parameters()[j].name == spec.condition->parent) c.parent = j;
      }
      const ParameterSpec& parent = space.parameters()[c.parent];
      if (parent.type == ParameterType::kCategorical) {
        for (const auto& value : parent.categorical_values)
          c.categories.push_back(ParentValueMatches(parent, value, spec.condition->values));
      }
      conditions_.push_back(std::move(c));
    }
    count = CountTrees(space.parameters(), [&](std::size_t i) { return ValueCount(i); });
    if (finite && count <= kMaxKeptTrees) trees_ = EnumerateTrees();
  }
  if (finite) feasible_points_ = count;
}

std::vector<bool> FeasibleRounding::Active(const Eigen::Ref<const Eigen::VectorXd>& x) const {
  std::vector<bool> active(conditions_.size(), true);
  for (std::size_t i = 0; i < conditions_.size(); ++i) {
    if (!conditions_[i]) continue;
    const Condition& c = *conditions_[i];
    if (!active[c.parent]) {
      active[i] = false;
      continue;
    }
    const SearchSpace::Slice slice = space_->ModelSlice(c.parent);
    if (!c.categories.empty()) {
      Eigen::Index hot = 0;
      if (slice.width > 0) x.segment(slice.offset, slice.width).maxCoeff(&hot);
      active[i] = c.categories[static_cast<std::size_t>(hot)];
    } else {
      // The parent's value as DecodeFromModel reads it, matched by the one rule
      // (ParentValueMatches), so that this and ActiveParameters never disagree (a unit-space
      // tolerance did: DISCRETE values within round-off, INTEGER ranges wider than 1e9).
      const ParameterSpec& parent = space_->parameters()[c.parent];
      const double value =
          NearestFeasible(parent, FromUnit(std::clamp(x[slice.offset], 0.0, 1.0), parent.Lower(),
                                           parent.Upper(), parent.scale));
      const ParameterValue parent_value = parent.type == ParameterType::kInteger
                                              ? ParameterValue(static_cast<std::int64_t>(value))
                                              : ParameterValue(value);
      active[i] =
          ParentValueMatches(parent, parent_value, space_->parameters()[i].condition->values);
    }
  }
  return active;
}

void FeasibleRounding::ClearInactive(Eigen::Ref<Eigen::VectorXd> x) const {
  const std::vector<bool> active = Active(x);
  for (std::size_t i = 0; i < active.size(); ++i) {
    if (active[i]) continue;
    const SearchSpace::Slice slice = space_->ModelSlice(i);
    if (space_->parameters()[i].type == ParameterType::kCategorical) {
      x.segment(slice.offset, slice.width).setZero();
    } else {
      x[slice.offset] = kInactiveCoordinate;
    }
  }
}

void FeasibleRounding::SetValue(std::size_t i, std::size_t k, Eigen::Ref<Eigen::VectorXd> x) const {
  const ParameterSpec& spec = space_->parameters()[i];
  const SearchSpace::Slice slice = space_->ModelSlice(i);
  switch (spec.type) {
    case ParameterType::kCategorical:
      if (slice.width == 0) return;
      x.segment(slice.offset, slice.width).setZero();
      x[slice.offset + static_cast<Eigen::Index>(k)] = 1.0;
      return;
    case ParameterType::kInteger:
      x[slice.offset] =
          ToUnit(spec.min_value + static_cast<double>(k), spec.Lower(), spec.Upper(), spec.scale);
      return;
    case ParameterType::kDiscrete:
      x[slice.offset] = ToUnit(spec.discrete_values[k], spec.Lower(), spec.Upper(), spec.scale);
      return;
    case ParameterType::kDouble:
      return;
  }
}

std::vector<Eigen::VectorXd> FeasibleRounding::EnumerateTrees() const {
  std::vector<Eigen::VectorXd> trees;
  const std::size_t n = space_->size();
  std::vector<std::size_t> position(n, 0);
  for (;;) {
    Eigen::VectorXd x = Eigen::VectorXd::Zero(dimensions_);
    for (std::size_t i = 0; i < n; ++i)
      SetValue(i, position[i], x);
    const std::vector<bool> active = Active(x);
    ClearInactive(x);
    trees.push_back(std::move(x));
    // The next position, the last active parameter fastest; inactive ones stay at 0.
    std::size_t p = n;
    for (;;) {
      if (p == 0) return trees;
      --p;
      if (!active[p]) continue;
      if (++position[p] < ValueCount(p)) break;
      position[p] = 0;
    }
    for (std::size_t i = p + 1; i < n; ++i)
      position[i] = 0;
  }
}

std::size_t IntegerValueCount(double min_value, double max_value) {
  // Counted in integers: in a double, max - min + 1 lost the + 1 past 2^53 (0 .. 2^53 made 2^53
  // values), and every span from 10^18 up was taken as unbounded. The whole numbers of
  // [min, max], exactly, saturated at the largest uint64: the bounds are doubles, whose
  // magnitudes below 2^64 are each a uint64 exactly; the span is the difference or the sum of the
  // two magnitudes.
  constexpr std::uint64_t kMost = std::numeric_limits<std::uint64_t>::max();
  const double low = std::ceil(min_value);
  const double high = std::floor(max_value);
  if (std::isnan(low) || std::isnan(high)) return 0;
  if (high < low) return 0;
  constexpr double kLimit = 18446744073709551616.0;  // 2^64
  if (std::fabs(low) >= kLimit || std::fabs(high) >= kLimit) return SaturatedSize(kMost);
  const auto magnitude = [](double v) { return static_cast<std::uint64_t>(std::fabs(v)); };
  std::uint64_t span = 0;  // high - low
  if (low >= 0) {
    span = magnitude(high) - magnitude(low);
  } else if (high < 0) {
    span = magnitude(low) - magnitude(high);
  } else if (magnitude(high) > kMost - magnitude(low)) {
    return SaturatedSize(kMost);
  } else {
    span = magnitude(high) + magnitude(low);
  }
  return SaturatedSize(span == kMost ? kMost : span + 1);
}

std::size_t FeasibleRounding::ValueCount(std::size_t i) const {
  const ParameterSpec& spec = space_->parameters()[i];
  switch (spec.type) {
    case ParameterType::kDouble:
      return 1;  // not finite; the caller knows
    case ParameterType::kInteger:
      return IntegerValueCount(spec.min_value, spec.max_value);
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
  if (!conditions_.empty()) ClearInactive(x);
}

void FeasibleRounding::RoundUniform(Eigen::Ref<Eigen::VectorXd> x) const {
  for (const Coordinate& c : coordinates_) {
    const double u = std::clamp(x[c.offset], 0.0, 1.0);
    if (c.type == ParameterType::kDiscrete && !c.units.empty()) {
      // Value k owns [k / n, (k + 1) / n) of the coordinate, whatever the values' spacing.
      const auto n = c.units.size();
      x[c.offset] = c.units[std::min(static_cast<std::size_t>(u * static_cast<double>(n)), n - 1)];
    } else if (c.type == ParameterType::kInteger && c.hi > c.lo) {
      // Spread on the range widened by half a value at each end, then rounded: each value owns an
      // interval of width 1 on the parameter's scale, the end values too (a log scale's bound
      // stays where half a value below it would not be positive).
      const bool positive = c.scale == ScaleType::kLog || c.scale == ScaleType::kReverseLog;
      const double lo = positive && c.lo - 0.5 <= 0.0 ? c.lo : c.lo - 0.5;
      const double value = std::round(FromUnit(u, lo, c.hi + 0.5, c.scale));
      x[c.offset] = ToUnit(std::clamp(value, c.lo, c.hi), c.lo, c.hi, c.scale);
    }
  }
  Round(x);
}

Eigen::VectorXd FeasibleRounding::RandomPoint(std::mt19937_64& rng) const {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Eigen::VectorXd x(dimensions_);
  for (Eigen::Index j = 0; j < x.size(); ++j)
    x[j] = uniform(rng);
  RoundUniform(x);
  return x;
}

Eigen::VectorXd FeasibleRounding::FeasiblePoint(std::size_t index) const {
  if (!conditions_.empty()) {
    if (index < trees_.size()) return trees_[index];
    std::vector<Eigen::VectorXd> trees = EnumerateTrees();  // beyond kMaxKeptTrees: slow, rare
    return trees.at(index);
  }
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
