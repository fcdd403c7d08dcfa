#include "bayestune/optimizer/random_designer.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <unordered_set>
#include <vector>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/grid_designer.h"
#include "feasible_rounding.h"
#include "model_encoding.h"

namespace bayestune {
namespace {

// Draws per point while at least half the space is left (each draw then finds a free point with
// probability 1/2 or more: 64 misses in a row happen once in 2^64).
constexpr int kMaxDraws = 64;

// A point of a finite space as a hash key: its coordinates on the model's unit cube, each rounded
// to a multiple of 1e-9 (IsNearAnyColumn's tolerance). Rounded points of a finite space are the
// same doubles, or far apart: 1e-9 is far below any grid's spacing.
std::vector<std::int64_t> PointKey(const Eigen::VectorXd& x) {
  std::vector<std::int64_t> key(static_cast<std::size_t>(x.size()));
  for (Eigen::Index j = 0; j < x.size(); ++j)
    key[static_cast<std::size_t>(j)] = std::llround(x[j] * 1e9);
  return key;
}

struct PointKeyHash {
  std::size_t operator()(const std::vector<std::int64_t>& key) const {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (std::int64_t v : key)
      h = (h ^ static_cast<std::uint64_t>(v)) * 0x100000001b3ULL;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

// Whether every point of the space has a DOUBLE coordinate (a DOUBLE without a condition), so that
// two draws never give the same point. A DOUBLE under a condition leaves the other branches finite:
// a conditional space with a DOUBLE can repeat points there.
bool NeverRepeats(const SearchSpace& space) {
  for (const ParameterSpec& parameter : space.parameters()) {
    if (parameter.type == ParameterType::kDouble && !parameter.condition) return true;
  }
  return false;
}

}  // namespace

bool RandomDesigner::UsesTrials(const SearchSpace& space) const {
  return !NeverRepeats(space);
}

std::optional<std::size_t> RandomDesigner::Capacity(const SearchSpace& space) const {
  // A DOUBLE anywhere (under a condition too) makes the space infinite. Counted as a grid counts
  // its combinations (the same values, and trees of a conditional space): asked on every Suggest
  // and Progress, where FeasibleRounding would list a conditional space's trees each time.
  for (const ParameterSpec& parameter : space.parameters()) {
    if (parameter.type == ParameterType::kDouble) return std::nullopt;
  }
  return GridDesigner().Capacity(space);
}

std::vector<ParameterValues> RandomDesigner::Suggest(const DesignerInput& input) {
  const int d = input.space.ModelDimensions();
  const FeasibleRounding rounding(input.space);
  // Only a space that is finite, or finite in a branch of its conditions, can repeat a point:
  // there the trials' points are kept in a hash set, so that a draw is checked in O(d), whatever
  // the number of trials (it was compared with every trial, and the trials' matrix grown one column
  // at a time, on every call).
  const auto feasible = rounding.FeasiblePointCount();
  const bool check = !NeverRepeats(input.space);
  std::unordered_set<std::vector<std::int64_t>, PointKeyHash> taken;
  if (check) {
    taken.reserve(input.trials.size() + static_cast<std::size_t>(input.count));
    for (const Trial& t : input.trials) {
      try {
        taken.insert(PointKey(EncodeForModel(input.space, t.parameters)));
      } catch (const InvalidArgument&) {
        // a trial of another space
      }
    }
  }
  std::mt19937_64 rng(input.seed);
  std::vector<ParameterValues> points;
  // The points left of a space more than half used up, drawn from without a miss: drawing
  // until a free point came up took ever more draws as the space ran out, and after 1,000 took a
  // repeat (a space of 10^6 points with 10 left repeated a trial 99 times in 100).
  std::optional<std::vector<std::size_t>> left;
  for (int i = 0; i < input.count; ++i) {
    Eigen::VectorXd x(d);
    if (check && feasible && taken.size() * 2 >= *feasible) {
      if (!left) {
        // At most twice the points taken (the trials and this call's): enumerated once.
        left.emplace();
        for (std::size_t index = 0; index < *feasible; ++index) {
          if (taken.count(PointKey(rounding.FeasiblePoint(index))) == 0) left->push_back(index);
        }
      }
      if (left->empty()) break;  // the space is used up: fewer points than asked
      const std::size_t pick = std::uniform_int_distribution<std::size_t>(0, left->size() - 1)(rng);
      x = rounding.FeasiblePoint((*left)[pick]);
      (*left)[pick] = left->back();
      left->pop_back();
    } else {
      for (int draw = 0; draw < kMaxDraws; ++draw) {
        x = rounding.RandomPoint(rng);
        if (!check || taken.count(PointKey(x)) == 0) break;
      }
    }
    if (check) taken.insert(PointKey(x));
    points.push_back(DecodeFromModel(input.space, x));
  }
  return points;
}

}  // namespace bayestune
