#include "host_random.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>

namespace bayestune {

double HostRandom::Uniform() {
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

std::uint64_t HostRandom::UniformInt(std::uint64_t n) {
  // Rejects the top partial copy of [0, n) so that every value is equally likely.
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t value;
  do {
    value = engine_();
  } while (value >= limit);
  return value % n;
}

double HostRandom::Normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  const double radius = std::sqrt(-2.0 * std::log(1.0 - Uniform()));  // 1 - U is in (0, 1]
  const double angle = 2.0 * std::numbers::pi * Uniform();
  spare_normal_ = radius * std::sin(angle);
  has_spare_normal_ = true;
  return radius * std::cos(angle);
}

std::vector<std::int64_t> HostRandom::Permutation(std::int64_t n) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (std::int64_t i = n - 1; i > 0; --i) {
    std::swap(order[i], order[UniformInt(static_cast<std::uint64_t>(i) + 1)]);
  }
  return order;
}

}  // namespace bayestune
