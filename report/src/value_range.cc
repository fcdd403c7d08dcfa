#include "value_range.h"

#include <algorithm>
#include <cmath>

namespace bayestune {

namespace {

// The q-quantile of sorted values, linearly interpolated.
double Quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const std::size_t below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

}  // namespace

ValueRange RobustRange(std::vector<double> values) {
  std::erase_if(values, [](double v) { return !std::isfinite(v); });
  ValueRange range;
  if (values.empty()) return range;
  std::sort(values.begin(), values.end());
  range.empty = false;
  range.lower = values.front();
  range.upper = values.back();
  if (values.size() < 8) return range;
  const double q1 = Quantile(values, 0.25);
  const double q3 = Quantile(values, 0.75);
  const double iqr = q3 - q1;
  if (!(iqr > 0)) return range;
  const double low_fence = q1 - 3 * iqr;
  const double high_fence = q3 + 3 * iqr;
  const auto first_inside = std::lower_bound(values.begin(), values.end(), low_fence);
  const auto last_inside = std::upper_bound(values.begin(), values.end(), high_fence) - 1;
  const double inner_lower = *first_inside;
  const double inner_upper = *last_inside;
  const double full_span = range.upper - range.lower;
  if (full_span < 3 * (inner_upper - inner_lower)) return range;
  range.lower = inner_lower;
  range.upper = inner_upper;
  range.below = static_cast<std::size_t>(first_inside - values.begin());
  range.above = static_cast<std::size_t>(values.end() - last_inside - 1);
  return range;
}

}  // namespace bayestune
