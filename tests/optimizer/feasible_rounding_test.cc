#include "feasible_rounding.h"

#include <catch2/catch.hpp>
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
