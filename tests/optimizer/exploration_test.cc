// The exploration options of GpBanditOptions (docs/optimizer.md, "Exploration: what was tried"):
// each test fails when its option does nothing.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "acquisition_function.h"
#include "acquisition_optimizer.h"
#include "acquisition_portfolio.h"
#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/search_space.h"
#include "corner_gp.h"
#include "gaussian_process.h"
#include "output_power_transform.h"
#include "output_warper.h"
#include "trust_region.h"

using namespace bayestune;

namespace {

using testing::CornerGp;
using testing::Square;

// The inverse of YeoJohnson(., lambda).
double InverseYeoJohnson(double z, double lambda) {
  if (z >= 0.0) return std::pow(1.0 + lambda * z, 1.0 / lambda) - 1.0;
  return 1.0 - std::pow(1.0 - (2.0 - lambda) * z, 1.0 / (2.0 - lambda));
}

}  // namespace

TEST_CASE("log PI is log Phi(z) with the right partial derivatives", "[exploration]") {
  const AcquisitionFunction pi(AcquisitionKind::kLogProbabilityOfImprovement, 1.0);
  const double mean = 0.4;
  const double variance = 0.09;
  const double z = (mean - 1.0) / 0.3;
  CHECK(std::exp(pi.Value(mean, variance)) ==
        Approx(0.5 * std::erfc(-z / std::numbers::sqrt2)).epsilon(1e-10));
  double dm = 0.0;
  double dv = 0.0;
  pi.Value(mean, variance, &dm, &dv);
  const double h = 1e-6;
  CHECK(dm == Approx((pi.Value(mean + h, variance) - pi.Value(mean - h, variance)) / (2 * h))
                  .epsilon(1e-5));
  CHECK(dv == Approx((pi.Value(mean, variance + h) - pi.Value(mean, variance - h)) / (2 * h))
                  .epsilon(1e-5));
  // Finite far below the incumbent, where Phi underflows.
  CHECK(std::isfinite(pi.Value(-100.0, 0.01)));
}

TEST_CASE("the trust region's radius grows with the points and ends at 0.5", "[exploration]") {
  AcquisitionOptimizerOptions options;
  options.trust_region = true;
  options.trust_region_radius = 0.2;
  options.trust_region_growth = 0.1;
  CHECK(TrustRegion::Radius(5, 4, options) == Approx(0.3));
  Eigen::MatrixXd points = Eigen::MatrixXd::Constant(4, 5, 0.5);
  const auto region = TrustRegion::Around(points, options);
  REQUIRE(region);
  CHECK(region->radius() == Approx(0.3));
  Eigen::VectorXd x = Eigen::VectorXd::Constant(4, 0.5);
  x[2] = 0.75;
  CHECK(region->Distance(x) == Approx(0.25));
  CHECK(region->Contains(x));
  CHECK(region->Penalize(-3.0, x) == -3.0);
  x[2] = 0.9;
  CHECK_FALSE(region->Contains(x));
  Eigen::VectorXd farther = x;
  farther[2] = 1.0;
  // Outside loses against any acquisition value inside, and the nearer outside point wins.
  CHECK(region->Penalize(1e6, x) < -1e9);
  CHECK(region->Penalize(1e6, x) > region->Penalize(1e6, farther));
  // 15 points in 4 dimensions: radius 0.5, no region; nor when the option is off.
  CHECK_FALSE(TrustRegion::Around(Eigen::MatrixXd::Constant(4, 15, 0.5), options));
  options.trust_region = false;
  CHECK_FALSE(TrustRegion::Around(points, options));
}

TEST_CASE("with the trust region on, the acquisition's maximiser stays near the GP's points",
          "[exploration]") {
  const SearchSpace space = Square();
  const GaussianProcess gp = CornerGp();
  const AcquisitionFunction ucb(AcquisitionKind::kUpperConfidenceBound, 1.0, 3.0);
  const Eigen::MatrixXd centers = gp.points().leftCols(1);
  AcquisitionOptimizerOptions options;
  options.trust_region = true;
  options.trust_region_radius = 0.2;
  options.trust_region_growth = 0.0;
  const auto region = TrustRegion::Around(gp.points(), options);
  REQUIRE(region);

  std::mt19937_64 rng(7);
  options.trust_region = false;
  const auto free = AcquisitionOptimizer(space, options).Maximize(gp, ucb, centers, {}, rng);
  REQUIRE(free);
  CHECK_FALSE(region->Contains(*free));  // UCB alone goes far from the data

  options.trust_region = true;
  const auto bounded = AcquisitionOptimizer(space, options).Maximize(gp, ucb, centers, {}, rng);
  REQUIRE(bounded);
  CHECK(region->Contains(*bounded));
}

