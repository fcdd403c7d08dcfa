#include "gaussian_process.h"

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <random>

#include "bayestune/optimizer/errors.h"
#include "random_points.h"

using namespace bayestune;
using bayestune::testing::RandomPoints;

namespace {

GpHyperparameters Hyper(int d, double length = 0.3, double noise = 1e-6) {
  GpHyperparameters h;
  h.length_scales = Eigen::VectorXd::Constant(d, length);
  h.signal_variance = 1.5;
  h.noise_variance = noise;
  h.mean = 0.2;
  return h;
}

Eigen::VectorXd SmoothValues(const Eigen::MatrixXd& x) {
  Eigen::VectorXd y(x.cols());
  for (int j = 0; j < x.cols(); ++j)
    y[j] = std::sin(3 * x(0, j)) + x.col(j).squaredNorm();
  return y;
}

}  // namespace

TEST_CASE("the Matern-5/2 kernel has its closed form", "[gp]") {
  Eigen::VectorXd l(2);
  l << 0.5, 2.0;
  const Matern52Kernel k(l, 2.0);
  Eigen::MatrixXd a(2, 1);
  Eigen::MatrixXd b(2, 1);
  a << 0.1, 0.2;
  b << 0.4, 1.0;
  const double r = std::sqrt(std::pow(0.3 / 0.5, 2) + std::pow(0.8 / 2.0, 2));
  const double s = std::sqrt(5.0) * r;
  CHECK(k.Cross(a, b)(0, 0) == Approx(2.0 * (1 + s + s * s / 3) * std::exp(-s)));
  CHECK(k.Gram(a)(0, 0) == 2.0);
  CHECK(k.AtDistance(0.0) == 2.0);
}

TEST_CASE("the posterior interpolates the data and reverts to the prior far away", "[gp]") {
  const Eigen::MatrixXd x = RandomPoints(3, 25, 1);
  const Eigen::VectorXd y = SmoothValues(x);
  const GaussianProcess gp(x, y, Hyper(3));
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  gp.Predict(x, &mean, &variance);
  CHECK((mean - y).cwiseAbs().maxCoeff() < 1e-3);
  CHECK(variance.maxCoeff() < 1e-3);
  const Eigen::MatrixXd far = Eigen::MatrixXd::Constant(3, 1, 50.0);
  gp.Predict(far, &mean, &variance);
  CHECK(mean[0] == Approx(0.2).margin(1e-9));
  CHECK(variance[0] == Approx(1.5).epsilon(1e-9));
}

TEST_CASE("the gradients of mean and variance match finite differences", "[gp]") {
  const Eigen::MatrixXd x = RandomPoints(4, 30, 2);
  const GaussianProcess gp(x, SmoothValues(x), Hyper(4, 0.4, 1e-4));
  const Eigen::VectorXd at = RandomPoints(4, 1, 3).col(0);
  double mean = 0;
  double variance = 0;
  Eigen::VectorXd dm;
  Eigen::VectorXd dv;
  gp.PredictWithGradient(at, &mean, &variance, &dm, &dv);
  Eigen::VectorXd batch_mean;
  Eigen::VectorXd batch_variance;
  gp.Predict(at, &batch_mean, &batch_variance);
  CHECK(mean == Approx(batch_mean[0]).epsilon(1e-10));
  CHECK(variance == Approx(batch_variance[0]).epsilon(1e-8));
  const double h = 1e-6;
  for (int j = 0; j < 4; ++j) {
    Eigen::VectorXd up = at;
    Eigen::VectorXd down = at;
    up[j] += h;
    down[j] -= h;
    double mu_up = 0, var_up = 0, mu_down = 0, var_down = 0;
    Eigen::VectorXd ignored1, ignored2;
    gp.PredictWithGradient(up, &mu_up, &var_up, &ignored1, &ignored2);
    gp.PredictWithGradient(down, &mu_down, &var_down, &ignored1, &ignored2);
    CHECK(dm[j] == Approx((mu_up - mu_down) / (2 * h)).epsilon(1e-5).margin(1e-7));
    CHECK(dv[j] == Approx((var_up - var_down) / (2 * h)).epsilon(1e-5).margin(1e-7));
  }
}

