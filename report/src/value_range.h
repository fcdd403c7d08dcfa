#pragma once

#include <cstddef>
#include <vector>

namespace bayestune {

// The range of values a chart shows. All of them, unless a few lie so far out that they would
// squeeze the others into a sliver: values beyond Tukey's far-out fences (3 interquartile ranges
// past the quartiles) are then left out of the range, when that makes it at least 3 times
// narrower, and charts draw them at its edge.
struct ValueRange {
  bool empty = true;  // no finite value
  double lower = 0;
  double upper = 0;
  std::size_t below = 0;  // finite values under `lower`
  std::size_t above = 0;  // finite values over `upper`

  bool Contains(double value) const { return value >= lower && value <= upper; }
};

// Non-finite values are ignored.
ValueRange RobustRange(std::vector<double> values);

}  // namespace bayestune
