// BasinEscapeOptions (docs/optimizer.md, "Leaving a local basin"): late trials of a sequential
// study that search away from the incumbent. Each test fails when the option does nothing.
#include "basin_escape.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "acquisition_function.h"
#include "acquisition_optimizer.h"
#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/search_space.h"
#include "corner_gp.h"
#include "gaussian_process.h"
#include "local_refinement.h"
#include "model_encoding.h"

using namespace bayestune;

namespace {

using testing::CornerGp;
using testing::Square;

StudySpec BowlSpec(int max_trials) {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "y";
  spec.max_trials = max_trials;
  spec.seed = 5;
  spec.parameters = {ParameterSpec::Double("a", 0.0, 1.0), ParameterSpec::Double("b", 0.0, 1.0)};
  return spec;
}

// `count` finished trials of a bowl with its minimum at (0.7, 0.2), at random points (seeded).
std::vector<Trial> BowlTrials(const SearchSpace& space, int count) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<Trial> trials;
  for (int i = 0; i < count; ++i) {
    Trial t;
    t.id = i + 1;
    t.parameters = DecodeFromModel(space, Eigen::Vector2d(uniform(rng), uniform(rng)));
    t.state = TrialState::kSucceeded;
    t.final_value = std::pow(t.parameters.at("a").AsDouble() - 0.7, 2) +
                    std::pow(t.parameters.at("b").AsDouble() - 0.2, 2);
    trials.push_back(std::move(t));
  }
  return trials;
}

Eigen::VectorXd Incumbent(const SearchSpace& space, const std::vector<Trial>& trials) {
  const Trial* best = &trials.front();
  for (const Trial& t : trials) {
    if (*t.final_value < *best->final_value) best = &t;
  }
  return EncodeForModel(space, best->parameters);
}

// The largest max-norm distance of `suggestions` from `point`.
double Farthest(const SearchSpace& space, const std::vector<ParameterValues>& suggestions,
                const Eigen::VectorXd& point) {
  double farthest = 0.0;
  for (const ParameterValues& p : suggestions)
    farthest = std::max(farthest, (EncodeForModel(space, p) - point).cwiseAbs().maxCoeff());
  return farthest;
}

}  // namespace

TEST_CASE("escape trials are every `every`-th of the study's last share, once an option is on",
          "[basin-escape]") {
  BasinEscapeOptions options;
  CHECK_FALSE(IsBasinEscapeTrial(options, 46, 60));  // the defaults change nothing: off
  options.keep_out_radius = 0.2;
  // The last 25% of 60 trials begins at trial 45; every other one from the second, as the
  // refinement phase's free trials.
  CHECK_FALSE(IsBasinEscapeTrial(options, 44, 60));
  CHECK_FALSE(IsBasinEscapeTrial(options, 45, 60));
  CHECK(IsBasinEscapeTrial(options, 46, 60));
  CHECK_FALSE(IsBasinEscapeTrial(options, 47, 60));
  CHECK(IsBasinEscapeTrial(options, 58, 60));
  options.share = 0.5;
  options.every = 3;
  CHECK_FALSE(IsBasinEscapeTrial(options, 31, 60));
  CHECK(IsBasinEscapeTrial(options, 32, 60));
  CHECK(IsBasinEscapeTrial(options, 35, 60));
  options.keep_out_radius = 0.0;
  CHECK_FALSE(IsBasinEscapeTrial(options, 35, 60));
  options.ucb_beta = 2.0;  // a UCB beta alone turns it on too
  CHECK(IsBasinEscapeTrial(options, 35, 60));
  CHECK_FALSE(IsBasinEscapeTrial(options, 35, 0));  // no maxTrials: no late phase
  options.every = 0;
  CHECK_FALSE(IsBasinEscapeTrial(options, 35, 60));
}

