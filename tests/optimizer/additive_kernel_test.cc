// The ARD-plus-additive kernel (GpFitOptions::kernel = KernelStructure::kArdPlusAdditive,
// additive_matern52.h): its values, its gradients in x and in the hyperparameters, and that the
// fit puts the additive weight where it belongs.
#include <catch2/catch.hpp>
#include <cmath>

#include "bayestune/optimizer/gp_bandit_designer.h"
#include "gaussian_process.h"
#include "gp_hyperparameter_fit.h"
#include "matern52_kernel.h"
#include "random_points.h"
#include "standardised.h"

using namespace bayestune;
using bayestune::testing::RandomPoints;
using bayestune::testing::Standardised;

namespace {

double UnitMatern(double r) {
  const double s = std::sqrt(5.0) * r;
  return (1 + s + s * s / 3) * std::exp(-s);
}

// Styblinski-Tang on [-5, 5]^d, from the unit cube: exactly additive, two wells per axis.
double Styblinski(const Eigen::VectorXd& u) {
  double sum = 0.0;
  for (Eigen::Index j = 0; j < u.size(); ++j) {
    const double x = -5.0 + 10.0 * u[j];
    sum += 0.5 * (x * x * x * x - 16 * x * x + 5 * x);
  }
  return sum;
}

}  // namespace

TEST_CASE("the additive kernel mixes ARD and one-dimensional Matern terms", "[gp][additive]") {
  Eigen::VectorXd l(2);
  l << 0.5, 2.0;
  const Matern52Kernel k(l, 2.0, 0.3);
  CHECK(k.additive_weight() == 0.3);
  Eigen::MatrixXd a(2, 1);
  Eigen::MatrixXd b(2, 1);
  a << 0.1, 0.2;
  b << 0.4, 1.0;
  const double ard = UnitMatern(std::sqrt(std::pow(0.3 / 0.5, 2) + std::pow(0.8 / 2.0, 2)));
  const double additive = 0.5 * (UnitMatern(0.3 / 0.5) + UnitMatern(0.8 / 2.0));
  const double expected = 2.0 * (0.7 * ard + 0.3 * additive);
  CHECK(k.Cross(a, b)(0, 0) == Approx(expected).epsilon(1e-12));
  Eigen::MatrixXd both(2, 2);
  both << a, b;
  const Eigen::MatrixXd gram = k.Gram(both);
  CHECK(gram(0, 0) == 2.0);
  CHECK(gram(1, 0) == Approx(expected).epsilon(1e-12));
  CHECK(gram(0, 1) == gram(1, 0));
  Eigen::VectorXd vector;
  k.Vector(a.col(0), b, &vector, nullptr);
  CHECK(vector[0] == Approx(expected).epsilon(1e-12));
  // The additive part's own length scales.
  Eigen::VectorXd la(2);
  la << 0.25, 0.4;
  const double own = 0.5 * (UnitMatern(0.3 / 0.25) + UnitMatern(0.8 / 0.4));
  CHECK(Matern52Kernel(l, 2.0, 0.3, la).Cross(a, b)(0, 0) ==
        Approx(2.0 * (0.7 * ard + 0.3 * own)).epsilon(1e-12));
  // Weight 0 is the ARD kernel exactly.
  CHECK(Matern52Kernel(l, 2.0, 0.0).Cross(a, b)(0, 0) == Matern52Kernel(l, 2.0).Cross(a, b)(0, 0));
  CHECK(Matern52Kernel(l, 2.0).Cross(a, b)(0, 0) == Approx(2.0 * ard).epsilon(1e-12));
}

