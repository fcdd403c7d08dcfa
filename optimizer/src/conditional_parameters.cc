#include "bayestune/optimizer/conditional_parameters.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "bayestune/optimizer/search_space.h"
#include "closest_match.h"

namespace bayestune {
namespace {

constexpr std::size_t kMaxCount = std::numeric_limits<std::size_t>::max();

std::size_t SaturatingAdd(std::size_t a, std::size_t b) {
  return a > kMaxCount - b ? kMaxCount : a + b;
}

std::size_t SaturatingMultiply(std::size_t a, std::size_t b) {
  if (a != 0 && b > kMaxCount / a) return kMaxCount;
  return a * b;
}

bool SameDiscrete(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a));
}

std::string ValueText(const ParameterValue& value) {
  return value.IsString() ? "'" + value.AsString() + "'" : value.ToString();
}

std::optional<std::size_t> IndexOf(const std::vector<ParameterSpec>& parameters,
                                   std::string_view name) {
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (parameters[i].name == name) return i;
  }
  return std::nullopt;
}

}  // namespace

bool HasConditions(const std::vector<ParameterSpec>& parameters) {
  return std::any_of(parameters.begin(), parameters.end(),
                     [](const ParameterSpec& p) { return p.condition.has_value(); });
}

std::string_view ParentValuesKey(ParameterType parent_type) {
  switch (parent_type) {
    case ParameterType::kCategorical:
      return "parentCategoricalValues";
    case ParameterType::kInteger:
      return "parentIntValues";
    case ParameterType::kDiscrete:
      return "parentDiscreteValues";
    case ParameterType::kDouble:
      break;
  }
  return "";
}

std::string ParentValueProblem(const ParameterSpec& parent, const ParameterValue& value) {
  bool feasible = false;
  switch (parent.type) {
    case ParameterType::kDouble:
      return "parent '" + parent.name +
             "' is DOUBLE, which cannot have conditional parameters (only CATEGORICAL, INTEGER "
             "and DISCRETE parents can)";
    case ParameterType::kCategorical:
      if (!value.IsString()) {
        return ValueText(value) + " is not a value of CATEGORICAL parent '" + parent.name +
               "': expected " + DescribeFeasibleValues(parent);
      }
      feasible = std::find(parent.categorical_values.begin(), parent.categorical_values.end(),
                           value.AsString()) != parent.categorical_values.end();
      break;
    case ParameterType::kInteger:
      if (!value.IsInteger()) {
        return ValueText(value) + " is not a value of INTEGER parent '" + parent.name +
               "': expected " + DescribeFeasibleValues(parent);
      }
      feasible = value.AsDouble() >= parent.min_value && value.AsDouble() <= parent.max_value;
      break;
    case ParameterType::kDiscrete:
      if (!value.IsNumeric()) {
        return ValueText(value) + " is not a value of DISCRETE parent '" + parent.name +
               "': expected " + DescribeFeasibleValues(parent);
      }
      feasible = std::any_of(parent.discrete_values.begin(), parent.discrete_values.end(),
                             [&](double v) { return SameDiscrete(v, value.AsDouble()); });
      break;
  }
  if (feasible) return "";
  // A misspelt categorical value ('sdg' for 'sgd'): the one meant, as for a misspelt key.
  std::string guess;
  if (parent.type == ParameterType::kCategorical) {
    if (auto closest = ClosestMatch(value.AsString(), parent.categorical_values)) {
      guess = "did you mean '" + *closest + "'? ";
    }
  }
  return ValueText(value) + " is not a value parent '" + parent.name + "' can take: " + guess +
         "expected " + DescribeFeasibleValues(parent);
}

bool ParentValueMatches(const ParameterSpec& parent, const ParameterValue& value,
                        const std::vector<ParameterValue>& condition_values) {
  for (const ParameterValue& wanted : condition_values) {
    if (parent.type == ParameterType::kCategorical) {
      if (value.IsString() && wanted.IsString() && value.AsString() == wanted.AsString())
        return true;
    } else if (value.IsNumeric() && wanted.IsNumeric()) {
      if (parent.type == ParameterType::kDiscrete
              ? SameDiscrete(wanted.AsDouble(), value.AsDouble())
              : wanted.AsDouble() == value.AsDouble()) {
        return true;
      }
    }
  }
  return false;
}

