#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bayestune {

// Labelled samples for a classifier, features scaled to [0, 1]. Sample i's features are
// features[i * num_features, (i + 1) * num_features): a column-major num_features x size() matrix,
// the layout both backends compute in.
struct Dataset {
  int num_features = 0;
  std::vector<float> features;
  std::vector<std::int32_t> labels;  // 0 .. classes - 1

  std::int64_t size() const { return static_cast<std::int64_t>(labels.size()); }
  const float* sample(std::int64_t i) const { return features.data() + i * num_features; }
};

// What a trainer learns from and is measured on.
struct TrainingData {
  Dataset train;
  Dataset validation;
  int num_classes = 0;
  std::string description;  // for the log: where it came from and how it was split
};

// The samples of `all` at `indices`, in that order.
Dataset SelectSamples(const Dataset& all, const std::vector<std::int64_t>& indices);

// 1 + the largest label of either set.
int CountClasses(const Dataset& train, const Dataset& validation);

}  // namespace bayestune
