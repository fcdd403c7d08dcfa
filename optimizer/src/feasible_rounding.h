#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "bayestune/optimizer/search_space.h"

namespace bayestune {

// How many whole numbers [min_value, max_value] holds (an INTEGER parameter's values), exactly up
// to INT64's extremes and beyond, saturated at the largest size_t (also for an infinite bound); 0
// for an empty range or a NaN bound.
std::size_t IntegerValueCount(double min_value, double max_value);

// Rounds a point of the model's unit cube (SearchSpace's encoding) to the encoding of the feasible
// point that it decodes to: DOUBLE coordinates are clamped to [0, 1], INTEGER and DISCRETE ones
// snap to the unit coordinate of their nearest feasible value (as SearchSpace::Decode rounds), and
// each CATEGORICAL block becomes one-hot at its largest coordinate. Rounding twice changes nothing,
// and space.Encode(space.Decode(x)) equals Round(x) up to the last bits of DOUBLE coordinates.
// Works on plain vectors, without the maps of ParameterValues: it runs on thousands of candidates.
// In a space with conditional parameters, rounding also sets the coordinates of the parameters
// that the rounded parents leave inactive to their fixed value (model_encoding.h), so that every
// rounded point is the encoding of one valid tree, and points of equal trees are equal.
class FeasibleRounding {
 public:
  // A categorical parameter's one-hot block of coordinates.
  struct Block {
    int offset = 0;
    int width = 0;
  };

  explicit FeasibleRounding(const SearchSpace& space);

  int dimensions() const { return dimensions_; }
  // The coordinates of DOUBLE, INTEGER and DISCRETE parameters: those a gradient method may move.
  const std::vector<int>& ordered_coordinates() const { return ordered_; }
  const std::vector<Block>& categorical_blocks() const { return blocks_; }
  // The number of feasible points when finite (no DOUBLE), saturating at SIZE_MAX; nullopt for a
  // space with a DOUBLE.
  std::optional<std::size_t> FeasiblePointCount() const { return feasible_points_; }

  void Round(Eigen::Ref<Eigen::VectorXd> x) const;
  // Rounds a point spread evenly over the unit cube (random draws, or a Sobol sequence) so that
  // each DISCRETE value owns an equal share of its coordinate (value k of n: [k / n, (k + 1) / n))
  // and each INTEGER value an interval of its width on the parameter's scale (a linear INTEGER's
  // values equal shares); DOUBLE and CATEGORICAL coordinates round as Round does. Rounding such a
  // point to the nearest value (Round) gives the two end values half the share of the others.
  void RoundUniform(Eigen::Ref<Eigen::VectorXd> x) const;
  // A random feasible point (rounded): each DOUBLE coordinate uniform on [0, 1] (so log-uniform on
  // a log scale), each DISCRETE value and each CATEGORICAL value equally likely, and each INTEGER
  // value as likely as an interval of its width on the parameter's scale (a linear INTEGER's values
  // equally likely; Optuna's rule). A uniform coordinate rounded to the nearest value gave the two
  // end values half the share of the others (INTEGER 1..4 drawn 50 / 109 / 92 / 49 times in 300).
  Eigen::VectorXd RandomPoint(std::mt19937_64& rng) const;
  // Feasible point number `index` (0 <= index < FeasiblePointCount()) in mixed-radix order, the
  // last parameter fastest (an inactive parameter takes one value: it is left out).
  Eigen::VectorXd FeasiblePoint(std::size_t index) const;

 private:
  // A conditional parameter's parent, and for a CATEGORICAL parent which categories (by position)
  // make it active; an INTEGER or DISCRETE parent's value is matched against the condition itself.
  struct Condition {
    std::size_t parent = 0;
    std::vector<bool> categories;
  };
  // Whether each parameter is active at rounded point `x`.
  std::vector<bool> Active(const Eigen::Ref<const Eigen::VectorXd>& x) const;
  // Sets the coordinates of the parameters inactive at rounded point `x` to their fixed value.
  void ClearInactive(Eigen::Ref<Eigen::VectorXd> x) const;
  // The encoding of value `k` of parameter `i` written into `x`.
  void SetValue(std::size_t i, std::size_t k, Eigen::Ref<Eigen::VectorXd> x) const;
  // Every tree of a finite conditional space, in mixed-radix order.
  std::vector<Eigen::VectorXd> EnumerateTrees() const;

  struct Coordinate {
    int offset = 0;
    ParameterType type = ParameterType::kDouble;
    // INTEGER: the range and scale; DISCRETE: the unit coordinates of the listed values.
    double lo = 0.0;
    double hi = 0.0;
    ScaleType scale = ScaleType::kLinear;
    std::vector<double> units;
  };
  double RoundOrdered(const Coordinate& c, double u) const;
  // How many values parameter `i` takes, and the unit coordinate of value `k` of it.
  std::size_t ValueCount(std::size_t i) const;

  const SearchSpace* space_;
  int dimensions_ = 0;
  std::vector<Coordinate> coordinates_;  // DOUBLE, INTEGER and DISCRETE, in parameter order
  std::vector<int> ordered_;
  std::vector<Block> blocks_;
  std::optional<std::size_t> feasible_points_;
  // Per parameter: its condition (nullopt: always active). Empty without conditional parameters.
  std::vector<std::optional<Condition>> conditions_;
  std::vector<Eigen::VectorXd> trees_;  // a finite conditional space's points, when not too many
};

}  // namespace bayestune
