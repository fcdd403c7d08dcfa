#include "feasible_rounding.h"

#include <catch2/catch.hpp>
#include <limits>
#include <random>
#include <set>

#include "model_encoding.h"

using namespace bayestune;

namespace {

SearchSpace MixedSpace() {
  return SearchSpace({
      ParameterSpec::Double("lr", 1e-4, 1e-1, ScaleType::kLog),
      ParameterSpec::Integer("layers", 1, 7),
      ParameterSpec::Integer("units", 8, 1024, ScaleType::kLog),
      ParameterSpec::Categorical("act", {"relu", "tanh", "gelu"}),
      ParameterSpec::Discrete("batch", {16, 32, 64, 128}, ScaleType::kLog),
      ParameterSpec::Discrete("momentum", {0.5, 0.9, 0.99}, ScaleType::kReverseLog),
      ParameterSpec::Categorical("only", {"one"}),
  });
}

}  // namespace

TEST_CASE("rounding gives the encoding of the decoded point", "[rounding]") {
  const SearchSpace space = MixedSpace();
  const FeasibleRounding rounding(space);
  CHECK(rounding.dimensions() == space.ModelDimensions());
  CHECK(rounding.ordered_coordinates().size() == 5);
  REQUIRE(rounding.categorical_blocks().size() == 1);
  CHECK(rounding.categorical_blocks()[0].width == 3);
  CHECK_FALSE(rounding.FeasiblePointCount().has_value());  // a DOUBLE
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(-0.1, 1.1);
  for (int i = 0; i < 500; ++i) {
    Eigen::VectorXd x(space.ModelDimensions());
    for (Eigen::Index j = 0; j < x.size(); ++j)
      x[j] = u(rng);
    Eigen::VectorXd rounded = x;
    rounding.Round(rounded);
    const Eigen::VectorXd expected = EncodeForModel(space, DecodeFromModel(space, x));
    REQUIRE((rounded - expected).cwiseAbs().maxCoeff() < 1e-12);
    Eigen::VectorXd twice = rounded;
    rounding.Round(twice);
    REQUIRE(twice == rounded);
  }
}

TEST_CASE("an INTEGER parameter's values are counted exactly, up to INT64's extremes",
          "[rounding]") {
  // Counted in a double, max - min + 1 lost the + 1 past 2^53, and any span from 10^18 up was
  // counted as unbounded (the largest size_t).
  const auto count = [](long long lo, long long hi) {
    const SearchSpace space({ParameterSpec::Integer("n", lo, hi)});
    return FeasibleRounding(space).FeasiblePointCount();
  };
  constexpr long long k53 = 1LL << 53;  // a spec's INTEGER bounds are within +-2^53
  CHECK(count(0, k53) == std::optional<std::size_t>(k53 + 1));
  CHECK(count(-k53, k53) == std::optional<std::size_t>(2 * static_cast<std::size_t>(k53) + 1));
  // Past what a spec allows (a ParameterSpec built in code), up to INT64's extremes.
  constexpr double k62 = 4611686018427387904.0;  // 2^62
  constexpr double k63 = 9223372036854775808.0;  // 2^63: INT64_MIN's magnitude, and INT64_MAX
  constexpr std::size_t kMost = std::numeric_limits<std::size_t>::max();
  CHECK(IntegerValueCount(0, 1e18) == 1'000'000'000'000'000'001ULL);
  CHECK(IntegerValueCount(-k62, k62) == (std::size_t{1} << 63) + 1);
  CHECK(IntegerValueCount(-k63, 0) == (std::size_t{1} << 63) + 1);
  CHECK(IntegerValueCount(-k63, -k63) == 1);
  CHECK(IntegerValueCount(-k63, k63 - 2048) == kMost - 2046);       // 2^64 - 2047 exactly
  CHECK(IntegerValueCount(0, 2 * k63 - 4096) == kMost - 4095 + 1);  // 2^64 - 4095 exactly
  CHECK(IntegerValueCount(-k63, k63) == kMost);  // 2^64 + 1 values, as INT64_MIN .. INT64_MAX
  CHECK(IntegerValueCount(5, 5) == 1);
  CHECK(IntegerValueCount(6, 5) == 0);
}

TEST_CASE("a finite space is counted and enumerated point by point", "[rounding]") {
  const SearchSpace space({ParameterSpec::Integer("n", 2, 4),
                           ParameterSpec::Categorical("c", {"a", "b"}),
                           ParameterSpec::Discrete("d", {0.1, 0.2})});
  const FeasibleRounding rounding(space);
  REQUIRE(rounding.FeasiblePointCount() == std::optional<std::size_t>(12));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < 12; ++i) {
    const Eigen::VectorXd x = rounding.FeasiblePoint(i);
    const ParameterValues values = DecodeFromModel(space, x);
    REQUIRE_NOTHROW(space.Validate(values));
    CHECK(EncodeForModel(space, values) == x);
    seen.insert(values.at("n").ToString() + values.at("c").ToString() + values.at("d").ToString());
  }
  CHECK(seen.size() == 12);
  // The last parameter varies fastest.
  CHECK(DecodeFromModel(space, rounding.FeasiblePoint(0)).at("d") == ParameterValue(0.1));
  CHECK(DecodeFromModel(space, rounding.FeasiblePoint(1)).at("d") == ParameterValue(0.2));
  CHECK(DecodeFromModel(space, rounding.FeasiblePoint(2)).at("c") == ParameterValue("b"));
}
