#pragma once

#include <cstddef>
#include <cstdint>

namespace bayestune {

struct RegressionForestOptions {
  int trees = 32;
  // Each tree learns from a bootstrap sample of the data, or, with more points than this, from
  // this many drawn without replacement (so that a tree costs the same whatever the study's size).
  int max_samples_per_tree = 1000;
  int min_samples_leaf = 2;
  int max_depth = 14;
  double feature_fraction = 0.7;  // the share of features each split may choose from (at least 1)
  std::uint64_t seed = 1;
};

struct ImportanceOptions {
  std::size_t min_trials = 5;
  RegressionForestOptions forest;
};

}  // namespace bayestune
