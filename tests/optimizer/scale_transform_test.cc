#include "scale_transform.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using namespace bayestune;

namespace {

struct Range {
  double lo, hi;
};

const std::vector<Range> kRanges = {{1e-8, 1e8}, {1e-8, 1e-7}, {1e7, 1e8},  {0.1, 1.0},
                                    {1e-3, 1e3}, {1.0, 2.0},   {1e-8, 1.0}, {3.0, 1e8}};
const std::vector<ScaleType> kScales = {ScaleType::kNone, ScaleType::kLinear, ScaleType::kLog,
                                        ScaleType::kReverseLog};

double RelativeError(double a, double b) {
  return std::abs(a - b) / std::max(std::abs(b), 1e-300);
}

}  // namespace

TEST_CASE("every scale maps the bounds to 0 and 1 exactly and back", "[scale]") {
  for (const auto& r : kRanges) {
    for (auto scale : kScales) {
      CAPTURE(r.lo, r.hi, ScaleTypeName(scale));
      CHECK(ToUnit(r.lo, r.lo, r.hi, scale) == 0.0);
      CHECK(ToUnit(r.hi, r.lo, r.hi, scale) == 1.0);
      CHECK(FromUnit(0.0, r.lo, r.hi, scale) == r.lo);
      CHECK(FromUnit(1.0, r.lo, r.hi, scale) == r.hi);
    }
  }
}

TEST_CASE("values round-trip through the unit interval to 1e-12 relative", "[scale]") {
  for (const auto& r : kRanges) {
    for (auto scale : kScales) {
      CAPTURE(r.lo, r.hi, ScaleTypeName(scale));
      double worst = 0;
      // Points spread linearly and logarithmically over the range, and next to both bounds.
      std::vector<double> xs;
      for (int i = 0; i <= 200; ++i) {
        const double t = i / 200.0;
        xs.push_back(r.lo + t * (r.hi - r.lo));
        xs.push_back(std::exp(std::log(r.lo) + t * (std::log(r.hi) - std::log(r.lo))));
      }
      xs.push_back(std::nextafter(r.lo, r.hi));
      xs.push_back(std::nextafter(r.hi, r.lo));
      for (double x : xs) {
        x = std::clamp(x, r.lo, r.hi);
        const double u = ToUnit(x, r.lo, r.hi, scale);
        REQUIRE(u >= 0.0);
        REQUIRE(u <= 1.0);
        worst = std::max(worst, RelativeError(FromUnit(u, r.lo, r.hi, scale), x));
      }
      CHECK(worst <= 1e-12);
    }
  }
}

TEST_CASE("the transforms follow DESIGN.md's formulas", "[scale]") {
  CHECK(ToUnit(5.0, 0.0, 10.0, ScaleType::kLinear) == Approx(0.5).epsilon(1e-15));
  CHECK(ToUnit(std::sqrt(10.0), 1.0, 10.0, ScaleType::kLog) == Approx(0.5).epsilon(1e-15));
  // Reverse log: u = 1 - (ln(lo + hi - x) - ln lo) / (ln hi - ln lo).
  const double x = 7.0;
  const double expected = 1.0 - (std::log(1.0 + 10.0 - x) - std::log(1.0)) / std::log(10.0);
  CHECK(ToUnit(x, 1.0, 10.0, ScaleType::kReverseLog) == Approx(expected).epsilon(1e-15));
  CHECK(FromUnit(0.5, 1.0, 100.0, ScaleType::kLog) == Approx(10.0).epsilon(1e-14));
}

TEST_CASE("log puts more of the unit interval near minValue, reverse-log near maxValue",
          "[scale]") {
  const double lo = 1e-4, hi = 1.0;
  // The share of [0, 1] that maps into the bottom and into the top tenth of the range.
  auto shares = [&](ScaleType scale) {
    int bottom = 0, top = 0;
    for (int i = 0; i < 10000; ++i) {
      const double x = FromUnit((i + 0.5) / 10000.0, lo, hi, scale);
      if (x < lo + 0.1 * (hi - lo)) ++bottom;
      if (x > hi - 0.1 * (hi - lo)) ++top;
    }
    return std::pair{bottom / 10000.0, top / 10000.0};
  };
  const auto [log_bottom, log_top] = shares(ScaleType::kLog);
  const auto [reverse_bottom, reverse_top] = shares(ScaleType::kReverseLog);
  const auto [linear_bottom, linear_top] = shares(ScaleType::kLinear);
  CHECK(reverse_top > 0.7);
  CHECK(reverse_bottom < 0.02);
  CHECK(log_bottom > 0.7);
  CHECK(log_top < 0.02);
  CHECK(linear_bottom == Approx(0.1).margin(1e-3));
  CHECK(linear_top == Approx(0.1).margin(1e-3));
  // Reverse-log mirrors log around the middle of the range.
  for (double u : {0.1, 0.3, 0.7}) {
    CHECK(FromUnit(u, lo, hi, ScaleType::kReverseLog) ==
          Approx(lo + hi - FromUnit(1.0 - u, lo, hi, ScaleType::kLog)).epsilon(1e-12));
  }
}

TEST_CASE("out-of-range inputs are clamped", "[scale]") {
  CHECK(ToUnit(-5.0, 0.0, 1.0, ScaleType::kLinear) == 0.0);
  CHECK(ToUnit(5.0, 0.0, 1.0, ScaleType::kLinear) == 1.0);
  CHECK(FromUnit(-0.5, 2.0, 3.0, ScaleType::kLog) == 2.0);
  CHECK(FromUnit(1.5, 2.0, 3.0, ScaleType::kReverseLog) == 3.0);
}
