// HEBO's Kumaraswamy input warping (GpFitOptions::input_warping, input_warping.h): the warp and
// its derivatives, the warped GP (the identity warp changes nothing, gradients in x through the
// warp, extension and fantasies), the log posterior's gradient in log a and log b, and that the
// fit finds a warp where the function is a steep warp of a smooth one.
#include "input_warping.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/study_spec.h"
#include "gaussian_process.h"
#include "gp_hyperparameter_fit.h"
#include "random_points.h"
#include "standardised.h"

using namespace bayestune;
using bayestune::testing::RandomPoints;
using bayestune::testing::Standardised;

namespace {

GpHyperparameters SomeHyperparameters(int d) {
  GpHyperparameters h;
  h.length_scales = Eigen::VectorXd::LinSpaced(d, 0.3, 0.9);
  h.signal_variance = 1.3;
  h.noise_variance = 1e-4;
  h.mean = 0.1;
  h.additive_weight = 0.3;
  return h;
}

// A function that varies fast near x_0 = 1 and slowly elsewhere: smooth in x_0^4.
double SteepNearOne(const Eigen::VectorXd& x) {
  const double u = std::pow(x[0], 4);
  return std::sin(9.0 * u) + 0.5 * x[1];
}

}  // namespace

TEST_CASE("the Kumaraswamy warp's values and derivatives", "[gp][warping]") {
  for (const double a : {0.3, 1.0, 2.5}) {
    for (const double b : {0.5, 1.0, 3.0}) {
      CHECK(Kumaraswamy(0.0, a, b).value == 0.0);
      CHECK(Kumaraswamy(1.0, a, b).value == 1.0);
      CHECK(Kumaraswamy(-0.2, a, b).value == 0.0);  // clamped
      CHECK(Kumaraswamy(1.3, a, b).value == 1.0);
      CHECK(Kumaraswamy(0.0, a, b).dlog_a == 0.0);  // w(0) does not depend on a or b
      CHECK(Kumaraswamy(1.0, a, b).dlog_b == 0.0);
      CHECK(std::isfinite(Kumaraswamy(0.0, a, b).dx));
      CHECK(std::isfinite(Kumaraswamy(1.0, a, b).dx));
      for (const double x : {0.05, 0.3, 0.62, 0.97}) {
        INFO("a " << a << ", b " << b << ", x " << x);
        const WarpedCoordinate w = Kumaraswamy(x, a, b);
        CHECK(w.value == Approx(1.0 - std::pow(1.0 - std::pow(x, a), b)).epsilon(1e-14));
        const double h = 1e-6;
        const double dx =
            (Kumaraswamy(x + h, a, b).value - Kumaraswamy(x - h, a, b).value) / (2 * h);
        const double da =
            (Kumaraswamy(x, a * std::exp(h), b).value - Kumaraswamy(x, a * std::exp(-h), b).value) /
            (2 * h);
        const double db =
            (Kumaraswamy(x, a, b * std::exp(h)).value - Kumaraswamy(x, a, b * std::exp(-h)).value) /
            (2 * h);
        CHECK(w.dx == Approx(dx).epsilon(1e-6).margin(1e-9));
        CHECK(w.dlog_a == Approx(da).epsilon(1e-6).margin(1e-9));
        CHECK(w.dlog_b == Approx(db).epsilon(1e-6).margin(1e-9));
      }
    }
  }
  // a = b = 1 is the identity (up to rounding: 1 - (1 - x)).
  for (const double x : {0.0, 0.1, 0.5, 0.9, 1.0}) {
    CHECK(Kumaraswamy(x, 1.0, 1.0).value == Approx(x).margin(1e-15));
    CHECK(Kumaraswamy(x, 1.0, 1.0).dx == Approx(1.0).epsilon(1e-12));
  }
  // a = 4, b = 1 is x^4.
  CHECK(Kumaraswamy(0.7, 4.0, 1.0).value == Approx(std::pow(0.7, 4)).epsilon(1e-14));
}

