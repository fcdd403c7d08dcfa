// GpBanditOptions::ucb_margin (docs/optimizer.md, "Leaving a local basin"): a study's
// UCB trials keep off the faces of the cube on the DOUBLE coordinates. Each test fails when the
// option does nothing.
#include "ucb_margin.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/search_space.h"
#include "model_encoding.h"

using namespace bayestune;

namespace {

StudySpec SquareSpec(int max_trials) {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "y";
  spec.max_trials = max_trials;
  spec.seed = 5;
  spec.parameters = {ParameterSpec::Double("a", 0.0, 1.0), ParameterSpec::Double("b", 0.0, 1.0)};
  return spec;
}

// `count` finished trials of a bowl with its minimum at (0.7, 0.2), at random points of the
// corner [0, 0.3]^2 (seeded).
std::vector<Trial> CornerTrials(int count) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0.0, 0.3);
  std::vector<Trial> trials;
  for (int i = 0; i < count; ++i) {
    Trial t;
    t.id = i + 1;
    const double a = uniform(rng);
    const double b = uniform(rng);
    t.parameters = {{"a", a}, {"b", b}};
    t.state = TrialState::kSucceeded;
    t.final_value = std::pow(a - 0.7, 2) + std::pow(b - 0.2, 2);
    trials.push_back(std::move(t));
  }
  return trials;
}

}  // namespace

TEST_CASE("the UCB margin box bounds the DOUBLE coordinates only", "[ucb-margin]") {
  const SearchSpace space({ParameterSpec::Double("lr", 1e-4, 1.0, ScaleType::kLog),
                           ParameterSpec::Integer("layers", 1, 2),
                           ParameterSpec::Categorical("opt", {"sgd", "adam"})});
  CHECK_FALSE(UcbMarginBox(space, 0.0));  // off
  const std::optional<SearchBox> box = UcbMarginBox(space, 0.05);
  REQUIRE(box);
  const int lr = space.ModelSlice(0).offset;
  const int layers = space.ModelSlice(1).offset;
  CHECK(box->lower[lr] == Approx(0.05));
  CHECK(box->upper[lr] == Approx(0.95));
  // Two integer values lie on the faces: a margin would leave no feasible point inside.
  CHECK(box->lower[layers] == 0.0);
  CHECK(box->upper[layers] == 1.0);
  for (int c = space.ModelSlice(2).offset;
       c < space.ModelSlice(2).offset + space.ModelSlice(2).width; ++c) {
    CHECK(box->lower[c] == 0.0);
    CHECK(box->upper[c] == 1.0);
  }
  // No DOUBLE parameter: nothing to bound.
  CHECK_FALSE(UcbMarginBox(SearchSpace({ParameterSpec::Integer("n", 1, 5)}), 0.05));
}

TEST_CASE("with a UCB margin, a sequential study's UCB trials keep off the cube's faces",
          "[ucb-margin]") {
  const StudySpec spec = SquareSpec(40);
  const SearchSpace space(spec.parameters);
  // Ten trials in the corner near the origin: UCB's variance term pulls far from them, to the
  // opposite faces.
  const std::vector<Trial> trials = CornerTrials(10);
  auto on_a_face = [&](const ParameterValues& p) {
    const Eigen::VectorXd x = EncodeForModel(space, p);
    return (x.array() <= 1e-9).any() || (x.array() >= 1.0 - 1e-9).any();
  };
  GpBanditOptions options;
  options.ucb_margin = 0.0;
  options.ucb_beta = 4.0;
  GpBanditDesigner plain(options);
  const auto free = plain.Suggest({space, spec, trials, 1, 11});  // trial 10 of 40: UCB
  REQUIRE(free.size() == 1);
  CHECK(on_a_face(free.front()));
  options.ucb_margin = 0.1;
  GpBanditDesigner inner(options);
  const auto kept = inner.Suggest({space, spec, trials, 1, 11});
  REQUIRE(kept.size() == 1);
  const Eigen::VectorXd x = EncodeForModel(space, kept.front());
  CHECK(x.minCoeff() >= 0.1 - 1e-9);
  CHECK(x.maxCoeff() <= 0.9 + 1e-9);
  // Only before ucb_margin_share of maxTrials: trial 10 of 40 is past a share of 0.25.
  options.ucb_margin_share = 0.25;
  GpBanditDesigner early_only(options);
  const auto late = early_only.Suggest({space, spec, trials, 1, 11});
  REQUIRE(late.size() == 1);
  CHECK(on_a_face(late.front()));
  options.ucb_margin_share = 0.3;  // trial 10 is before 12
  GpBanditDesigner early(options);
  const auto still = early.Suggest({space, spec, trials, 1, 11});
  REQUIRE(still.size() == 1);
  CHECK_FALSE(on_a_face(still.front()));
}

TEST_CASE("with a UCB margin, a batch's UCB points keep off the cube's faces too", "[ucb-margin]") {
  const StudySpec spec = SquareSpec(40);
  const SearchSpace space(spec.parameters);
  const std::vector<Trial> trials = CornerTrials(10);  // trial 10 of 40: a batch's UCB phase
  GpBanditOptions options;
  options.ucb_beta = 4.0;
  options.ucb_margin = 0.0;
  const auto free = GpBanditDesigner(options).Suggest({space, spec, trials, 4, 11});
  REQUIRE(free.size() == 4);
  int on_faces = 0;
  for (const ParameterValues& p : free) {
    const Eigen::VectorXd x = EncodeForModel(space, p);
    if ((x.array() <= 1e-9).any() || (x.array() >= 1.0 - 1e-9).any()) ++on_faces;
  }
  CHECK(on_faces > 0);
  options.ucb_margin = 0.1;
  const auto kept = GpBanditDesigner(options).Suggest({space, spec, trials, 4, 11});
  REQUIRE(kept.size() == 4);
  for (const ParameterValues& p : kept) {
    const Eigen::VectorXd x = EncodeForModel(space, p);
    CHECK(x.minCoeff() >= 0.1 - 1e-9);
    CHECK(x.maxCoeff() <= 0.9 + 1e-9);
  }
}
