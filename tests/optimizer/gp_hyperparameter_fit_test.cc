#include "gp_hyperparameter_fit.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "random_points.h"
#include "standardised.h"

using namespace bayestune;
using bayestune::testing::RandomPoints;
using bayestune::testing::Standardised;

TEST_CASE("the log posterior's gradient matches finite differences", "[gp-fit]") {
  const Eigen::MatrixXd x = RandomPoints(3, 20, 1);
  Eigen::VectorXd y(20);
  for (int j = 0; j < 20; ++j)
    y[j] = std::sin(5 * x(0, j)) + 0.3 * x(1, j);
  y = Standardised(y);
  const GpPriors priors;
  const GpLogPosterior posterior(x, y, priors);
  Eigen::VectorXd theta(6);
  theta << std::log(0.3), std::log(0.8), std::log(2.0), std::log(1.2), std::log(1e-3), 0.1;
  Eigen::VectorXd gradient;
  const double value = posterior(theta, &gradient);
  REQUIRE(std::isfinite(value));
  CHECK(posterior(theta, nullptr) == Approx(value));
  const double h = 1e-5;
  for (int i = 0; i < 6; ++i) {
    Eigen::VectorXd up = theta;
    Eigen::VectorXd down = theta;
    up[i] += h;
    down[i] -= h;
    const double numeric = (posterior(up, nullptr) - posterior(down, nullptr)) / (2 * h);
    INFO("parameter " << i);
    CHECK(gradient[i] == Approx(numeric).epsilon(1e-4).margin(1e-5));
  }
}

TEST_CASE("the fit finds that only the first dimension matters (ARD)", "[gp-fit]") {
  const Eigen::MatrixXd x = RandomPoints(2, 40, 2);
  Eigen::VectorXd y(40);
  for (int j = 0; j < 40; ++j)
    y[j] = std::sin(6 * x(0, j));
  GpFitOptions options;
  const GpHyperparameters h = FitGpHyperparameters(x, Standardised(y), options);
  CHECK(h.length_scales[0] < 1.0);
  CHECK(h.length_scales[1] > 10 * h.length_scales[0]);
  CHECK(h.noise_variance < 1e-2);
  // The fitted posterior predicts new points of the function well.
  const GaussianProcess gp(x, Standardised(y), h);
  const Eigen::MatrixXd probe = RandomPoints(2, 50, 3);
  Eigen::VectorXd mean, variance;
  gp.Predict(probe, &mean, &variance);
  const double scale = std::sqrt((y.array() - y.mean()).square().mean());
  for (int j = 0; j < 50; ++j) {
    CHECK(mean[j] * scale + y.mean() == Approx(std::sin(6 * probe(0, j))).margin(0.1));
  }
}

TEST_CASE("the fit stays finite with one or two points and with equal values", "[gp-fit]") {
  for (int n : {1, 2, 5}) {
    const Eigen::MatrixXd x = RandomPoints(3, n, 4);
    for (bool equal : {false, true}) {
      Eigen::VectorXd y = equal ? Eigen::VectorXd::Zero(n) : Standardised(x.row(0).transpose());
      const GpHyperparameters h = FitGpHyperparameters(x, y, GpFitOptions{});
      INFO("n = " << n << ", equal = " << equal);
      CHECK(h.length_scales.allFinite());
      CHECK(std::isfinite(h.signal_variance));
      CHECK(std::isfinite(h.noise_variance));
      const GaussianProcess gp(x, y, h);
      CHECK(std::isfinite(gp.LogMarginalLikelihood()));
    }
  }
}

TEST_CASE("many points are fitted on a subset, reproducibly", "[gp-fit]") {
  const Eigen::MatrixXd x = RandomPoints(2, 300, 5);
  Eigen::VectorXd y(300);
  for (int j = 0; j < 300; ++j)
    y[j] = std::cos(4 * x(0, j)) * x(1, j);
  GpFitOptions options;
  options.max_points = 60;
  options.seed = 9;
  const GpHyperparameters a = FitGpHyperparameters(x, Standardised(y), options);
  const GpHyperparameters b = FitGpHyperparameters(x, Standardised(y), options);
  CHECK(a.length_scales == b.length_scales);
  CHECK(a.length_scales.allFinite());
  CHECK(a.length_scales[0] < 2.0);
}
