#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "bayestune/optimizer/designer.h"

namespace bayestune {

// GRID_SEARCH: every combination of the parameters' grid values, in order (the first parameter
// slowest, the last fastest, like nested loops), skipping combinations that a trial of the study
// already has. Grid values: every value of a CATEGORICAL, DISCRETE or INTEGER parameter, and
// kDoubleGridPoints values of a DOUBLE evenly spaced on its scale, minValue and maxValue included
// (on UNIT_LOG_SCALE evenly spaced in log). When every combination has been given the grid is
// exhausted: Suggest returns what is left (maybe nothing), and Capacity() ends the study.
// Deterministic: the seed plays no part. With conditional parameters it walks the tree: each
// combination of a branch's active parameters once, never two points that differ only in
// inactive ones.
class GridDesigner : public Designer {
 public:
  bool SuggestsQuickly() const override { return true; }
  static constexpr int kDoubleGridPoints = 10;

  std::vector<ParameterValues> Suggest(const DesignerInput& input) override;
  std::optional<std::size_t> Capacity(const SearchSpace& space) const override;

  // How many grid values a parameter has, and value `k` of them (0 <= k < count).
  static std::size_t GridValueCount(const ParameterSpec& spec);
  static ParameterValue GridValue(const ParameterSpec& spec, std::size_t k);
  // The index of `value` among the parameter's grid values, nullopt when it is not one of them.
  static std::optional<std::size_t> GridIndex(const ParameterSpec& spec,
                                              const ParameterValue& value);
};

}  // namespace bayestune
