#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/parameter.h"
#include "bayestune/optimizer/parameter_value.h"

namespace bayestune {

// The parameters of a study and the layout of their encoding for the model (the encoding itself
// is internal to the optimizer: src/model_encoding.h).
//
// The model works on a unit cube: DOUBLE, INTEGER and DISCRETE parameters take one coordinate each,
// the value mapped through its scale (scale_transform.h); a CATEGORICAL parameter of k values takes
// k coordinates, one-hot, so that the model never treats categories as ordered (a single-value
// categorical takes none). Decoding rounds to a feasible value: INTEGER to the nearest integer,
// DISCRETE to the value nearest in the scaled space (for a linear scale, the nearest value),
// CATEGORICAL to the largest coordinate.
//
// Conditional parameters (conditional_parameters.h) keep their coordinates; while a parameter is
// inactive they hold a fixed value (model_encoding.h), so that equal trees encode equally.
class SearchSpace {
 public:
  // The model coordinates [offset, offset + width) of one parameter.
  struct Slice {
    int offset = 0;
    int width = 0;
  };

  SearchSpace() = default;
  // Throws InvalidArgument naming the parameter when one is invalid or a name repeats.
  explicit SearchSpace(std::vector<ParameterSpec> parameters);

  const std::vector<ParameterSpec>& parameters() const { return parameters_; }
  std::size_t size() const { return parameters_.size(); }
  // nullptr when there is no parameter of that name.
  const ParameterSpec* Find(std::string_view name) const;

  int ModelDimensions() const { return dimensions_; }
  Slice ModelSlice(std::size_t parameter_index) const { return slices_.at(parameter_index); }

  // Throws InvalidArgument naming the parameter unless `values` holds exactly the space's
  // active parameters (ActiveParameters: all of them when none is conditional), each feasible (in
  // range, an integer for INTEGER, one of the listed values for DISCRETE and CATEGORICAL).
  void Validate(const ParameterValues& values) const;

  // Reads a value given as text (from the command line, a database or an RPC) for `spec`.
  // Throws InvalidArgument naming the parameter when the text is not a feasible value.
  static ParameterValue ParseValue(const ParameterSpec& spec, std::string_view text);

  bool operator==(const SearchSpace& other) const { return parameters_ == other.parameters_; }

 private:
  std::vector<ParameterSpec> parameters_;
  std::vector<Slice> slices_;
  int dimensions_ = 0;
};

// What values `spec` takes, for messages: "a number in [0, 1]", "one of 'sgd', 'adam'".
std::string DescribeFeasibleValues(const ParameterSpec& spec);

// The feasible value nearest to `x` for a numeric parameter: clamped to the range, rounded for
// INTEGER, snapped to a listed value (nearest in the scaled space) for DISCRETE.
double NearestFeasible(const ParameterSpec& spec, double x);

}  // namespace bayestune
