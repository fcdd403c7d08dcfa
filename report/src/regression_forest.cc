#include "regression_forest.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "bayestune/optimizer/errors.h"

namespace bayestune {

namespace {

struct Split {
  double gain = 0;
  int feature = -1;
  double threshold = 0;
  std::vector<bool> left_categories;
};

class TreeBuilder {
 public:
  TreeBuilder(const std::vector<ForestFeature>& features,
              const std::vector<std::vector<double>>& points, const std::vector<double>& values,
              const RegressionForestOptions& options, std::mt19937_64& rng)
      : features_(features), points_(points), values_(values), options_(options), rng_(rng) {}

  RegressionTree Build(std::vector<std::size_t> samples) {
    RegressionTree tree;
    Grow(tree, samples, 0);
    return tree;
  }

 private:
  int Grow(RegressionTree& tree, std::vector<std::size_t>& samples, int depth) {
    const int index = static_cast<int>(tree.nodes.size());
    tree.nodes.emplace_back();
    double sum = 0;
    for (std::size_t s : samples)
      sum += values_[s];
    tree.nodes[index].value = sum / static_cast<double>(samples.size());
    if (depth >= options_.max_depth ||
        samples.size() < 2 * static_cast<std::size_t>(options_.min_samples_leaf)) {
      return index;
    }
    Split best;
    for (int feature : CandidateFeatures()) {
      Split split = features_[feature].is_categorical() ? BestCategoricalSplit(samples, feature)
                                                        : BestNumericSplit(samples, feature);
      if (split.gain > best.gain) best = std::move(split);
    }
    // A gain that rounding could make is no split.
    double sum_squares = 0;
    for (std::size_t s : samples)
      sum_squares +=
          (values_[s] - tree.nodes[index].value) * (values_[s] - tree.nodes[index].value);
    if (best.feature < 0 || best.gain <= 1e-12 * std::max(sum_squares, 1e-300)) return index;

    {
      RegressionTreeNode& node = tree.nodes[index];
      node.feature = best.feature;
      node.threshold = best.threshold;
      node.left_categories = std::move(best.left_categories);
    }
    std::vector<std::size_t> left;
    std::vector<std::size_t> right;
    for (std::size_t s : samples) {
      (tree.nodes[index].GoesLeft(points_[s][best.feature]) ? left : right).push_back(s);
    }
    samples.clear();
    samples.shrink_to_fit();
    const int left_index = Grow(tree, left, depth + 1);
    const int right_index = Grow(tree, right, depth + 1);
    tree.nodes[index].left = left_index;
    tree.nodes[index].right = right_index;
    return index;
  }

  std::vector<int> CandidateFeatures() {
    std::vector<int> all(features_.size());
    std::iota(all.begin(), all.end(), 0);
    const std::size_t count = std::clamp<std::size_t>(
        static_cast<std::size_t>(std::ceil(options_.feature_fraction * features_.size())), 1,
        features_.size());
    for (std::size_t i = 0; i < count; ++i) {  // a partial Fisher-Yates shuffle
      const std::size_t j = i + rng_() % (all.size() - i);
      std::swap(all[i], all[j]);
    }
    all.resize(count);
    return all;
  }

  // The reduction of the sum of squared errors when a node of `n` points and sum `total` splits
  // into a left part of `left_n` points and sum `left_sum` and the rest.
  static double Gain(double total, std::size_t n, double left_sum, std::size_t left_n) {
    const double right_sum = total - left_sum;
    const std::size_t right_n = n - left_n;
    return left_sum * left_sum / static_cast<double>(left_n) +
           right_sum * right_sum / static_cast<double>(right_n) -
           total * total / static_cast<double>(n);
  }

  Split BestNumericSplit(std::vector<std::size_t> samples, int feature) const {
    std::sort(samples.begin(), samples.end(), [&](std::size_t a, std::size_t b) {
      return points_[a][feature] < points_[b][feature];
    });
    double total = 0;
    for (std::size_t s : samples)
      total += values_[s];
    const std::size_t n = samples.size();
    const auto min_leaf = static_cast<std::size_t>(options_.min_samples_leaf);
    Split best;
    double left_sum = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      left_sum += values_[samples[i]];
      const double x = points_[samples[i]][feature];
      const double next = points_[samples[i + 1]][feature];
      if (!(x < next) || i + 1 < min_leaf || n - i - 1 < min_leaf) continue;
      const double gain = Gain(total, n, left_sum, i + 1);
      if (gain > best.gain) {
        best.gain = gain;
        best.feature = feature;
        best.threshold = 0.5 * (x + next);
      }
    }
    return best;
  }