TEST_CASE("a keep-out box holds the points near the incumbent on its coordinates",
          "[basin-escape]") {
  const Eigen::Vector3d incumbent(0.05, 0.5, 0.9);
  const SearchBox box = KeepOutBox(incumbent, 0.1, {0, 2});
  CHECK_FALSE(box.Contains(incumbent));
  CHECK(box.Excess(incumbent) == Approx(0.1));  // the distance to the nearest face
  // The second coordinate is not bounded: any value of it is in the box.
  CHECK_FALSE(box.Contains(Eigen::Vector3d(0.0, 0.0, 0.95)));
  CHECK(box.Excess(Eigen::Vector3d(0.0, 0.0, 0.95)) == Approx(0.05));
  // Unlike a refinement box it is not clipped to the cube: 0.0 is 0.05 from the incumbent.
  CHECK(box.Contains(Eigen::Vector3d(0.2, 0.5, 0.9)));
  CHECK(box.Contains(Eigen::Vector3d(0.05, 0.5, 0.75)));
  CHECK(box.Penalize(-2.0, Eigen::Vector3d(0.2, 0.5, 0.9)) == -2.0);
  CHECK(box.Penalize(1e6, incumbent) < -1e9);
  CHECK(box.Penalize(1e6, incumbent) < box.Penalize(1e6, Eigen::Vector3d(0.1, 0.5, 0.9)));
  // A box on no coordinate keeps nothing out.
  CHECK(KeepOutBox(incumbent, 0.1, {}).Contains(incumbent));
}

TEST_CASE("with a keep-out box, the acquisition's maximiser stays out of it", "[basin-escape]") {
  const SearchSpace space = Square();
  const GaussianProcess gp = CornerGp();
  // Log EI's maximum lies next to the best observation, at the origin's corner.
  const AcquisitionFunction log_ei(AcquisitionKind::kLogExpectedImprovement, 1.0, 2.0);
  const Eigen::MatrixXd centers = gp.points().leftCols(1);
  const SearchBox box = KeepOutBox(gp.points().col(0), 0.3, {0, 1});
  const AcquisitionOptimizer optimizer(space);
  std::mt19937_64 rng(7);
  const auto near = optimizer.Maximize(gp, log_ei, centers, gp.points(), rng);
  REQUIRE(near);
  CHECK_FALSE(box.Contains(*near));
  const auto away = optimizer.Maximize(gp, log_ei, centers, gp.points(), rng, &box);
  REQUIRE(away);
  CHECK(box.Contains(*away));
  CHECK((*away - gp.points().col(0)).cwiseAbs().maxCoeff() >= 0.3 - 1e-9);
}

TEST_CASE("a sequential study's escape trials leave the incumbent's neighbourhood, batches do not",
          "[basin-escape]") {
  const StudySpec spec = BowlSpec(40);
  const SearchSpace space(spec.parameters);
  const std::vector<Trial> trials = BowlTrials(space, 30);
  const Eigen::VectorXd incumbent = Incumbent(space, trials);

  // Trial 30 of 40: log EI in the refinement box (half-width 0.2 at its first trial).
  GpBanditOptions options;
  GpBanditDesigner refining(options);
  const auto near = refining.Suggest({space, spec, trials, 1, 11});
  REQUIRE(near.size() == 1);
  CHECK(Farthest(space, near, incumbent) <= 0.2 + 1e-9);

  options.basin_escape.every = 1;  // every trial of the last 25% escapes
  options.basin_escape.keep_out_radius = 0.3;
  GpBanditDesigner escaping(options);
  const auto away = escaping.Suggest({space, spec, trials, 1, 11});
  REQUIRE(away.size() == 1);
  CHECK(Farthest(space, away, incumbent) >= 0.3 - 1e-9);
  // A batch (a parallel study) is chosen as without the option.
  const auto batch = escaping.Suggest({space, spec, trials, 3, 11});
  const auto batch_without = refining.Suggest({space, spec, trials, 3, 11});
  REQUIRE(batch.size() == 3);
  REQUIRE(batch_without.size() == 3);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    CHECK(EncodeForModel(space, batch[i]).isApprox(EncodeForModel(space, batch_without[i])));
  }
}

TEST_CASE("an escape trial may maximise UCB over the whole space instead", "[basin-escape]") {
  const StudySpec spec = BowlSpec(40);
  const SearchSpace space(spec.parameters);
  const std::vector<Trial> trials = BowlTrials(space, 30);
  const Eigen::VectorXd incumbent = Incumbent(space, trials);
  GpBanditOptions options;
  options.basin_escape.every = 1;
  options.basin_escape.ucb_beta = 6.0;
  GpBanditDesigner designer(options);
  const auto far = designer.Suggest({space, spec, trials, 1, 11});
  REQUIRE(far.size() == 1);
  // Without the option the point keeps to the refinement box (half-width 0.2): see above.
  CHECK(Farthest(space, far, incumbent) > 0.2);
}