TEST_CASE("adding an observation equals conditioning on it from scratch", "[gp]") {
  const Eigen::MatrixXd x = RandomPoints(2, 12, 4);
  const Eigen::VectorXd y = SmoothValues(x);
  GaussianProcess grown(x.leftCols(10), y.head(10), Hyper(2));
  grown.AddObservation(x.col(10), y[10]);
  grown.AddObservation(x.col(11), y[11]);
  const GaussianProcess direct(x, y, Hyper(2));
  const Eigen::MatrixXd probe = RandomPoints(2, 20, 5);
  Eigen::VectorXd m1, v1, m2, v2;
  grown.Predict(probe, &m1, &v1);
  direct.Predict(probe, &m2, &v2);
  CHECK((m1 - m2).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((v1 - v2).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(grown.LogMarginalLikelihood() == Approx(direct.LogMarginalLikelihood()).epsilon(1e-9));
}

TEST_CASE("the log marginal likelihood is the Gaussian density of the data", "[gp]") {
  const Eigen::MatrixXd x = RandomPoints(2, 8, 6);
  const Eigen::VectorXd y = SmoothValues(x);
  const GpHyperparameters h = Hyper(2, 0.5, 0.01);
  const GaussianProcess gp(x, y, h);
  Eigen::MatrixXd k = Matern52Kernel(h.length_scales, h.signal_variance).Gram(x);
  k.diagonal().array() += h.noise_variance;
  const Eigen::VectorXd r = y.array() - h.mean;
  const double expected = -0.5 * r.dot(k.ldlt().solve(r)) - 0.5 * std::log(k.determinant()) -
                          4.0 * std::log(2 * std::numbers::pi);
  CHECK(gp.LogMarginalLikelihood() == Approx(expected).epsilon(1e-9));
}

TEST_CASE("repeated identical points factorise, with jitter when there is no noise", "[gp]") {
  Eigen::MatrixXd x(1, 6);
  x << 0.5, 0.5, 0.5, 0.5, 0.2, 0.2;
  Eigen::VectorXd y(6);
  y << 1, 1.1, 0.9, 1, 0, 0;
  const GaussianProcess gp(x, y, Hyper(1, 0.3, 0.0));
  CHECK(gp.jitter() > 0.0);
  Eigen::VectorXd mean, variance;
  gp.Predict(x.leftCols(1), &mean, &variance);
  CHECK(mean[0] == Approx(1.0).margin(1e-3));
  CHECK(std::isfinite(variance[0]));
}

TEST_CASE("non-finite inputs are an internal error, not a silent NaN", "[gp]") {
  Eigen::MatrixXd x(1, 2);
  x << 0.1, NAN;
  Eigen::VectorXd y(2);
  y << 0, 1;
  CHECK_THROWS_AS(GaussianProcess(x, y, Hyper(1)), Error);
}

TEST_CASE("extending the factor by new points equals factorising them all", "[gp]") {
  const Eigen::MatrixXd x = RandomPoints(3, 40, 6);
  const Eigen::VectorXd y = SmoothValues(x);
  const GaussianProcess prefix(x.leftCols(30), y.head(30), Hyper(3));
  // All values may change (the output warping is redone on every suggestion); the factor does not.
  const Eigen::VectorXd shifted = 2.0 * y.array() + 1.0;
  const GaussianProcess extended = GaussianProcess::Extend(prefix, x, shifted);
  const GaussianProcess direct(x, shifted, Hyper(3));
  const Eigen::MatrixXd lower_extended = extended.cholesky().triangularView<Eigen::Lower>();
  const Eigen::MatrixXd lower_direct = direct.cholesky().triangularView<Eigen::Lower>();
  CHECK((lower_extended - lower_direct).cwiseAbs().maxCoeff() < 1e-9);
  const Eigen::MatrixXd probe = RandomPoints(3, 20, 7);
  Eigen::VectorXd m1, v1, m2, v2;
  extended.Predict(probe, &m1, &v1);
  direct.Predict(probe, &m2, &v2);
  CHECK((m1 - m2).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((v1 - v2).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(extended.LogMarginalLikelihood() == Approx(direct.LogMarginalLikelihood()).epsilon(1e-9));

  SECTION("no new point: only the weights change") {
    const GaussianProcess same = GaussianProcess::Extend(prefix, x.leftCols(30), shifted.head(30));
    CHECK(same.alpha().isApprox(GaussianProcess(x.leftCols(30), shifted.head(30), Hyper(3)).alpha(),
                                1e-9));
  }
  SECTION("points that do not begin with the prefix's are an internal error") {
    Eigen::MatrixXd other = x;
    other(0, 3) += 0.1;
    CHECK_THROWS_AS(GaussianProcess::Extend(prefix, other, shifted), Error);
  }
  SECTION("a repeated point with no noise falls back to a factorisation with jitter") {
    const GaussianProcess exact(x.leftCols(30), y.head(30), Hyper(3, 0.3, 0.0));
    Eigen::MatrixXd repeated(3, 32);
    repeated << x.leftCols(30), x.col(0), x.col(0);
    Eigen::VectorXd values(32);
    values << y.head(30), y[0], y[0];
    const GaussianProcess grown = GaussianProcess::Extend(exact, repeated, values);
    CHECK(grown.size() == 32);
    CHECK(grown.cholesky().diagonal().allFinite());
    CHECK(grown.cholesky().diagonal().minCoeff() > 0.0);
    Eigen::VectorXd mean, variance;
    grown.Predict(x.col(0), &mean, &variance);
    CHECK(mean[0] == Approx(y[0]).margin(1e-3));
  }
}
