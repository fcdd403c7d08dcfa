#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/parameter.h"
#include "bayestune/optimizer/parameter_value.h"

namespace bayestune {

// Conditional parameters (Vertex AI's conditionalParameterSpecs) on a study's flat parameter list:
// a parameter with a `condition` is active only while its parent is active and takes one of the
// condition's values. Parents come before their children (depth-first order), so one pass in list
// order decides every parameter. A trial holds exactly its active parameters.

// Whether any parameter has a condition.
bool HasConditions(const std::vector<ParameterSpec>& parameters);

// tuning.yaml's key for the values of a parent of this type: "parentCategoricalValues",
// "parentIntValues" or "parentDiscreteValues"; "" for DOUBLE, which cannot be a parent.
std::string_view ParentValuesKey(ParameterType parent_type);

// Why `value` cannot be in a condition on `parent`: not of the parent's kind (a string for a
// CATEGORICAL parent, an integer for INTEGER, a number for DISCRETE) or not a value the parent can
// take; empty when it can.
std::string ParentValueProblem(const ParameterSpec& parent, const ParameterValue& value);

// Whether the parent's value `value` is one of `condition_values` (DISCRETE values match within
// round-off).
bool ParentValueMatches(const ParameterSpec& parent, const ParameterValue& value,
                        const std::vector<ParameterValue>& condition_values);

// Why parameters[index]'s condition is unusable: its parent is missing, itself, listed after it
// (parents come first), part of a cycle, DOUBLE, or the values are empty, of the wrong kind or not
// values the parent can take. Empty when it is usable (or there is no condition). Only the
// parameters before `index` need to be valid.
std::string ConditionProblem(const std::vector<ParameterSpec>& parameters, std::size_t index);
// The first ConditionProblem of the list; empty when every condition is usable.
std::string ConditionsProblem(const std::vector<ParameterSpec>& parameters);

// Which parameters are active for `values` (by position in `parameters`): a parameter without a
// condition always is; one with a condition is when its parent is active and `values` gives the
// parent one of the condition's values. Values of inactive or unknown parameters are ignored.
std::vector<bool> ActiveParameters(const std::vector<ParameterSpec>& parameters,
                                   const ParameterValues& values);

// "optimizer is 'sgd'" or "layers is 2 or 3": when `child` is active; "" without a condition.
std::string DescribeCondition(const ParameterSpec& child);

// The number of distinct trees of each parameter's subtree (its value and the parameters its value
// brings, to any depth) when parameter i takes value_count(i) values, saturating at SIZE_MAX:
// the values that bring no child, plus, for each value that brings some, the product of their
// subtrees' counts. Without conditions, value_count(i).
std::vector<std::size_t> CountSubtrees(const std::vector<ParameterSpec>& parameters,
                                       const std::function<std::size_t(std::size_t)>& value_count);

// The number of distinct trees (assignments of the active parameters) when parameter i takes
// value_count(i) values, saturating at SIZE_MAX: the product of the roots' CountSubtrees. Without
// conditions, the product of the counts.
std::size_t CountTrees(const std::vector<ParameterSpec>& parameters,
                       const std::function<std::size_t(std::size_t)>& value_count);

}  // namespace bayestune