TEST_CASE("one-coordinate jumps reach the far side of an axis that Gaussian steps do not",
          "[exploration]") {
  const SearchSpace space = Square();
  const GaussianProcess gp = CornerGp();
  // UCB is highest far from the data (near the origin); only local candidates, no refinement.
  const AcquisitionFunction ucb(AcquisitionKind::kUpperConfidenceBound, 1.0, 3.0);
  AcquisitionOptimizerOptions options;
  options.sobol_candidates = 0;
  options.local_candidates = 64;
  options.refine_starts = 0;
  const Eigen::MatrixXd centers = gp.points().leftCols(1);  // (0.05, 0.05)
  std::mt19937_64 rng(11);
  const auto steps = AcquisitionOptimizer(space, options).Maximize(gp, ucb, centers, {}, rng);
  REQUIRE(steps);
  CHECK(steps->maxCoeff() < 0.8);
  options.coordinate_jump_share = 0.5;
  const auto jumps = AcquisitionOptimizer(space, options).Maximize(gp, ucb, centers, {}, rng);
  REQUIRE(jumps);
  CHECK(jumps->maxCoeff() > 0.8);
  CHECK(jumps->minCoeff() == Approx(0.05));  // one coordinate moved, the other kept
}

TEST_CASE("Yeo-Johnson maps as specified", "[exploration]") {
  for (double y : {-3.0, -0.5, 0.0, 0.7, 4.0})
    CHECK(YeoJohnson(y, 1.0) == Approx(y).margin(1e-12));
  CHECK(YeoJohnson(1.0, 0.0) == Approx(std::log(2.0)));
  CHECK(YeoJohnson(-1.0, 2.0) == Approx(-std::log(2.0)));
  CHECK(YeoJohnson(3.0, 0.5) == Approx(2.0));          // (4^0.5 - 1) / 0.5
  CHECK(YeoJohnson(-3.0, 0.5) == Approx(-7.0 / 1.5));  // -(4^1.5 - 1) / 1.5
  CHECK(YeoJohnson(2.0, -1.0) == Approx(2.0 / 3.0));   // (3^-1 - 1) / -1
  double previous = -INFINITY;
  for (double y = -5.0; y <= 5.0; y += 0.25) {
    REQUIRE(YeoJohnson(y, 2.7) > previous);
    previous = YeoJohnson(y, 2.7);
  }
}

TEST_CASE("the fitted lambda undoes a known power transform", "[exploration]") {
  for (double lambda : {0.3, 1.6}) {
    // Normal quantiles, mapped back through the inverse transform: skewed values whose
    // Yeo-Johnson transform with `lambda` is Gaussian.
    std::vector<double> values;
    for (int i = 1; i < 200; ++i) {
      const double p = i / 200.0;
      // Quantile of N(0, 0.5^2) by bisection on erfc.
      double low = -10.0;
      double high = 10.0;
      for (int k = 0; k < 80; ++k) {
        const double mid = 0.5 * (low + high);
        (0.5 * std::erfc(-mid / std::numbers::sqrt2) < p ? low : high) = mid;
      }
      values.push_back(InverseYeoJohnson(0.5 * low, lambda));
    }
    INFO("lambda " << lambda);
    CHECK(FitYeoJohnsonLambda(values) == Approx(lambda).margin(0.1));
  }
  CHECK(FitYeoJohnsonLambda({2.0, 2.0, 2.0}) == 1.0);
}