TEST_CASE("the additive kernel's gradient in x matches finite differences", "[gp][additive]") {
  const Eigen::MatrixXd points = RandomPoints(3, 6, 11);
  Eigen::VectorXd l(3);
  l << 0.3, 0.7, 1.5;
  const Eigen::VectorXd x = RandomPoints(3, 1, 12).col(0);
  Eigen::VectorXd la(3);
  la << 0.2, 0.9, 0.5;
  for (double weight : {0.0, 0.4, 1.0, -0.4}) {
    // A negative weight here stands for 0.4 with the additive part's own length scales.
    const Matern52Kernel k =
        weight < 0 ? Matern52Kernel(l, 1.3, -weight, la) : Matern52Kernel(l, 1.3, weight);
    Eigen::VectorXd value;
    Eigen::MatrixXd gradient;
    k.Vector(x, points, &value, &gradient);
    const double h = 1e-6;
    for (int j = 0; j < 3; ++j) {
      Eigen::VectorXd up = x;
      Eigen::VectorXd down = x;
      up[j] += h;
      down[j] -= h;
      Eigen::VectorXd vu;
      Eigen::VectorXd vd;
      k.Vector(up, points, &vu, nullptr);
      k.Vector(down, points, &vd, nullptr);
      for (int i = 0; i < 6; ++i) {
        INFO("weight " << weight << ", dimension " << j << ", point " << i);
        CHECK(gradient(j, i) == Approx((vu[i] - vd[i]) / (2 * h)).epsilon(1e-5).margin(1e-8));
      }
    }
  }
  // A GP of the kernel predicts with the gradient its finite differences give.
  GpHyperparameters hyper;
  hyper.length_scales = l;
  hyper.additive_weight = 0.6;
  Eigen::VectorXd y(6);
  for (int i = 0; i < 6; ++i)
    y[i] = std::sin(4 * points(0, i)) + points(2, i);
  const GaussianProcess gp(points, y, hyper);
  double mean = 0.0;
  double variance = 0.0;
  Eigen::VectorXd mean_gradient;
  Eigen::VectorXd variance_gradient;
  gp.PredictWithGradient(x, &mean, &variance, &mean_gradient, &variance_gradient);
  const double h = 1e-6;
  for (int j = 0; j < 3; ++j) {
    Eigen::MatrixXd probe(3, 2);
    probe.col(0) = x;
    probe.col(1) = x;
    probe(j, 0) += h;
    probe(j, 1) -= h;
    Eigen::VectorXd means;
    Eigen::VectorXd variances;
    gp.Predict(probe, &means, &variances);
    CHECK(mean_gradient[j] == Approx((means[0] - means[1]) / (2 * h)).epsilon(1e-5).margin(1e-7));
    CHECK(variance_gradient[j] ==
          Approx((variances[0] - variances[1]) / (2 * h)).epsilon(1e-5).margin(1e-7));
  }
}

TEST_CASE("the log posterior's gradient with the additive weight matches finite differences",
          "[gp-fit][additive]") {
  const Eigen::MatrixXd x = RandomPoints(3, 20, 1);
  Eigen::VectorXd y(20);
  for (int j = 0; j < 20; ++j)
    y[j] = std::sin(5 * x(0, j)) + 0.3 * x(1, j) + x(1, j) * x(2, j);
  y = Standardised(y);
  for (const KernelStructure kernel :
       {KernelStructure::kArdPlusAdditive, KernelStructure::kArdPlusAdditiveSeparateScales}) {
    const bool separate = kernel == KernelStructure::kArdPlusAdditiveSeparateScales;
    const GpLogPosterior posterior(x, y, GpPriors{}, kernel);
    const int count = separate ? 10 : 7;
    REQUIRE(posterior.parameters() == count);
    for (double logit : {-1.5, 0.0, 0.8}) {
      Eigen::VectorXd theta(count);
      theta.head(7) << std::log(0.3), std::log(0.8), std::log(2.0), std::log(1.2), std::log(1e-3),
          0.1, logit;
      if (separate) theta.tail(3) << std::log(0.5), std::log(0.2), std::log(1.1);
      Eigen::VectorXd gradient;
      const double value = posterior(theta, &gradient);
      REQUIRE(std::isfinite(value));
      CHECK(posterior(theta, nullptr) == Approx(value));
      const double h = 1e-5;
      for (int i = 0; i < count; ++i) {
        Eigen::VectorXd up = theta;
        Eigen::VectorXd down = theta;
        up[i] += h;
        down[i] -= h;
        const double numeric = (posterior(up, nullptr) - posterior(down, nullptr)) / (2 * h);
        INFO("separate scales " << separate << ", logit " << logit << ", parameter " << i);
        CHECK(gradient[i] == Approx(numeric).epsilon(1e-4).margin(1e-5));
      }
      // The packing round-trips, and a GP of the unpacked hyperparameters has the likelihood.
      const GpHyperparameters unpacked = posterior.Unpack(theta);
      CHECK(unpacked.additive_weight == Approx(1.0 / (1.0 + std::exp(-logit))));
      CHECK(unpacked.additive_length_scales.size() == (separate ? 3 : 0));
      CHECK((posterior.Pack(unpacked) - theta).cwiseAbs().maxCoeff() < 1e-9);
      const GaussianProcess gp(x, y, unpacked);
      CHECK(std::isfinite(gp.LogMarginalLikelihood()));
    }
  }
}

