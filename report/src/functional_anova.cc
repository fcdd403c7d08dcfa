#include "functional_anova.h"

#include <algorithm>
#include <cmath>

namespace bayestune {

namespace {

// A leaf of a tree and the box of the domain it covers.
struct Leaf {
  double value = 0;
  std::vector<double> lower;  // numeric features: [lower, upper)
  std::vector<double> upper;
  std::vector<std::vector<bool>> categories;  // categorical features: the categories it holds
  double volume = 1;
};

// How much of feature j's domain the leaf covers (its length, or its share of the categories).
double LeafMeasure(const Leaf& leaf, const ForestFeature& feature, std::size_t j) {
  if (!feature.is_categorical()) return leaf.upper[j] - leaf.lower[j];
  const auto held = std::count(leaf.categories[j].begin(), leaf.categories[j].end(), true);
  return static_cast<double>(held) / static_cast<double>(feature.categories);
}

// The leaves of a tree with their boxes.
class LeafCollector {
 public:
  LeafCollector(const RegressionTree& tree, const std::vector<ForestFeature>& features)
      : tree_(tree), features_(features) {}

  std::vector<Leaf> Collect() {
    Leaf root;
    root.lower.assign(features_.size(), 0.0);
    root.upper.assign(features_.size(), 1.0);
    root.categories.resize(features_.size());
    for (std::size_t j = 0; j < features_.size(); ++j) {
      if (features_[j].is_categorical()) root.categories[j].assign(features_[j].categories, true);
    }
    Visit(0, root);
    return std::move(leaves_);
  }

 private:
  void Visit(int index, const Leaf& box) {
    const RegressionTreeNode& node = tree_.nodes[index];
    if (node.feature < 0) {
      Leaf leaf = box;
      leaf.value = node.value;
      leaf.volume = 1;
      for (std::size_t j = 0; j < features_.size(); ++j)
        leaf.volume *= LeafMeasure(leaf, features_[j], j);
      if (leaf.volume > 0) leaves_.push_back(std::move(leaf));
      return;
    }
    const auto j = static_cast<std::size_t>(node.feature);
    Leaf left = box;
    Leaf right = box;
    if (features_[j].is_categorical()) {
      for (std::size_t c = 0; c < box.categories[j].size(); ++c) {
        const bool goes_left = c < node.left_categories.size() && node.left_categories[c];
        left.categories[j][c] = box.categories[j][c] && goes_left;
        right.categories[j][c] = box.categories[j][c] && !goes_left;
      }
    } else {
      const double t = std::clamp(node.threshold, box.lower[j], box.upper[j]);
      left.upper[j] = t;
      right.lower[j] = t;
    }
    Visit(node.left, left);
    Visit(node.right, right);
  }

  const RegressionTree& tree_;
  const std::vector<ForestFeature>& features_;
  std::vector<Leaf> leaves_;
};

// The variance of E[f | x_j] for one tree, given its leaves and its mean.
double MainEffectVariance(const std::vector<Leaf>& leaves, const ForestFeature& feature,
                          std::size_t j, double mean) {
  if (feature.is_categorical()) {
    std::vector<double> conditional(static_cast<std::size_t>(feature.categories), 0.0);
    for (const Leaf& leaf : leaves) {
      const double weight = leaf.value * leaf.volume / LeafMeasure(leaf, feature, j);
      for (std::size_t c = 0; c < conditional.size(); ++c) {
        if (leaf.categories[j][c]) conditional[c] += weight;
      }
    }
    double variance = 0;
    for (double f : conditional)
      variance += (f - mean) * (f - mean);
    return variance / static_cast<double>(conditional.size());
  }
  // The boundaries of the intervals on which E[f | x_j] is constant: the leaves' bounds.
  std::vector<double> bounds = {0.0, 1.0};
  for (const Leaf& leaf : leaves) {
    bounds.push_back(leaf.lower[j]);
    bounds.push_back(leaf.upper[j]);
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  std::vector<double> difference(bounds.size(), 0.0);
  const auto position = [&](double x) {
    return static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), x) -
                                    bounds.begin());
  };
  for (const Leaf& leaf : leaves) {
    const double weight = leaf.value * leaf.volume / LeafMeasure(leaf, feature, j);
    difference[position(leaf.lower[j])] += weight;
    difference[position(leaf.upper[j])] -= weight;
  }
  double variance = 0;
  double conditional = 0;
  for (std::size_t a = 0; a + 1 < bounds.size(); ++a) {
    conditional += difference[a];
    variance += (bounds[a + 1] - bounds[a]) * (conditional - mean) * (conditional - mean);
  }
  return variance;
}

}  // namespace

std::vector<MainEffect> MainEffectFractions(const RegressionForest& forest) {
  const auto& features = forest.features();
  std::vector<MainEffect> effects(features.size());
  std::vector<std::vector<double>> fractions(features.size());
  for (const RegressionTree& tree : forest.trees()) {
    const std::vector<Leaf> leaves = LeafCollector(tree, features).Collect();
    double mean = 0;
    for (const Leaf& leaf : leaves)
      mean += leaf.value * leaf.volume;
    double total = 0;
    for (const Leaf& leaf : leaves)
      total += leaf.volume * (leaf.value - mean) * (leaf.value - mean);
    if (!(total > 0)) continue;
    for (std::size_t j = 0; j < features.size(); ++j) {
      const double share = MainEffectVariance(leaves, features[j], j, mean) / total;
      fractions[j].push_back(std::clamp(share, 0.0, 1.0));
    }
  }
  for (std::size_t j = 0; j < features.size(); ++j) {
    const auto& f = fractions[j];
    if (f.empty()) continue;
    double sum = 0;
    for (double x : f)
      sum += x;
    const double mean = sum / static_cast<double>(f.size());
    double squares = 0;
    for (double x : f)
      squares += (x - mean) * (x - mean);
    effects[j].fraction = mean;
    effects[j].spread = std::sqrt(squares / static_cast<double>(f.size()));
  }
  return effects;
}

}  // namespace bayestune
