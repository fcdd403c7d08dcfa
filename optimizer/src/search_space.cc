#include "bayestune/optimizer/search_space.h"

#include <Eigen/Core>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "bayestune/optimizer/conditional_parameters.h"
#include "bayestune/optimizer/errors.h"
#include "model_encoding.h"
#include "scale_transform.h"

namespace bayestune {
namespace {

// Discrete values given as text or computed in floating point match a listed value within this
// relative distance.
constexpr double kDiscreteMatchTolerance = 1e-9;

std::string Quote(const std::string& name) {
  return "parameter '" + name + "'";
}

double UnitOf(const ParameterSpec& spec, double x) {
  return ToUnit(x, spec.Lower(), spec.Upper(), spec.scale);
}

// The index of the listed discrete value nearest to unit coordinate `u`.
std::size_t NearestDiscreteIndex(const ParameterSpec& spec, double u) {
  const auto& values = spec.discrete_values;
  const double x = FromUnit(u, spec.Lower(), spec.Upper(), spec.scale);
  auto upper = std::lower_bound(values.begin(), values.end(), x);
  if (upper == values.begin()) return 0;
  if (upper == values.end()) return values.size() - 1;
  const std::size_t hi = static_cast<std::size_t>(upper - values.begin());
  const std::size_t lo = hi - 1;
  return std::abs(UnitOf(spec, values[lo]) - u) <= std::abs(UnitOf(spec, values[hi]) - u) ? lo : hi;
}

std::optional<std::size_t> MatchDiscrete(const ParameterSpec& spec, double x) {
  const auto& values = spec.discrete_values;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::abs(values[i] - x) <= kDiscreteMatchTolerance * std::max(1.0, std::abs(values[i]))) {
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string DescribeFeasibleValues(const ParameterSpec& spec) {
  switch (spec.type) {
    case ParameterType::kDouble:
      return "a number in [" + FormatDouble(spec.min_value) + ", " + FormatDouble(spec.max_value) +
             "]";
    case ParameterType::kInteger:
      return "an integer in [" + FormatDouble(spec.min_value) + ", " +
             FormatDouble(spec.max_value) + "]";
    case ParameterType::kDiscrete: {
      std::string text = "one of";
      for (std::size_t i = 0; i < spec.discrete_values.size() && i < 10; ++i) {
        text += (i ? ", " : " ") + FormatDouble(spec.discrete_values[i]);
      }
      if (spec.discrete_values.size() > 10) text += ", ...";
      return text;
    }
    case ParameterType::kCategorical: {
      std::string text = "one of";
      for (std::size_t i = 0; i < spec.categorical_values.size() && i < 10; ++i) {
        text += (i ? ", '" : " '") + spec.categorical_values[i] + "'";
      }
      if (spec.categorical_values.size() > 10) text += ", ...";
      return text;
    }
  }
  return "?";
}

SearchSpace::SearchSpace(std::vector<ParameterSpec> parameters)
    : parameters_(std::move(parameters)) {
  std::set<std::string> names;
  for (const auto& spec : parameters_) {
    if (std::string problem = ValidateParameterSpec(spec); !problem.empty()) {
      throw InvalidArgument(problem);
    }
    if (!names.insert(spec.name).second) {
      throw InvalidArgument(Quote(spec.name) + " is defined twice; parameter names must be unique");
    }
    Slice slice{dimensions_, 1};
    if (spec.type == ParameterType::kCategorical) {
      slice.width =
          spec.categorical_values.size() > 1 ? static_cast<int>(spec.categorical_values.size()) : 0;
    }
    slices_.push_back(slice);
    dimensions_ += slice.width;
  }
  if (std::string problem = ConditionsProblem(parameters_); !problem.empty()) {
    throw InvalidArgument(problem);
  }
}

const ParameterSpec* SearchSpace::Find(std::string_view name) const {
  for (const auto& spec : parameters_) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

double NearestFeasible(const ParameterSpec& spec, double x) {
  switch (spec.type) {
    case ParameterType::kDouble:
      return std::clamp(x, spec.min_value, spec.max_value);
    case ParameterType::kInteger:
      return std::clamp(std::round(x), spec.min_value, spec.max_value);
    case ParameterType::kDiscrete:
      return spec.discrete_values[NearestDiscreteIndex(spec, UnitOf(spec, x))];
    case ParameterType::kCategorical:
      break;
  }
  throw InvalidArgument(Quote(spec.name) + " is CATEGORICAL, not numeric");
}

void SearchSpace::Validate(const ParameterValues& values) const {
  for (const auto& [name, value] : values) {
    if (!Find(name)) {
      throw InvalidArgument("unknown parameter '" + name + "'; the study's parameters are " + [&] {
        std::string list;
        for (const auto& spec : parameters_) {
          list += (list.empty() ? "" : ", ") + spec.name;
        }
        return list;
      }());
    }
  }
  const std::vector<bool> active = ActiveParameters(parameters_, values);
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const ParameterSpec& spec = parameters_[i];
    auto it = values.find(spec.name);
    if (!active[i]) {
      if (it == values.end()) continue;
      const auto parent = values.find(spec.condition->parent);
      throw InvalidArgument(Quote(spec.name) + " is not active: it applies only when " +
                            DescribeCondition(spec) + ", and " + spec.condition->parent +
                            (parent == values.end()
                                 ? std::string(" has no value (it is not active)")
                                 : " is " + parent->second.ToString()) +
                            "; leave it out");
    }
    if (it == values.end()) {
      throw InvalidArgument(
          Quote(spec.name) + " has no value" +
          (spec.condition ? " (it is active: " + DescribeCondition(spec) + ")" : std::string()));
    }
    const ParameterValue& value = it->second;
    bool feasible = false;
    switch (spec.type) {
      case ParameterType::kDouble:
        feasible = value.IsNumeric() && value.AsDouble() >= spec.min_value &&
                   value.AsDouble() <= spec.max_value;
        break;
      case ParameterType::kInteger:
        feasible = value.IsInteger() && value.AsDouble() >= spec.min_value &&
                   value.AsDouble() <= spec.max_value;
        break;
      case ParameterType::kDiscrete:
        feasible = value.IsNumeric() && MatchDiscrete(spec, value.AsDouble()).has_value();
        break;
      case ParameterType::kCategorical:
        feasible = value.IsString() &&
                   std::find(spec.categorical_values.begin(), spec.categorical_values.end(),
                             value.AsString()) != spec.categorical_values.end();
        break;
    }
    if (!feasible) {
      // The kind is said where it is what is wrong: the double 2.0 for an INTEGER was "= 2 is not
      // feasible: expected an integer in [1, 8]", and the string "0.01" for a DOUBLE "= 0.01 is
      // not feasible: expected a number in [1e-05, 0.1]".
      const bool kind_fits = spec.type == ParameterType::kCategorical ? value.IsString()
                             : spec.type == ParameterType::kInteger   ? value.IsInteger()
                                                                      : value.IsNumeric();
      std::string shown = value.IsString() ? "'" + value.ToString() + "'" : value.ToString();
      if (!kind_fits) {
        shown += value.IsString()    ? " (a string)"
                 : value.IsInteger() ? " (an integer)"
                                     : " (a double)";
      }
      throw InvalidArgument(Quote(spec.name) + " = " + shown + " is not feasible: expected " +
                            DescribeFeasibleValues(spec));
    }
  }
}

Eigen::VectorXd EncodeForModel(const SearchSpace& space, const ParameterValues& values) {
  space.Validate(values);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(space.ModelDimensions());
  const std::vector<bool> active = ActiveParameters(space.parameters(), values);
  for (std::size_t i = 0; i < space.size(); ++i) {
    const ParameterSpec& spec = space.parameters()[i];
    const SearchSpace::Slice slice = space.ModelSlice(i);
    if (!active[i]) {
      // Categorical: no category hot; numeric: the fixed inactive value.
      if (spec.type != ParameterType::kCategorical) x[slice.offset] = kInactiveCoordinate;
      continue;
    }
    const ParameterValue& value = values.at(spec.name);
    if (spec.type == ParameterType::kCategorical) {
      if (slice.width == 0) continue;
      auto pos = std::find(spec.categorical_values.begin(), spec.categorical_values.end(),
                           value.AsString());
      x[slice.offset + (pos - spec.categorical_values.begin())] = 1.0;
    } else {
      x[slice.offset] = UnitOf(spec, value.AsDouble());
    }
  }
  return x;
}

ParameterValues DecodeFromModel(const SearchSpace& space,
                                const Eigen::Ref<const Eigen::VectorXd>& x) {
  if (x.size() != space.ModelDimensions()) {
    throw InvalidArgument("a point of " + std::to_string(x.size()) + " coordinates, expected " +
                          std::to_string(space.ModelDimensions()));
  }
  ParameterValues values;
  const bool conditional = HasConditions(space.parameters());
  for (std::size_t i = 0; i < space.size(); ++i) {
    const ParameterSpec& spec = space.parameters()[i];
    const SearchSpace::Slice slice = space.ModelSlice(i);
    // Parents come first: their values are decoded already.
    if (conditional && spec.condition && !ActiveParameters(space.parameters(), values)[i]) continue;
    switch (spec.type) {
      case ParameterType::kDouble:
        values[spec.name] = FromUnit(x[slice.offset], spec.min_value, spec.max_value, spec.scale);
        break;
      case ParameterType::kInteger: {
        const double relaxed =
            FromUnit(x[slice.offset], spec.min_value, spec.max_value, spec.scale);
        values[spec.name] = static_cast<std::int64_t>(NearestFeasible(spec, relaxed));
        break;
      }
      case ParameterType::kDiscrete:
        values[spec.name] =
            spec.discrete_values[NearestDiscreteIndex(spec, std::clamp(x[slice.offset], 0.0, 1.0))];
        break;
      case ParameterType::kCategorical: {
        std::size_t best = 0;
        if (slice.width > 0) x.segment(slice.offset, slice.width).maxCoeff(&best);
        values[spec.name] = spec.categorical_values[best];
        break;
      }
    }
  }
  return values;
}

ParameterValue SearchSpace::ParseValue(const ParameterSpec& spec, std::string_view text) {
  auto fail = [&]() -> ParameterValue {
    throw InvalidArgument(Quote(spec.name) + ": '" + std::string(text) +
                          "' is not valid: expected " + DescribeFeasibleValues(spec));
  };
  if (spec.type == ParameterType::kCategorical) {
    for (const auto& value : spec.categorical_values) {
      if (value == text) return value;
    }
    return fail();
  }
  double number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(number)) {
    return fail();
  }
  switch (spec.type) {
    case ParameterType::kDouble:
      if (number < spec.min_value || number > spec.max_value) return fail();
      return number;
    case ParameterType::kInteger:
      if (number != std::floor(number) || number < spec.min_value || number > spec.max_value) {
        return fail();
      }
      return static_cast<std::int64_t>(number);
    case ParameterType::kDiscrete:
      if (auto index = MatchDiscrete(spec, number)) return spec.discrete_values[*index];
      return fail();
    case ParameterType::kCategorical:
      break;
  }
  return fail();
}

}  // namespace bayestune