TEST_CASE("the power-transformed targets keep the order, standardise and differ from the warp",
          "[exploration]") {
  const std::vector<std::optional<double>> values = {-1, -3, -10, -300, std::nullopt, -5000, -2e5};
  const Eigen::VectorXd t = ObjectiveTargets(OutputTransform::kYeoJohnson, values);
  CHECK(t.mean() == Approx(0.0).margin(1e-12));
  CHECK(std::sqrt((t.array() - t.mean()).square().mean()) == Approx(1.0));
  for (int i : {1, 2, 3, 5, 6})
    CHECK(t[i] < t[i == 5 ? 3 : i - 1]);
  for (int i : {0, 1, 2, 3, 5, 6})
    CHECK(t[4] < t[i]);  // the failed trial is the worst
  const Eigen::VectorXd warp = ObjectiveTargets(OutputTransform::kRankAndLogWarp, values);
  CHECK((t - warp).cwiseAbs().maxCoeff() > 0.05);
  CHECK((warp - WarpObjectiveValues(values)).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("the alternating mix takes log EI and UCB in turn", "[exploration]") {
  GpBanditOptions options;
  options.acquisition_mix = AcquisitionMix::kSingle;
  options.acquisition = AcquisitionKind::kLogExpectedImprovement;
  CHECK(AcquisitionForTrial(options, 7, 60) == AcquisitionKind::kLogExpectedImprovement);
  options.acquisition = AcquisitionKind::kUpperConfidenceBound;
  CHECK(AcquisitionForTrial(options, 8, 60) == AcquisitionKind::kUpperConfidenceBound);
  options.acquisition_mix = AcquisitionMix::kAlternate;
  CHECK(AcquisitionForTrial(options, 8, 60) == AcquisitionKind::kLogExpectedImprovement);
  CHECK(AcquisitionForTrial(options, 9, 60) == AcquisitionKind::kUpperConfidenceBound);
}

TEST_CASE("UCB first switches to the acquisition at the share of maxTrials", "[exploration]") {
  GpBanditOptions options;
  CHECK(options.acquisition_mix == AcquisitionMix::kUcbFirst);  // the default
  options.ucb_share = 0.5;
  CHECK(AcquisitionForTrial(options, 0, 60) == AcquisitionKind::kUpperConfidenceBound);
  CHECK(AcquisitionForTrial(options, 29, 60) == AcquisitionKind::kUpperConfidenceBound);
  CHECK(AcquisitionForTrial(options, 30, 60) == AcquisitionKind::kLogExpectedImprovement);
  CHECK(AcquisitionForTrial(options, 59, 60) == AcquisitionKind::kLogExpectedImprovement);
  options.ucb_share = 0.25;
  CHECK(AcquisitionForTrial(options, 15, 60) == AcquisitionKind::kLogExpectedImprovement);
  // Without maxTrials there is no second half: UCB throughout.
  CHECK(AcquisitionForTrial(options, 5000, 0) == AcquisitionKind::kUpperConfidenceBound);
  // UCB as the acquisition: UCB throughout.
  options.acquisition = AcquisitionKind::kUpperConfidenceBound;
  CHECK(AcquisitionForTrial(options, 59, 60) == AcquisitionKind::kUpperConfidenceBound);
}

TEST_CASE("the ensemble's Pareto set drops a point worse on all three acquisitions",
          "[exploration]") {
  const GaussianProcess gp = CornerGp();
  GpBanditOptions options;
  // Below the incumbent 1.0 everywhere off the data: a point far from the data (higher variance,
  // mean near the prior's) against one just beside the worst observation.
  Eigen::MatrixXd points(2, 3);
  points << 0.15, 0.5, 0.05,  //
      0.16, 0.5, 0.06;
  const std::vector<Eigen::Index> front = AcquisitionParetoSet(gp, options, 1.0, points);
  CHECK(std::find(front.begin(), front.end(), 0) == front.end());
  CHECK(std::find(front.begin(), front.end(), 1) != front.end());

  // ProposePoint under the ensemble gives a point of the square, from the same seed the same one.
  options.acquisition_mix = AcquisitionMix::kEnsemble;
  const SearchSpace space = Square();
  const AcquisitionOptimizer optimizer(space, options.acquisition_optimizer);
  std::mt19937_64 rng_a(3);
  std::mt19937_64 rng_b(3);
  const auto a = ProposePoint(optimizer, gp, options, 1.0, 4, 60, gp.points(), {}, rng_a);
  const auto b = ProposePoint(optimizer, gp, options, 1.0, 4, 60, gp.points(), {}, rng_b);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
}

TEST_CASE("the initial design has 2d + 4 points, from 5 to 20", "[exploration]") {
  auto doubles = [](int count) {
    std::vector<ParameterSpec> parameters;
    for (int i = 0; i < count; ++i)
      parameters.push_back(ParameterSpec::Double("x" + std::to_string(i), 0.0, 1.0));
    return SearchSpace(parameters);
  };
  CHECK(GpBanditDesigner::DefaultInitialPoints(doubles(1)) == 6);
  CHECK(GpBanditDesigner::DefaultInitialPoints(doubles(4)) == 12);
  CHECK(GpBanditDesigner::DefaultInitialPoints(doubles(6)) == 16);
  CHECK(GpBanditDesigner::DefaultInitialPoints(doubles(9)) == 20);
}
