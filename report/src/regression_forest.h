#pragma once

#include <cstdint>
#include <vector>

#include "bayestune/report/importance_options.h"

namespace bayestune {

// One input of a RegressionForest: a number in [0, 1], or a category given as its index.
struct ForestFeature {
  int categories = 0;  // 0: numeric on [0, 1]; k >= 1: a category 0 .. k-1
  bool is_categorical() const { return categories > 0; }
};

// A node of a regression tree. A numeric split sends x < threshold left; a categorical one sends
// the categories marked in `left_categories` left.
struct RegressionTreeNode {
  int feature = -1;  // -1: a leaf
  double threshold = 0;
  std::vector<bool> left_categories;
  int left = -1;
  int right = -1;
  double value = 0;  // the mean of the training values that reached the node

  bool GoesLeft(double x) const {
    if (left_categories.empty()) return x < threshold;
    const auto category = static_cast<std::size_t>(x);
    return category < left_categories.size() && left_categories[category];
  }
};

struct RegressionTree {
  std::vector<RegressionTreeNode> nodes;  // nodes[0] is the root
};

// A random forest of CART regression trees (least squares). Categorical splits put the categories
// in the order of their mean value and split that order (optimal for least squares, Breiman et
// al. 1984); categories that no training point of the node has go to the larger side. Deterministic
// for a given seed.
class RegressionForest {
 public:
  // `points[i]` holds one value per feature; `values[i]` is its target.
  static RegressionForest Fit(std::vector<ForestFeature> features,
                              const std::vector<std::vector<double>>& points,
                              const std::vector<double>& values,
                              const RegressionForestOptions& options = {});

  const std::vector<ForestFeature>& features() const { return features_; }
  const std::vector<RegressionTree>& trees() const { return trees_; }
  // The mean of the trees' predictions.
  double Predict(const std::vector<double>& point) const;

 private:
  std::vector<ForestFeature> features_;
  std::vector<RegressionTree> trees_;
};

}  // namespace bayestune
