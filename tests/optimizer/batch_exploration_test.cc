// The batch rules of batch_exploration.h (GpBanditOptions::parallel_ucb_*; docs/optimizer.md,
// "Batches: ..."): the penalties' gradients, the posterior draw, and each rule changing a round's
// later points but not the first.
#include "batch_exploration.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/search_space.h"

using namespace bayestune;

namespace {

GaussianProcess BowlGp() {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Eigen::MatrixXd points(2, 12);
  Eigen::VectorXd values(12);
  for (int i = 0; i < 12; ++i) {
    points(0, i) = uniform(rng);
    points(1, i) = uniform(rng);
    values[i] = -std::pow(points(0, i) - 0.6, 2) - std::pow(points(1, i) - 0.3, 2);
  }
  GpHyperparameters h;
  h.length_scales = Eigen::Vector2d(0.3, 0.3);
  h.signal_variance = 0.05;
  return GaussianProcess(points, values, h);
}

// The penalty's gradient in x against central differences, at a few points.
void CheckGradient(const AcquisitionPenalty& penalty, double value) {
  for (const Eigen::Vector2d& x :
       {Eigen::Vector2d(0.2, 0.7), Eigen::Vector2d(0.55, 0.35), Eigen::Vector2d(0.9, 0.1)}) {
    double d_value = 0.0;
    Eigen::VectorXd d_x;
    penalty.Apply(value, x, &d_value, &d_x);
    for (int c = 0; c < 2; ++c) {
      Eigen::Vector2d up = x;
      Eigen::Vector2d down = x;
      up[c] += 1e-6;
      down[c] -= 1e-6;
      const double numeric = (penalty.Apply(value, up, nullptr, nullptr) -
                              penalty.Apply(value, down, nullptr, nullptr)) /
                             2e-6;
      CHECK(d_x[c] == Approx(numeric).margin(1e-4).epsilon(1e-3));
    }
    const double numeric_value = (penalty.Apply(value + 1e-6, x, nullptr, nullptr) -
                                  penalty.Apply(value - 1e-6, x, nullptr, nullptr)) /
                                 2e-6;
    CHECK(d_value == Approx(numeric_value).epsilon(1e-4));
  }
}

}  // namespace

TEST_CASE("local penalization lowers the acquisition near a pending point, with its gradient",
          "[batch-exploration]") {
  const GaussianProcess gp = BowlGp();
  Eigen::MatrixXd taken(2, 1);
  taken << 0.5, 0.4;
  const double best = gp.values().maxCoeff();
  const LocalPenalization penalty(gp, taken, best, MeanGradientBound(gp, gp.points()), 1.0);
  const double near = penalty.Apply(0.5, Eigen::Vector2d(0.5, 0.41), nullptr, nullptr);
  const double far = penalty.Apply(0.5, Eigen::Vector2d(0.1, 0.9), nullptr, nullptr);
  CHECK(near < far - 0.5);
  CheckGradient(penalty, 0.5);
  CheckGradient(penalty, -3.0);
}

TEST_CASE("exclusion balls lower the acquisition within the radius only, with its gradient",
          "[batch-exploration]") {
  Eigen::MatrixXd taken(2, 1);
  taken << 0.5, 0.4;
  const ExclusionBalls penalty(taken, 0.2);
  CHECK(penalty.Apply(1.0, Eigen::Vector2d(0.9, 0.9), nullptr, nullptr) == 1.0);
  CHECK(penalty.Apply(1.0, Eigen::Vector2d(0.5, 0.45), nullptr, nullptr) ==
        Approx(1.0 - 100.0 * 0.15));
  CheckGradient(penalty, 1.0);
}

TEST_CASE("a posterior draw follows the data where the GP has seen them", "[batch-exploration]") {
  const GaussianProcess gp = BowlGp();
  std::mt19937_64 rng(1);
  const Eigen::VectorXd draw = SamplePosterior(gp, gp.points(), rng);
  CHECK((draw - gp.values()).cwiseAbs().maxCoeff() < 0.01);
}

TEST_CASE("each batch rule changes a round's later points and not its first",
          "[batch-exploration]") {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "y";
  spec.max_trials = 60;
  spec.seed = 3;
  spec.parameters = {ParameterSpec::Double("a", 0.0, 1.0), ParameterSpec::Double("b", 0.0, 1.0),
                     ParameterSpec::Double("c", 0.0, 1.0)};
  const SearchSpace space(spec.parameters);
  std::vector<Trial> trials;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int i = 0; i < 14; ++i) {
    Trial t;
    t.id = i + 1;
    const double a = uniform(rng), b = uniform(rng), c = uniform(rng);
    t.parameters = {{"a", a}, {"b", b}, {"c", c}};
    t.state = TrialState::kSucceeded;
    t.final_value = std::sin(6 * a) * std::cos(5 * b) + c * c;
    trials.push_back(std::move(t));
  }
  const DesignerInput input{space, spec, trials, 4, 99};
  const std::vector<ParameterValues> old_batch = GpBanditDesigner(GpBanditOptions{}).Suggest(input);
  REQUIRE(old_batch.size() == 4);
  for (int rule = 0; rule < 4; ++rule) {
    GpBanditOptions options;
    if (rule == 0) options.parallel_ucb_front = 2;
    if (rule == 1) options.parallel_ucb_thompson = 256;
    if (rule == 2) options.parallel_ucb_penalization = 1.0;
    if (rule == 3) options.parallel_ucb_exclusion_radius = 0.2;
    const std::vector<ParameterValues> batch = GpBanditDesigner(options).Suggest(input);
    REQUIRE(batch.size() == 4);
    CAPTURE(rule);
    CHECK(batch[0] == old_batch[0]);
    CHECK(batch[1] != old_batch[1]);
  }
}