TEST_CASE(
    "the fit puts the weight on the additive part for an additive function and on ARD "
    "for a non-additive one",
    "[gp-fit][additive]") {
  GpFitOptions options;
  options.kernel = KernelStructure::kArdPlusAdditive;
  const Eigen::MatrixXd x = RandomPoints(4, 40, 21);
  Eigen::VectorXd additive(40);
  Eigen::VectorXd interacting(40);
  for (int j = 0; j < 40; ++j) {
    additive[j] = -Styblinski(x.col(j));
    // A product of the coordinates' waves: no sum of one-dimensional functions comes close.
    interacting[j] = std::cos(3 * x(0, j)) * std::cos(3 * x(1, j)) * std::cos(3 * x(2, j)) *
                     std::cos(3 * x(3, j));
  }
  const GpHyperparameters a = FitGpHyperparameters(x, Standardised(additive), options);
  const GpHyperparameters b = FitGpHyperparameters(x, Standardised(interacting), options);
  INFO("additive: w = " << a.additive_weight << ", interacting: w = " << b.additive_weight);
  CHECK(a.additive_weight > 0.9);
  CHECK(b.additive_weight < 0.25);
  // The ARD kernel's fit has no additive part.
  GpFitOptions ard;
  ard.kernel = KernelStructure::kArd;
  CHECK(FitGpHyperparameters(x, Standardised(additive), ard).additive_weight == 0.0);
}

TEST_CASE("the additive GP predicts the corner of two axes' wells, the ARD GP does not",
          "[gp-fit][additive]") {
  // Styblinski-Tang in 2-D (each axis's global well at u = 0.21, the other at 0.78), observed
  // everywhere except in the square [0, 0.45]^2 of both global wells: trials have seen each
  // axis's global well, never both at once.
  const Eigen::MatrixXd candidates = RandomPoints(2, 200, 31);
  Eigen::MatrixXd x(2, 0);
  for (Eigen::Index i = 0; i < candidates.cols() && x.cols() < 30; ++i) {
    if (candidates(0, i) < 0.45 && candidates(1, i) < 0.45) continue;
    x.conservativeResize(Eigen::NoChange, x.cols() + 1);
    x.col(x.cols() - 1) = candidates.col(i);
  }
  REQUIRE(x.cols() == 30);
  Eigen::VectorXd y(x.cols());
  for (Eigen::Index i = 0; i < x.cols(); ++i)
    y[i] = -Styblinski(x.col(i));  // maximised
  y = Standardised(y);
  Eigen::MatrixXd both_global(2, 1);
  both_global << 0.21, 0.21;
  auto predicted = [&](KernelStructure kernel) {
    GpFitOptions options;
    options.kernel = kernel;
    const GpHyperparameters h = FitGpHyperparameters(x, y, options);
    const GaussianProcess gp(x, y, h);
    Eigen::VectorXd mean;
    Eigen::VectorXd variance;
    gp.Predict(both_global, &mean, &variance);
    return mean[0];
  };
  const double additive = predicted(KernelStructure::kArdPlusAdditive);
  const double ard = predicted(KernelStructure::kArd);
  INFO("best " << y.maxCoeff() << ", additive " << additive << ", ARD " << ard);
  CHECK(additive > y.maxCoeff() + 0.3);  // 1.81 against 1.11 when written
  CHECK(ard < y.maxCoeff());             // -0.04: the prior mean, far from the data
}

TEST_CASE("the additive kernel changes the GP bandit's suggestions", "[exploration][additive]") {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "y";
  spec.max_trials = 30;
  for (int j = 0; j < 3; ++j)
    spec.parameters.push_back(ParameterSpec::Double("x" + std::to_string(j), 0.0, 1.0));
  const SearchSpace space(spec.parameters);
  auto run = [&](KernelStructure kernel, double kernel_share = 1.0) {
    GpBanditOptions options;
    options.fit.kernel = kernel;
    options.kernel_share = kernel_share;
    GpBanditDesigner designer(options);
    std::vector<Trial> trials;
    std::vector<Eigen::VectorXd> suggested;
    for (int round = 0; round < 16; ++round) {
      const auto points = designer.Suggest({space, spec, trials, 1, 40u + round});
      REQUIRE(points.size() == 1);
      Eigen::VectorXd u(3);
      for (int j = 0; j < 3; ++j)
        u[j] = points[0].at("x" + std::to_string(j)).AsDouble();
      suggested.push_back(u);
      Trial t;
      t.id = round + 1;
      t.parameters = points[0];
      t.state = TrialState::kSucceeded;
      t.final_value = Styblinski(u);
      trials.push_back(std::move(t));
    }
    return suggested;
  };
  const auto ard = run(KernelStructure::kArd);
  const auto additive = run(KernelStructure::kArdPlusAdditive);
  // The initial design (10 Sobol points in 3 dimensions) is the same; the GP's points differ.
  CHECK(ard[0] == additive[0]);
  CHECK(ard[9] == additive[9]);
  bool differ = false;
  for (std::size_t i = 10; i < ard.size(); ++i)
    differ = differ || (ard[i] - additive[i]).norm() > 1e-6;
  CHECK(differ);
  // With kernel_share 0 the additive kernel never applies: the ARD kernel's suggestions.
  CHECK(run(KernelStructure::kArdPlusAdditive, 0.0) == ard);
}