  Split BestCategoricalSplit(const std::vector<std::size_t>& samples, int feature) const {
    const auto k = static_cast<std::size_t>(features_[feature].categories);
    std::vector<double> sums(k, 0.0);
    std::vector<std::size_t> counts(k, 0);
    double total = 0;
    for (std::size_t s : samples) {
      const auto c = static_cast<std::size_t>(points_[s][feature]);
      sums[c] += values_[s];
      counts[c] += 1;
      total += values_[s];
    }
    std::vector<std::size_t> present;
    for (std::size_t c = 0; c < k; ++c) {
      if (counts[c] > 0) present.push_back(c);
    }
    std::sort(present.begin(), present.end(), [&](std::size_t a, std::size_t b) {
      const double ma = sums[a] / static_cast<double>(counts[a]);
      const double mb = sums[b] / static_cast<double>(counts[b]);
      return ma != mb ? ma < mb : a < b;
    });
    const std::size_t n = samples.size();
    const auto min_leaf = static_cast<std::size_t>(options_.min_samples_leaf);
    Split best;
    std::size_t best_prefix = 0;
    double left_sum = 0;
    std::size_t left_n = 0;
    for (std::size_t i = 0; i + 1 < present.size(); ++i) {
      left_sum += sums[present[i]];
      left_n += counts[present[i]];
      if (left_n < min_leaf || n - left_n < min_leaf) continue;
      const double gain = Gain(total, n, left_sum, left_n);
      if (gain > best.gain) {
        best.gain = gain;
        best.feature = feature;
        best_prefix = i + 1;
      }
    }
    if (best.feature < 0) return best;
    best.left_categories.assign(k, false);
    std::size_t best_left_n = 0;
    for (std::size_t i = 0; i < best_prefix; ++i) {
      best.left_categories[present[i]] = true;
      best_left_n += counts[present[i]];
    }
    const bool absent_go_left = best_left_n * 2 >= n;
    for (std::size_t c = 0; c < k; ++c) {
      if (counts[c] == 0) best.left_categories[c] = absent_go_left;
    }
    return best;
  }

  const std::vector<ForestFeature>& features_;
  const std::vector<std::vector<double>>& points_;
  const std::vector<double>& values_;
  const RegressionForestOptions& options_;
  std::mt19937_64& rng_;
};

}  // namespace

RegressionForest RegressionForest::Fit(std::vector<ForestFeature> features,
                                       const std::vector<std::vector<double>>& points,
                                       const std::vector<double>& values,
                                       const RegressionForestOptions& options) {
  if (points.size() != values.size() || points.empty()) {
    throw InvalidArgument("a regression forest needs as many points as values, and at least one");
  }
  for (const auto& point : points) {
    if (point.size() != features.size()) {
      throw InvalidArgument("every point of a regression forest needs one value per feature");
    }
  }
  RegressionForest forest;
  forest.features_ = std::move(features);
  if (forest.features_.empty()) return forest;
  std::mt19937_64 rng(options.seed);
  const std::size_t n = points.size();
  const auto per_tree = static_cast<std::size_t>(std::max(1, options.max_samples_per_tree));
  TreeBuilder builder(forest.features_, points, values, options, rng);
  for (int t = 0; t < options.trees; ++t) {
    std::vector<std::size_t> samples;
    if (n <= per_tree) {  // bootstrap
      for (std::size_t i = 0; i < n; ++i)
        samples.push_back(rng() % n);
    } else {  // subsample without replacement
      std::vector<std::size_t> all(n);
      std::iota(all.begin(), all.end(), 0);
      for (std::size_t i = 0; i < per_tree; ++i) {
        std::swap(all[i], all[i + rng() % (n - i)]);
      }
      samples.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(per_tree));
    }
    forest.trees_.push_back(builder.Build(std::move(samples)));
  }
  return forest;
}

double RegressionForest::Predict(const std::vector<double>& point) const {
  if (trees_.empty()) return 0;
  double sum = 0;
  for (const RegressionTree& tree : trees_) {
    int node = 0;
    while (tree.nodes[node].feature >= 0) {
      const RegressionTreeNode& split = tree.nodes[node];
      node = split.GoesLeft(point[split.feature]) ? split.left : split.right;
    }
    sum += tree.nodes[node].value;
  }
  return sum / static_cast<double>(trees_.size());
}

}  // namespace bayestune
