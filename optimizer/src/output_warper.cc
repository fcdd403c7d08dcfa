#include "output_warper.h"

#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <numbers>

namespace bayestune {
namespace {

// c of the log warp: mild (Vizier's value); stronger stretching did worse on the benchmarks.
constexpr double kLogWarpOffset = 1.5;

// The quantile function of the standard normal distribution.
double NormalQuantile(double p) {
  return -std::numbers::sqrt2 * boost::math::erfc_inv(2.0 * p);
}

void HalfRankWarp(std::vector<double>& y) {
  std::vector<double> sorted = y;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  const double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  std::vector<double> unique = sorted;
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  // The spread of the good half around the median.
  double sum = 0.0;
  std::size_t count = 0;
  for (double v : unique) {
    if (v >= median) {
      sum += (v - median) * (v - median);
      ++count;
    }
  }
  double spread = count > 0 ? std::sqrt(sum / static_cast<double>(count)) : 0.0;
  if (!(spread > 0.0)) {
    sum = 0.0;
    for (double v : unique)
      sum += (v - median) * (v - median);
    spread = std::sqrt(sum / static_cast<double>(unique.size()));
  }
  // Dense ranks of the values below the median: 1 for the worst.
  const std::size_t below = static_cast<std::size_t>(
      std::lower_bound(unique.begin(), unique.end(), median) - unique.begin());
  const double denominator =
      static_cast<double>(below) + (below < unique.size() && unique[below] == median ? 0.5 : 0.0);
  for (double& v : y) {
    if (v >= median) continue;
    const double rank =
        static_cast<double>(std::lower_bound(unique.begin(), unique.end(), v) - unique.begin() + 1);
    const double quantile = 0.5 * (rank - 0.5) / denominator;
    v = median + spread * NormalQuantile(quantile);
  }
}

void LogWarp(std::vector<double>& y, double offset) {
  const auto [low, high] = std::minmax_element(y.begin(), y.end());
  const double min = *low;
  const double max = *high;
  const double range = max - min;
  for (double& v : y) {
    v = 0.5 - std::log1p((max - v) / range * (offset - 1.0)) / std::log(offset);
  }
}

}  // namespace

Eigen::VectorXd WarpObjectiveValues(const std::vector<std::optional<double>>& values) {
  const Eigen::Index n = static_cast<Eigen::Index>(values.size());
  std::vector<double> usable;
  for (const auto& v : values) {
    if (v && std::isfinite(*v)) usable.push_back(*v);
  }
  const auto [low, high] = std::minmax_element(usable.begin(), usable.end());
  const bool distinct = usable.size() >= 2 && *low < *high;
  double impute = -1.0;
  if (distinct) {
    HalfRankWarp(usable);
    LogWarp(usable, kLogWarpOffset);
    const auto [lo, hi] = std::minmax_element(usable.begin(), usable.end());
    impute = *lo - 0.5 * (*hi - *lo);
  }
  Eigen::VectorXd warped(n);
  std::size_t next = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& v = values[static_cast<std::size_t>(i)];
    if (v && std::isfinite(*v)) {
      warped[i] = distinct ? usable[next] : 0.0;
      ++next;
    } else {
      warped[i] = impute;
    }
  }
  if (n == 0) return warped;
  const double mean = warped.mean();
  const double std = std::sqrt((warped.array() - mean).square().mean());
  warped.array() -= mean;
  if (std > 0.0) warped /= std;
  return warped;
}

}  // namespace bayestune
