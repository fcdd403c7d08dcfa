#include "scrambled_sobol.h"

#include <bit>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <optional>
#include <random>

#include "split_mix.h"

namespace bayestune {
namespace {

constexpr int kBits = 32;
constexpr int kTableDimensions = BOOST_RANDOM_SOBOL_MAX_DIMENSION;

using SobolEngine = boost::random::sobol_engine<std::uint32_t, kBits>;

std::uint32_t Scramble(std::uint32_t x, const std::uint32_t* rows) {
  std::uint32_t y = 0;
  for (int k = 0; k < kBits; ++k) {
    y |= static_cast<std::uint32_t>(std::popcount(rows[k] & x) & 1) << (kBits - 1 - k);
  }
  return y;
}

double ToUnitInterval(std::uint32_t y) {
  return std::ldexp(static_cast<double>(y) + 0.5, -kBits);
}

}  // namespace

ScrambledSobol::ScrambledSobol(int dimensions, std::uint64_t seed)
    : dimensions_(std::max(0, dimensions)), seed_(seed) {
  const int sobol_dimensions = std::min(dimensions_, kTableDimensions);
  std::mt19937_64 rng(SplitMix64(seed));
  scramble_rows_.resize(static_cast<std::size_t>(sobol_dimensions) * kBits);
  shifts_.resize(sobol_dimensions);
  for (int j = 0; j < sobol_dimensions; ++j) {
    // Output digit k (k = 0 the most significant) depends on input digits 0..k, with digit k
    // itself always kept: a random lower-triangular matrix with a unit diagonal.
    for (int k = 0; k < kBits; ++k) {
      const std::uint32_t own = std::uint32_t{1} << (kBits - 1 - k);
      const std::uint32_t higher = k == 0 ? 0 : ~((own << 1) - 1);
      scramble_rows_[static_cast<std::size_t>(j) * kBits + k] =
          (static_cast<std::uint32_t>(rng()) & higher) | own;
    }
    shifts_[j] = static_cast<std::uint32_t>(rng());
  }
}

Eigen::MatrixXd ScrambledSobol::Points(std::uint64_t first, int count) const {
  Eigen::MatrixXd points(std::max(0, count), dimensions_);
  if (count <= 0 || dimensions_ == 0) return points;
  const int sobol_dimensions = static_cast<int>(shifts_.size());
  std::vector<std::uint32_t> raw(sobol_dimensions, 0);
  std::optional<SobolEngine> engine;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t index = first + static_cast<std::uint64_t>(i);
    if (index == 0) {
      std::fill(raw.begin(), raw.end(), 0u);
    } else {
      // Boost skips the origin: its point n is the sequence's point n + 1.
      if (!engine) {
        engine.emplace(sobol_dimensions);
        engine->seed(static_cast<std::uint32_t>(index - 1));
      }
      for (int j = 0; j < sobol_dimensions; ++j)
        raw[j] = (*engine)();
    }
    for (int j = 0; j < sobol_dimensions; ++j) {
      const std::uint32_t y =
          Scramble(raw[j], &scramble_rows_[static_cast<std::size_t>(j) * kBits]);
      points(i, j) = ToUnitInterval(y ^ shifts_[j]);
    }
    if (sobol_dimensions < dimensions_) {
      std::mt19937_64 rng(SplitMix64(seed_ ^ SplitMix64(index + 1)));
      std::uniform_real_distribution<double> uniform(0.0, 1.0);
      for (int j = sobol_dimensions; j < dimensions_; ++j)
        points(i, j) = uniform(rng);
    }
  }
  return points;
}

Eigen::VectorXd ScrambledSobol::Point(std::uint64_t index) const {
  return Points(index, 1).row(0).transpose();
}

}  // namespace bayestune
