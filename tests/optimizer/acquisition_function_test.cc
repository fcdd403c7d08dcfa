#include "acquisition_function.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

using namespace bayestune;

namespace {

double PlainH(double z) {
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
  const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
  return pdf + z * cdf;
}

}  // namespace

TEST_CASE("log h agrees with the plain formula where that is accurate", "[acquisition]") {
  for (double z : {-8.0, -5.0, -2.0, -1.0, -0.5, 0.0, 0.7, 3.0, 10.0}) {
    INFO("z = " << z);
    CHECK(LogH(z) == Approx(std::log(PlainH(z))).epsilon(1e-7));
  }
}

TEST_CASE("log h is finite, increasing and smooth where EI underflows", "[acquisition]") {
  double previous = -INFINITY;
  for (double z = -1000.0; z < 5.0; z += 0.37) {
    const double value = LogH(z);
    REQUIRE(std::isfinite(value));
    REQUIRE(value > previous);
    previous = value;
  }
  // Plain EI is 0 below z = -40, log EI keeps its asymptote -z^2/2 - 2 ln|z| - ln sqrt(2 pi).
  CHECK(PlainH(-40.0) == 0.0);
  CHECK(LogH(-40.0) ==
        Approx(-800.0 - 2 * std::log(40.0) - 0.5 * std::log(2 * std::numbers::pi)).epsilon(1e-5));
  // No jump where the formulas change.
  for (double edge : {-1.0, -30.0}) {
    CHECK(LogH(edge - 1e-9) == Approx(LogH(edge + 1e-9)).epsilon(1e-8));
    CHECK(LogHDerivative(edge - 1e-9) == Approx(LogHDerivative(edge + 1e-9)).epsilon(1e-6));
  }
}

TEST_CASE("the derivative of log h matches finite differences", "[acquisition]") {
  for (double z : {-200.0, -35.0, -12.0, -3.0, -1.2, -0.3, 0.0, 1.5, 6.0}) {
    const double h = 1e-6 * std::max(1.0, std::abs(z));
    const double numeric = (LogH(z + h) - LogH(z - h)) / (2 * h);
    INFO("z = " << z);
    CHECK(LogHDerivative(z) == Approx(numeric).epsilon(1e-5));
  }
}

TEST_CASE("log EI and UCB have the right values and partial derivatives", "[acquisition]") {
  const AcquisitionFunction ei(AcquisitionKind::kLogExpectedImprovement, 1.0);
  const double mean = 0.4;
  const double variance = 0.09;
  const double sigma = 0.3;
  CHECK(std::exp(ei.Value(mean, variance)) == Approx(sigma * PlainH((mean - 1.0) / sigma)));
  double dm = 0, dv = 0;
  ei.Value(mean, variance, &dm, &dv);
  const double h = 1e-7;
  CHECK(dm == Approx((ei.Value(mean + h, variance) - ei.Value(mean - h, variance)) / (2 * h))
                  .epsilon(1e-5));
  CHECK(dv == Approx((ei.Value(mean, variance + h) - ei.Value(mean, variance - h)) / (2 * h))
                  .epsilon(1e-5));
  // Far below the incumbent log EI is still finite and prefers the larger mean.
  CHECK(std::isfinite(ei.Value(-100.0, 1e-4)));
  CHECK(ei.Value(-100.0, 1e-4) < ei.Value(-99.0, 1e-4));

  const AcquisitionFunction ucb(AcquisitionKind::kUpperConfidenceBound, 0.0, 2.0);
  CHECK(ucb.Value(mean, variance) == Approx(mean + 2.0 * sigma));
  ucb.Value(mean, variance, &dm, &dv);
  CHECK(dm == 1.0);
  CHECK(dv == Approx(2.0 / (2 * sigma)));
}