std::string ConditionProblem(const std::vector<ParameterSpec>& parameters, std::size_t index) {
  const ParameterSpec& child = parameters.at(index);
  if (!child.condition) return "";
  const ParentCondition& condition = *child.condition;
  const std::string quoted = "parameter '" + child.name + "'";
  if (condition.parent == child.name) {
    return quoted + " names itself as its parent: a cycle; its parent must be another parameter";
  }
  const std::optional<std::size_t> parent_index = IndexOf(parameters, condition.parent);
  if (!parent_index) {
    std::string names;
    for (std::size_t i = 0; i < index; ++i) {
      if (parameters[i].type != ParameterType::kDouble)
        names += (names.empty() ? "" : ", ") + parameters[i].name;
    }
    return quoted + " names parent '" + condition.parent +
           "', which is no parameter of the study; a parent is one of the parameters before it" +
           (names.empty() ? std::string(" (there is none that can be a parent)")
                          : " that is not DOUBLE: " + names);
  }
  if (*parent_index > index) {
    // Follow the parents from the parent: coming back to this parameter is a cycle.
    std::string chain = child.name + " -> " + condition.parent;
    std::size_t at = *parent_index;
    for (std::size_t steps = 0; steps <= parameters.size(); ++steps) {
      const auto& next = parameters[at].condition;
      if (!next) break;
      chain += " -> " + next->parent;
      if (next->parent == child.name) {
        return "the parents of " + quoted + " form a cycle: " + chain +
               "; a parameter cannot depend on itself";
      }
      const auto next_index = IndexOf(parameters, next->parent);
      if (!next_index) break;
      at = *next_index;
    }
    return quoted + " comes before its parent '" + condition.parent + "' (params[" +
           std::to_string(*parent_index) + "]); list every parent before its children";
  }
  const ParameterSpec& parent = parameters[*parent_index];
  if (parent.type == ParameterType::kDouble) {
    return quoted + ": " + ParentValueProblem(parent, ParameterValue(0.0));  // the DOUBLE message
  }
  if (condition.values.empty()) {
    return quoted + ": " + std::string(ParentValuesKey(parent.type)) + " of parent '" +
           parent.name + "' is empty; give at least one value: " + DescribeFeasibleValues(parent);
  }
  // Each suggestion matches parent values against the list: a spec (from gRPC, say) must not make
  // that arbitrarily slow. Far more than any real branch needs.
  constexpr std::size_t kMaxConditionValues = 4096;
  if (condition.values.size() > kMaxConditionValues) {
    return quoted + ": " + std::string(ParentValuesKey(parent.type)) + " of parent '" +
           parent.name + "' lists " + std::to_string(condition.values.size()) +
           " values; at most " + std::to_string(kMaxConditionValues) +
           " (split the range with another parameter)";
  }
  for (const ParameterValue& value : condition.values) {
    if (std::string problem = ParentValueProblem(parent, value); !problem.empty()) {
      return quoted + ": " + problem;
    }
  }
  return "";
}

std::string ConditionsProblem(const std::vector<ParameterSpec>& parameters) {
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (std::string problem = ConditionProblem(parameters, i); !problem.empty()) return problem;
  }
  return "";
}

std::vector<bool> ActiveParameters(const std::vector<ParameterSpec>& parameters,
                                   const ParameterValues& values) {
  std::vector<bool> active(parameters.size(), true);
  std::map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const ParameterSpec& spec = parameters[i];
    index.emplace(spec.name, i);
    if (!spec.condition) continue;
    const auto parent = index.find(spec.condition->parent);
    const auto value = values.find(spec.condition->parent);
    active[i] =
        parent != index.end() && active[parent->second] && value != values.end() &&
        ParentValueMatches(parameters[parent->second], value->second, spec.condition->values);
  }
  return active;
}

std::string DescribeCondition(const ParameterSpec& child) {
  if (!child.condition) return "";
  std::string text = child.condition->parent + " is ";
  for (std::size_t i = 0; i < child.condition->values.size(); ++i) {
    if (i > 0) text += i + 1 == child.condition->values.size() ? " or " : ", ";
    text += ValueText(child.condition->values[i]);
  }
  return text;
}

std::vector<std::size_t> CountSubtrees(const std::vector<ParameterSpec>& parameters,
                                       const std::function<std::size_t(std::size_t)>& value_count) {
  // trees(p) = the values of p that bring no child, plus, for each distinct value that brings
  // some, the product of trees(c) over the children it brings. Children follow their parents, so
  // computing from the last parameter back finds every child's count ready.
  std::vector<std::size_t> trees(parameters.size(), 1);
  for (std::size_t p = parameters.size(); p-- > 0;) {
    std::vector<ParameterValue> distinct;
    std::vector<std::size_t> products;
    for (std::size_t c = p + 1; c < parameters.size(); ++c) {
      const auto& condition = parameters[c].condition;
      if (!condition || condition->parent != parameters[p].name) continue;
      std::vector<std::size_t> brought;  // the distinct values that bring c, each once
      for (const ParameterValue& value : condition->values) {
        std::size_t k = 0;
        while (k < distinct.size() && !ParentValueMatches(parameters[p], value, {distinct[k]}))
          ++k;
        if (k == distinct.size()) {
          distinct.push_back(value);
          products.push_back(1);
        }
        if (std::find(brought.begin(), brought.end(), k) == brought.end()) brought.push_back(k);
      }
      for (std::size_t k : brought)
        products[k] = SaturatingMultiply(products[k], trees[c]);
    }
    const std::size_t count = value_count(p);
    std::size_t total = count >= distinct.size() ? count - distinct.size() : 0;
    for (std::size_t product : products)
      total = SaturatingAdd(total, product);
    trees[p] = total;
  }
  return trees;
}

std::size_t CountTrees(const std::vector<ParameterSpec>& parameters,
                       const std::function<std::size_t(std::size_t)>& value_count) {
  const std::vector<std::size_t> trees = CountSubtrees(parameters, value_count);
  std::size_t total = 1;
  for (std::size_t p = 0; p < parameters.size(); ++p) {
    if (!parameters[p].condition) total = SaturatingMultiply(total, trees[p]);
  }
  return total;
}

}  // namespace bayestune