TEST_CASE("the warped GP with a = b = 1 is the plain GP", "[gp][warping]") {
  const Eigen::MatrixXd x = RandomPoints(3, 15, 4);
  Eigen::VectorXd y(15);
  for (int j = 0; j < 15; ++j)
    y[j] = std::sin(4 * x(0, j)) + x(1, j) * x(2, j);
  GpHyperparameters plain = SomeHyperparameters(3);
  GpHyperparameters identity = plain;
  identity.warp_a = Eigen::VectorXd::Ones(3);
  identity.warp_b = Eigen::VectorXd::Ones(3);
  const GaussianProcess a(x, y, plain);
  const GaussianProcess b(x, y, identity);
  CHECK(a.LogMarginalLikelihood() == b.LogMarginalLikelihood());
  const Eigen::MatrixXd test = RandomPoints(3, 10, 5);
  Eigen::VectorXd mean_a, variance_a, mean_b, variance_b;
  a.Predict(test, &mean_a, &variance_a);
  b.Predict(test, &mean_b, &variance_b);
  CHECK(mean_a == mean_b);
  CHECK(variance_a == variance_b);

  // The log posterior with the warp's parameters at log a = log b = 0 (through the formula, not
  // the shortcut) is the unwarped one: the priors' log densities are 0 there, the warp is the
  // identity up to rounding.
  const Eigen::VectorXd ys = Standardised(y);
  for (const KernelStructure kernel : {KernelStructure::kArd, KernelStructure::kArdPlusAdditive}) {
    const GpLogPosterior unwarped(x, ys, GpPriors{}, kernel);
    const GpLogPosterior warped(x, ys, GpPriors{}, kernel, {0, 2});
    REQUIRE(warped.parameters() == unwarped.parameters() + 4);
    const Eigen::VectorXd theta = unwarped.Pack(plain);
    Eigen::VectorXd warped_theta = Eigen::VectorXd::Zero(warped.parameters());
    warped_theta.head(theta.size()) = theta;
    CHECK(warped(warped_theta, nullptr) == Approx(unwarped(theta, nullptr)).epsilon(1e-10));
    // The unpacked hyperparameters warp the listed dimensions only.
    warped_theta[warped.warp_index(1)] = 0.4;
    const GpHyperparameters h = warped.Unpack(warped_theta);
    REQUIRE(h.warp_a.size() == 3);
    CHECK(h.warp_a[0] == 1.0);
    CHECK(h.warp_a[1] == 1.0);
    CHECK(h.warp_a[2] == Approx(std::exp(0.4)));
    CHECK(h.warp_b == Eigen::VectorXd::Ones(3));
    CHECK((warped.Pack(h) - warped_theta).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("the warped GP is the plain GP of the warped points, with gradients in x",
          "[gp][warping]") {
  const Eigen::MatrixXd x = RandomPoints(2, 12, 6);
  Eigen::VectorXd y(12);
  for (int j = 0; j < 12; ++j)
    y[j] = std::cos(5 * x(0, j)) + x(1, j);
  GpHyperparameters h = SomeHyperparameters(2);
  h.warp_a = Eigen::VectorXd(2);
  h.warp_b = Eigen::VectorXd(2);
  h.warp_a << 0.5, 1.0;
  h.warp_b << 2.0, 1.0;  // dimension 1 not warped
  const GaussianProcess warped(x, y, h);
  GpHyperparameters plain = h;
  plain.warp_a.resize(0);
  plain.warp_b.resize(0);
  const Eigen::MatrixXd wx = WarpPoints(x, h.warp_a, h.warp_b);
  CHECK(wx.row(1) == x.row(1));
  const GaussianProcess reference(wx, y, plain);
  CHECK(warped.points() == x);  // as given
  CHECK(warped.LogMarginalLikelihood() == Approx(reference.LogMarginalLikelihood()));
  const Eigen::MatrixXd test = RandomPoints(2, 8, 7);
  Eigen::VectorXd mean, variance, mean_ref, variance_ref;
  warped.Predict(test, &mean, &variance);
  reference.Predict(WarpPoints(test, h.warp_a, h.warp_b), &mean_ref, &variance_ref);
  CHECK((mean - mean_ref).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((variance - variance_ref).cwiseAbs().maxCoeff() < 1e-10);

  // PredictWithGradient: the same values, and gradients that match finite differences.
  for (Eigen::Index t = 0; t < test.cols(); ++t) {
    const Eigen::VectorXd p = test.col(t);
    double m = 0, v = 0;
    Eigen::VectorXd dm, dv;
    warped.PredictWithGradient(p, &m, &v, &dm, &dv);
    CHECK(m == Approx(mean[t]).epsilon(1e-10));
    CHECK(v == Approx(variance[t]).epsilon(1e-8));
    for (int j = 0; j < 2; ++j) {
      const double step = 1e-6;
      Eigen::MatrixXd both(2, 2);
      both.col(0) = p;
      both.col(1) = p;
      both(j, 0) += step;
      both(j, 1) -= step;
      Eigen::VectorXd ms, vs;
      warped.Predict(both, &ms, &vs);
      INFO("point " << t << ", coordinate " << j);
      CHECK(dm[j] == Approx((ms[0] - ms[1]) / (2 * step)).epsilon(1e-5).margin(1e-7));
      CHECK(dv[j] == Approx((vs[0] - vs[1]) / (2 * step)).epsilon(1e-5).margin(1e-7));
    }
  }

  // Extend and AddObservation condition on warped points as a fresh GP does.
  const GaussianProcess prefix(x.leftCols(8), y.head(8), h);
  const GaussianProcess extended = GaussianProcess::Extend(prefix, x, y);
  CHECK(extended.LogMarginalLikelihood() == Approx(warped.LogMarginalLikelihood()).epsilon(1e-9));
  GaussianProcess grown(x.leftCols(11), y.head(11), h);
  grown.AddObservation(x.col(11), y[11]);
  Eigen::VectorXd mean_grown, variance_grown;
  grown.Predict(test, &mean_grown, &variance_grown);
  CHECK((mean_grown - mean).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((variance_grown - variance).cwiseAbs().maxCoeff() < 1e-8);
}

TEST_CASE("the log posterior's gradient in the warp's parameters matches finite differences",
          "[gp-fit][warping]") {
  const Eigen::MatrixXd x = RandomPoints(3, 20, 1);
  Eigen::VectorXd y(20);
  for (int j = 0; j < 20; ++j)
    y[j] = std::sin(5 * x(0, j)) + 0.3 * x(1, j) + x(1, j) * x(2, j);
  y = Standardised(y);
  for (const KernelStructure kernel : {KernelStructure::kArd, KernelStructure::kArdPlusAdditive,
                                       KernelStructure::kArdPlusAdditiveSeparateScales}) {
    const GpLogPosterior posterior(x, y, GpPriors{}, kernel, {0, 2});
    const GpLogPosterior unwarped(x, y, GpPriors{}, kernel);
    const int base = unwarped.parameters();
    REQUIRE(posterior.parameters() == base + 4);
    REQUIRE(posterior.warp_index(0) == base);
    Eigen::VectorXd theta(posterior.parameters());
    theta.head(6) << std::log(0.3), std::log(0.8), std::log(2.0), std::log(1.2), std::log(1e-3),
        0.1;
    if (base > 6) theta[6] = -0.4;
    if (base > 7) theta.segment(7, 3) << std::log(0.5), std::log(0.2), std::log(1.1);
    theta.tail(4) << std::log(0.6), std::log(1.7), std::log(2.2), std::log(0.8);
    Eigen::VectorXd gradient;
    const double value = posterior(theta, &gradient);
    REQUIRE(std::isfinite(value));
    CHECK(posterior(theta, nullptr) == Approx(value));
    const double h = 1e-5;
    for (int i = 0; i < posterior.parameters(); ++i) {
      Eigen::VectorXd up = theta;
      Eigen::VectorXd down = theta;
      up[i] += h;
      down[i] -= h;
      const double numeric = (posterior(up, nullptr) - posterior(down, nullptr)) / (2 * h);
      INFO("kernel " << static_cast<int>(kernel) << ", parameter " << i);
      CHECK(gradient[i] == Approx(numeric).epsilon(1e-4).margin(1e-5));
    }
    // A GP of the unpacked hyperparameters has the posterior's likelihood term.
    const GpHyperparameters unpacked = posterior.Unpack(theta);
    const GaussianProcess gp(x, y, unpacked);
    CHECK(std::isfinite(gp.LogMarginalLikelihood()));
  }
}

TEST_CASE("the fit warps a function that is smooth in x^4 and predicts it better",
          "[gp-fit][warping]") {
  const int n = 30;
  const Eigen::MatrixXd x = RandomPoints(2, n, 11);
  Eigen::VectorXd y(n);
  for (int j = 0; j < n; ++j)
    y[j] = SteepNearOne(x.col(j));
  const double mean = y.mean();
  const double spread = std::sqrt((y.array() - mean).square().sum() / n);
  const Eigen::VectorXd targets = (y.array() - mean) / spread;

  GpFitOptions options;
  options.kernel = KernelStructure::kArd;
  options.input_warping = true;
  const GpHyperparameters with = FitGpHyperparameters(x, targets, options, {0, 1});
  options.input_warping = false;
  const GpHyperparameters without = FitGpHyperparameters(x, targets, options, {0, 1});
  CHECK(without.warp_a.size() == 0);  // the option off: no warp whatever is listed
  REQUIRE(with.warp_a.size() == 2);
  // The fitted warp stretches the high end of x_0, where the function varies fast: w(x) near 1
  // for x well below 1 means a > 1 or b < 1; here it is below x at x = 0.5.
  CHECK(Kumaraswamy(0.5, with.warp_a[0], with.warp_b[0]).value < 0.3);

  // Higher marginal likelihood, and a lower prediction error on held-out points.
  const GaussianProcess gp_with(x, targets, with);
  const GaussianProcess gp_without(x, targets, without);
  CHECK(gp_with.LogMarginalLikelihood() > gp_without.LogMarginalLikelihood() + 3.0);
  const Eigen::MatrixXd test = RandomPoints(2, 500, 12);
  Eigen::VectorXd truth(500);
  for (int j = 0; j < 500; ++j)
    truth[j] = (SteepNearOne(test.col(j)) - mean) / spread;
  Eigen::VectorXd m_with, v_with, m_without, v_without;
  gp_with.Predict(test, &m_with, &v_with);
  gp_without.Predict(test, &m_without, &v_without);
  const double error_with = std::sqrt((m_with - truth).squaredNorm() / 500);
  const double error_without = std::sqrt((m_without - truth).squaredNorm() / 500);
  INFO("RMSE with warping " << error_with << ", without " << error_without);
  CHECK(error_with < 0.7 * error_without);
}

TEST_CASE("a designer with input warping warps the DOUBLE coordinates only", "[gp][warping]") {
  StudySpec spec;
  spec.metric_tag = "y";
  spec.max_trials = 30;
  spec.parameters.push_back(ParameterSpec::Double("lr", 0.0, 1.0));
  spec.parameters.push_back(ParameterSpec::Categorical("opt", {"sgd", "adam"}));
  spec.parameters.push_back(ParameterSpec::Integer("layers", 1, 4));
  spec.parameters.push_back(ParameterSpec::Double("wd", 0.0, 1.0));
  const SearchSpace space(spec.parameters);
  const std::vector<int> coordinates = DoubleCoordinates(space);
  REQUIRE(coordinates.size() == 2);
  CHECK(coordinates[0] == 0);
  CHECK(coordinates[1] == space.ModelSlice(3).offset);

  // Sequential suggestions, then a batch of 3 (fantasies on the warped GP): all feasible, and
  // not those of the designer without warping once the GP takes over.
  auto run = [&](bool warping) {
    GpBanditOptions options;
    options.fit.input_warping = warping;
    GpBanditDesigner designer(options);
    std::vector<Trial> trials;
    std::vector<ParameterValues> suggested;
    for (int round = 0; round < 16; ++round) {
      const int count = round < 15 ? 1 : 3;
      const DesignerInput input{space, spec, trials, count, 77u + static_cast<unsigned>(round)};
      for (const ParameterValues& p : designer.Suggest(input)) {
        REQUIRE_NOTHROW(space.Validate(p));
        Trial t;
        t.id = static_cast<std::int64_t>(trials.size()) + 1;
        t.parameters = p;
        t.state = TrialState::kSucceeded;
        const double lr = p.at("lr").AsDouble();
        t.final_value = std::sin(9.0 * std::pow(lr, 4)) - p.at("wd").AsDouble() +
                        (p.at("opt").AsString() == "adam" ? 0.2 : 0.0);
        trials.push_back(t);
        suggested.push_back(p);
      }
    }
    return suggested;
  };
  const std::vector<ParameterValues> with = run(true);
  const std::vector<ParameterValues> without = run(false);
  REQUIRE(with.size() == 18);
  const int initial = GpBanditDesigner::DefaultInitialPoints(space);
  CHECK(with[static_cast<std::size_t>(initial - 1)] ==
        without[static_cast<std::size_t>(initial - 1)]);
  int differing = 0;
  for (std::size_t i = static_cast<std::size_t>(initial); i < with.size(); ++i)
    differing += with[i] == without[i] ? 0 : 1;
  CHECK(differing > 0);
}
