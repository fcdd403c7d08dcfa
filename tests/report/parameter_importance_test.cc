// Parameter importance: functional ANOVA of a random forest, checked against functions whose
// variance decomposition is known.
#include "parameter_importance.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "functional_anova.h"
#include "regression_forest.h"

using namespace bayestune;

namespace {

double Uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) / 9007199254740992.0;
}

// `n` points uniform on [0, 1]^dimensions and the function's values there.
template <typename F>
RegressionForest FitTo(int n, int dimensions, F f, std::vector<ForestFeature> features = {}) {
  std::mt19937_64 rng(5);
  std::vector<std::vector<double>> points;
  std::vector<double> values;
  if (features.empty()) features.assign(dimensions, ForestFeature{});
  for (int i = 0; i < n; ++i) {
    std::vector<double> x;
    for (int d = 0; d < dimensions; ++d) {
      x.push_back(features[d].is_categorical()
                      ? static_cast<double>(rng() % static_cast<unsigned>(features[d].categories))
                      : Uniform(rng));
    }
    values.push_back(f(x));
    points.push_back(std::move(x));
  }
  RegressionForestOptions options;
  options.trees = 16;
  return RegressionForest::Fit(features, points, values, options);
}

StudySpec TwoParameterSpec() {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "loss";
  spec.parameters = {ParameterSpec::Double("learning_rate", 1e-5, 1e-1, ScaleType::kLog),
                     ParameterSpec::Double("noise", 0, 1)};
  return spec;
}

Trial MakeTrial(std::int64_t id, double learning_rate, double noise, double value) {
  Trial t;
  t.id = id;
  t.state = TrialState::kSucceeded;
  t.parameters = {{"learning_rate", learning_rate}, {"noise", noise}};
  t.final_value = value;
  return t;
}

}  // namespace

TEST_CASE("Main effects of an additive function match its variance decomposition") {
  // Var(3 x0) = 9/12 and Var(x1) = 1/12: shares 0.9 and 0.1; x2 does nothing.
  const auto forest = FitTo(1500, 3, [](const std::vector<double>& x) { return 3 * x[0] + x[1]; });
  const auto effects = MainEffectFractions(forest);
  REQUIRE(effects.size() == 3);
  CHECK(effects[0].fraction == Approx(0.9).margin(0.05));
  CHECK(effects[1].fraction == Approx(0.1).margin(0.04));
  CHECK(effects[2].fraction < 0.02);
  CHECK(effects[0].fraction + effects[1].fraction + effects[2].fraction <= 1.0 + 1e-9);
}

TEST_CASE("A pure interaction has no main effect") {
  const auto forest =
      FitTo(1500, 2, [](const std::vector<double>& x) { return (x[0] - 0.5) * (x[1] - 0.5); });
  const auto effects = MainEffectFractions(forest);
  CHECK(effects[0].fraction < 0.15);
  CHECK(effects[1].fraction < 0.15);
}

TEST_CASE("Categorical features are split by their categories") {
  std::vector<ForestFeature> features = {ForestFeature{}, ForestFeature{3}};
  const auto forest = FitTo(
      900, 2, [](const std::vector<double>& x) { return (x[1] == 2 ? 1.0 : 0.0) + 0.1 * x[0]; },
      features);
  const auto effects = MainEffectFractions(forest);
  CHECK(effects[1].fraction > 0.9);
  CHECK(effects[0].fraction < 0.1);
  // The forest predicts the categories' values.
  CHECK(forest.Predict({0.5, 2}) == Approx(1.05).margin(0.05));
  CHECK(forest.Predict({0.5, 0}) == Approx(0.05).margin(0.05));
}

TEST_CASE("Importance judges parameters on their own scale and ignores unfinished trials") {
  std::mt19937_64 rng(9);
  std::vector<Trial> trials;
  for (int i = 1; i <= 200; ++i) {
    const double lr = std::pow(10.0, -5 + 4 * Uniform(rng));
    const double noise = Uniform(rng);
    // The loss depends on log10(learning_rate) only: linear in the log scale.
    trials.push_back(MakeTrial(i, lr, noise, std::log10(lr) + 5));
  }
  Trial failed = MakeTrial(201, 1e-3, 0.5, 0);
  failed.state = TrialState::kFailed;
  failed.final_value.reset();
  trials.push_back(failed);
  const auto estimate = EstimateParameterImportance(TwoParameterSpec(), trials);
  REQUIRE(estimate.available);
  CHECK(estimate.trials_used == 200);
  REQUIRE(estimate.parameters.size() == 2);
  CHECK(estimate.parameters[0].name == "learning_rate");
  CHECK(estimate.parameters[0].fraction > 0.9);
  CHECK(estimate.parameters[1].fraction < 0.05);
  // Deterministic.
  const auto again = EstimateParameterImportance(TwoParameterSpec(), trials);
  CHECK(again.parameters[0].fraction == estimate.parameters[0].fraction);
}

TEST_CASE("Importance says why it is not available") {
  std::vector<Trial> few = {MakeTrial(1, 1e-3, 0.1, 1), MakeTrial(2, 1e-4, 0.2, 2)};
  const auto estimate = EstimateParameterImportance(TwoParameterSpec(), few);
  CHECK_FALSE(estimate.available);
  CHECK(estimate.unavailable_reason.find("at least 5") != std::string::npos);
  std::vector<Trial> flat;
  for (int i = 1; i <= 8; ++i)
    flat.push_back(MakeTrial(i, 1e-3 * i, 0.1 * i, 0.5));
  const auto same = EstimateParameterImportance(TwoParameterSpec(), flat);
  CHECK_FALSE(same.available);
  CHECK(same.unavailable_reason.find("same objective value") != std::string::npos);
}

TEST_CASE("Far-out objective values are clipped before the fit") {
  std::mt19937_64 rng(2);
  std::vector<Trial> trials;
  for (int i = 1; i <= 100; ++i) {
    const double noise = Uniform(rng);
    trials.push_back(MakeTrial(i, 1e-3, noise, noise));
  }
  trials[10].final_value = 1e9;  // one diverged trial
  const auto estimate = EstimateParameterImportance(TwoParameterSpec(), trials);
  REQUIRE(estimate.available);
  CHECK(estimate.values_clipped == 1);
  CHECK(estimate.parameters[1].fraction > 0.8);
}
