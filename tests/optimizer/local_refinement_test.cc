// The late-study options of GpBanditOptions (docs/optimizer.md, "Refinement late in a study"):
// LocalRefinementOptions (the search keeps to a box around the incumbent) and parallel_ucb_share.
// Each test fails when its option does nothing.
#include "local_refinement.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>

#include "acquisition_function.h"
#include "acquisition_optimizer.h"
#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/search_space.h"
#include "bayestune/optimizer/study.h"
#include "corner_gp.h"
#include "gaussian_process.h"
#include "model_encoding.h"

using namespace bayestune;

namespace {

using testing::CornerGp;
using testing::Square;

StudySpec SpecOf(std::vector<ParameterSpec> parameters, int max_trials) {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "y";
  spec.max_trials = max_trials;
  spec.seed = 5;
  spec.parameters = std::move(parameters);
  return spec;
}

// Finished trials of `f` at `count` random points of `space` (seeded), as a designer reads them.
template <typename F>
std::vector<Trial> RandomTrials(const SearchSpace& space, int count, F f, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<Trial> trials;
  for (int i = 0; i < count; ++i) {
    Eigen::VectorXd x(space.ModelDimensions());
    for (Eigen::Index c = 0; c < x.size(); ++c)
      x[c] = uniform(rng);
    Trial t;
    t.id = i + 1;
    t.parameters = DecodeFromModel(space, x);
    t.state = TrialState::kSucceeded;
    t.final_value = f(t.parameters);
    trials.push_back(std::move(t));
  }
  return trials;
}

double Bowl(const ParameterValues& p) {
  return std::pow(p.at("a").AsDouble() - 0.7, 2) + std::pow(p.at("b").AsDouble() - 0.2, 2);
}

// The incumbent (lowest value) of `trials`, in model coordinates.
Eigen::VectorXd Incumbent(const SearchSpace& space, const std::vector<Trial>& trials) {
  const Trial* best = &trials.front();
  for (const Trial& t : trials) {
    if (*t.final_value < *best->final_value) best = &t;
  }
  return EncodeForModel(space, best->parameters);
}

// The designer-level tests' study: maxTrials `max_trials` over the unit square (a, b), `count`
// trials of Bowl at random points (seeded) done, and their incumbent.
struct BowlStudy {
  BowlStudy(int max_trials, int count, std::uint64_t seed)
      : spec(SpecOf({ParameterSpec::Double("a", 0.0, 1.0), ParameterSpec::Double("b", 0.0, 1.0)},
                    max_trials)),
        space(spec.parameters),
        trials(RandomTrials(space, count, Bowl, seed)),
        incumbent(Incumbent(space, trials)) {}

  // How far `p` is from the incumbent (max norm, model coordinates).
  double Distance(const ParameterValues& p) const {
    return (EncodeForModel(space, p) - incumbent).cwiseAbs().maxCoeff();
  }

  StudySpec spec;
  SearchSpace space;
  std::vector<Trial> trials;
  Eigen::VectorXd incumbent;
};

// A refinement box of half-width `radius` from the last `share` of the study on, not shrinking,
// every point in it.
void FixedBox(LocalRefinementOptions& refinement, double share, double radius) {
  refinement.share = share;
  refinement.radius = radius;
  refinement.final_radius = radius;
  refinement.free_every = 0;
}

// UCB (beta 4) throughout, which alone explores far from the incumbent.
void UcbThroughout(GpBanditOptions& options) {
  options.acquisition_mix = AcquisitionMix::kSingle;
  options.acquisition = AcquisitionKind::kUpperConfidenceBound;
  options.ucb_beta = 4.0;
}

}  // namespace

TEST_CASE("the refinement box starts at the share of maxTrials and shrinks geometrically",
          "[local-refinement]") {
  LocalRefinementOptions options;
  options.share = 0.0;
  CHECK_FALSE(LocalRefinementRadius(options, 59, 60));  // off
  options.share = 0.25;
  options.radius = 0.2;
  options.final_radius = 0.05;
  options.free_every = 0;
  CHECK_FALSE(LocalRefinementRadius(options, 44, 60));
  REQUIRE(LocalRefinementRadius(options, 45, 60));
  CHECK(*LocalRefinementRadius(options, 45, 60) == Approx(0.2));
  CHECK(*LocalRefinementRadius(options, 52, 60) == Approx(0.1));  // halfway: the geometric mean
  CHECK(*LocalRefinementRadius(options, 59, 60) == Approx(0.05));
  CHECK(*LocalRefinementRadius(options, 80, 60) == Approx(0.05));  // past maxTrials: the last
  // Every other trial of the phase free: the second, the fourth, ...
  options.free_every = 2;
  CHECK(LocalRefinementRadius(options, 45, 60));
  CHECK_FALSE(LocalRefinementRadius(options, 46, 60));
  CHECK(LocalRefinementRadius(options, 47, 60));
  CHECK_FALSE(LocalRefinementRadius(options, 48, 60));
  options.free_every = 0;
  // Without maxTrials there is no late phase; a radius of 0 turns it off.
  CHECK_FALSE(LocalRefinementRadius(options, 59, 0));
  options.final_radius = 0.0;
  CHECK_FALSE(LocalRefinementRadius(options, 59, 60));
}

TEST_CASE("the box bounds the ordered coordinates around the incumbent, clipped to the cube",
          "[local-refinement]") {
  const Eigen::Vector3d incumbent(0.05, 0.5, 1.0);
  const SearchBox box = BoxAround(incumbent, 0.1, {0, 2});
  CHECK(box.lower[0] == 0.0);
  CHECK(box.upper[0] == Approx(0.15));
  CHECK(box.lower[1] == 0.0);  // not an ordered coordinate: free
  CHECK(box.upper[1] == 1.0);
  CHECK(box.lower[2] == Approx(0.9));
  CHECK(box.upper[2] == 1.0);
  CHECK(box.Contains(Eigen::Vector3d(0.1, 0.0, 0.95)));
  const Eigen::Vector3d outside(0.2, 0.5, 0.95);
  CHECK(box.Excess(outside) == Approx(0.05));
  CHECK(box.Penalize(1e6, outside) < -1e9);
  CHECK(box.Penalize(1e6, outside) > box.Penalize(1e6, Eigen::Vector3d(0.3, 0.5, 0.95)));
  CHECK(box.Penalize(-2.0, incumbent) == -2.0);
}

TEST_CASE("with a box, the acquisition's maximiser stays in it", "[local-refinement]") {
  const SearchSpace space = Square();
  const GaussianProcess gp = CornerGp();
  const AcquisitionFunction ucb(AcquisitionKind::kUpperConfidenceBound, 1.0, 3.0);
  const Eigen::MatrixXd centers = gp.points().leftCols(1);
  const SearchBox box = BoxAround(gp.points().col(0), 0.1, {0, 1});
  const AcquisitionOptimizer optimizer(space);
  std::mt19937_64 rng(7);
  const auto free = optimizer.Maximize(gp, ucb, centers, {}, rng);
  REQUIRE(free);
  CHECK_FALSE(box.Contains(*free));  // UCB alone goes far from the data
  const auto boxed = optimizer.Maximize(gp, ucb, centers, {}, rng, &box);
  REQUIRE(boxed);
  CHECK(box.Contains(*boxed));
}

TEST_CASE("late in a study the GP's suggestions stay near the incumbent", "[local-refinement]") {
  const BowlStudy s(40, 30, 3);
  GpBanditOptions options;
  FixedBox(options.local_refinement, 0.25, 0.02);  // trials 30 to 39
  options.local_refinement.parallel_share = -1.0;  // batches too: `share`
  UcbThroughout(options);
  GpBanditDesigner refining(options);
  const auto near = refining.Suggest({s.space, s.spec, s.trials, 4, 11});
  REQUIRE(near.size() == 4);
  for (const ParameterValues& p : near)
    CHECK(s.Distance(p) <= 0.02 + 1e-9);
  options.local_refinement.share = 0.0;
  GpBanditDesigner exploring(options);
  const auto far = exploring.Suggest({s.space, s.spec, s.trials, 4, 11});
  REQUIRE(far.size() == 4);
  double farthest = 0.0;
  for (const ParameterValues& p : far)
    farthest = std::max(farthest, s.Distance(p));
  CHECK(farthest > 0.1);
}

TEST_CASE("a parallel study's UCB share changes batches, not sequential suggestions",
          "[local-refinement]") {
  const BowlStudy s(60, 24, 9);
  GpBanditOptions options;  // UCB for trials 0 to 44, in a parallel study 0 to 29
  GpBanditDesigner by_default(options);
  options.parallel_ucb_share = 0.3;  // log EI from trial 18 in a parallel study
  GpBanditDesigner parallel(options);
  // One at a time, nothing pending: the same suggestion.
  CHECK(by_default.Suggest({s.space, s.spec, s.trials, 1, 4}) ==
        parallel.Suggest({s.space, s.spec, s.trials, 1, 4}));
  // A batch (and one suggestion beside a pending trial) is made with log EI instead of UCB.
  CHECK(by_default.Suggest({s.space, s.spec, s.trials, 3, 4}) !=
        parallel.Suggest({s.space, s.spec, s.trials, 3, 4}));
  std::vector<Trial> with_pending = s.trials;
  Trial pending;
  pending.id = 25;
  pending.state = TrialState::kActive;
  pending.parameters = {{"a", 0.5}, {"b", 0.5}};
  with_pending.push_back(pending);
  CHECK(by_default.Suggest({s.space, s.spec, with_pending, 1, 4}) !=
        parallel.Suggest({s.space, s.spec, with_pending, 1, 4}));
}

TEST_CASE(
    "refinement batches stay distinct and valid on integer, categorical and conditional "
    "spaces",
    "[local-refinement]") {
  auto under = [](ParameterSpec spec, std::string parent, std::vector<ParameterValue> values) {
    spec.condition = ParentCondition{std::move(parent), std::move(values)};
    return spec;
  };
  StudySpec spec = SpecOf(
      {ParameterSpec::Categorical("kind", {"small", "large"}),
       under(ParameterSpec::Integer("width", 1, 6), "kind", {ParameterValue(std::string("large"))}),
       ParameterSpec::Integer("depth", 1, 4), ParameterSpec::Double("rate", 0.0, 1.0),
       ParameterSpec::Discrete("batch", {16, 32, 64})},
      48);
  GpBanditOptions options;
  options.local_refinement.share = 0.5;  // from trial 24 on, a tight box
  options.local_refinement.radius = 0.05;
  options.local_refinement.final_radius = 0.01;
  options.local_refinement.free_every = 0;
  options.parallel_ucb_share = 0.3;
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "boxed",
                           {.create_if_missing = true,
                            .spec = spec,
                            .designer = std::make_unique<GpBanditDesigner>(options)});
  std::set<std::string> seen;
  while (!study->IsDone()) {
    const std::vector<Trial> batch = study->Suggest(4);
    REQUIRE(batch.size() == 4);
    for (const Trial& t : batch) {
      REQUIRE_NOTHROW(study->space().Validate(t.parameters));
      std::string key;
      for (const auto& [name, value] : t.parameters)
        key += name + "=" + value.ToString() + ";";
      CHECK(seen.insert(key).second);  // never a repeat, even with a box of few points
      const bool large = t.parameters.at("kind").AsString() == "large";
      CHECK(t.parameters.count("width") == (large ? 1u : 0u));
      const double width = large ? static_cast<double>(t.parameters.at("width").AsInteger()) : 0.0;
      study->Complete(t.id, std::pow(t.parameters.at("rate").AsDouble() - 0.3, 2) +
                                std::abs(width - 4.0) * 0.1 +
                                0.05 * static_cast<double>(t.parameters.at("depth").AsInteger()));
    }
  }
  CHECK(seen.size() == 48);
}

TEST_CASE("a parallel study's refinement share changes batches, not sequential suggestions",
          "[local-refinement]") {
  const BowlStudy s(60, 36, 13);
  GpBanditOptions options;
  UcbThroughout(options);
  GpBanditDesigner by_default(options);
  FixedBox(options.local_refinement, options.local_refinement.share, 0.02);
  options.local_refinement.parallel_share = 0.5;  // from trial 30, in a parallel study only
  GpBanditDesigner parallel(options);
  CHECK(by_default.Suggest({s.space, s.spec, s.trials, 1, 8}) ==
        parallel.Suggest({s.space, s.spec, s.trials, 1, 8}));
  const auto batch = parallel.Suggest({s.space, s.spec, s.trials, 3, 8});
  REQUIRE(batch.size() == 3);
  for (const ParameterValues& p : batch)
    CHECK(s.Distance(p) <= 0.02 + 1e-9);
  CHECK(by_default.Suggest({s.space, s.spec, s.trials, 3, 8}) != batch);
}

TEST_CASE("in the refinement phase a parallel study's points may maximise UCB instead",
          "[local-refinement]") {
  const BowlStudy s(60, 50, 17);
  GpBanditOptions options;  // log EI from trial 45
  FixedBox(options.local_refinement, 0.25, 0.1);
  GpBanditDesigner log_ei(options);
  options.local_refinement.parallel_ucb_beta = 0.5;
  GpBanditDesigner ucb(options);
  CHECK(log_ei.Suggest({s.space, s.spec, s.trials, 1, 2}) ==
        ucb.Suggest({s.space, s.spec, s.trials, 1, 2}));
  const auto log_ei_batch = log_ei.Suggest({s.space, s.spec, s.trials, 4, 2});
  const auto ucb_batch = ucb.Suggest({s.space, s.spec, s.trials, 4, 2});
  REQUIRE(ucb_batch.size() == 4);
  CHECK(log_ei_batch != ucb_batch);
  for (const ParameterValues& p : ucb_batch)
    CHECK(s.Distance(p) <= 0.1 + 1e-9);
}

TEST_CASE("the local model's trials are those nearest the incumbent on the refined coordinates",
          "[local-refinement]") {
  Eigen::MatrixXd points(2, 5);
  points << 0.5, 0.9, 0.45, 0.1, 0.6,  //
      0.0, 0.5, 1.0, 0.5, 0.5;
  const Eigen::Vector2d center(0.5, 0.5);
  // On the first coordinate only (the second a categorical's, say): 0.5, 0.45 and 0.6, then 0.9
  // and 0.1 (0.4 away each) in column order.
  CHECK(NearestColumns(points, center, {0}, 3) == std::vector<Eigen::Index>{0, 2, 4});
  CHECK(NearestColumns(points, center, {0}, 10) == std::vector<Eigen::Index>{0, 2, 4, 1, 3});
  // On both: column 4 (0.1 away) first, then 1 and 3 (0.4), then 0 and 2 (0.5).
  CHECK(NearestColumns(points, center, {0, 1}, 5) == std::vector<Eigen::Index>{4, 1, 3, 0, 2});
}

TEST_CASE(
    "a batch's first point in the box is a local model's, and sequential suggestions "
    "stay the same",
    "[local-refinement]") {
  const StudySpec spec =
      SpecOf({ParameterSpec::Double("a", 0.0, 1.0), ParameterSpec::Double("b", 0.0, 1.0)}, 60);
  const SearchSpace space(spec.parameters);
  const std::vector<Trial> trials = RandomTrials(space, 50, Bowl, 17);
  const Eigen::VectorXd incumbent = Incumbent(space, trials);
  GpBanditOptions options;  // log EI and the box from trial 30 in a parallel study
  options.local_refinement.radius = 0.1;
  options.local_refinement.final_radius = 0.1;
  options.local_refinement.free_every = 0;
  options.local_refinement.parallel_local_model_points = 0;
  GpBanditDesigner global_model(options);
  options.local_refinement.parallel_local_model_points = 12;
  GpBanditDesigner local_model(options);
  // One at a time, nothing pending: the same suggestion (the study's GP).
  CHECK(global_model.Suggest({space, spec, trials, 1, 2}) ==
        local_model.Suggest({space, spec, trials, 1, 2}));
  const auto global_batch = global_model.Suggest({space, spec, trials, 4, 2});
  const auto local_batch = local_model.Suggest({space, spec, trials, 4, 2});
  REQUIRE(local_batch.size() == 4);
  CHECK(global_batch[0] != local_batch[0]);
  for (const ParameterValues& p : local_batch)
    CHECK((EncodeForModel(space, p) - incumbent).cwiseAbs().maxCoeff() <= 0.1 + 1e-9);
  // Fewer finished trials than the local model wants: the study's GP, the same batch.
  options.local_refinement.parallel_local_model_points = 51;
  CHECK(GpBanditDesigner(options).Suggest({space, spec, trials, 4, 2}) == global_batch);
}

TEST_CASE("a batch's free points search outside the refinement box", "[local-refinement]") {
  const BowlStudy s(40, 30, 3);
  GpBanditOptions options;
  FixedBox(options.local_refinement, 0.25, 0.02);
  options.local_refinement.parallel_free_points = 1;
  UcbThroughout(options);
  GpBanditDesigner designer(options);
  const auto batch = designer.Suggest({s.space, s.spec, s.trials, 4, 11});
  REQUIRE(batch.size() == 4);
  for (std::size_t i = 0; i < 3; ++i)
    CHECK(s.Distance(batch[i]) <= 0.02 + 1e-9);
  CHECK(s.Distance(batch[3]) > 0.1);
  // One at a time, the point is boxed: free points are a batch's.
  const auto one = designer.Suggest({s.space, s.spec, s.trials, 1, 11});
  REQUIRE(one.size() == 1);
  CHECK(s.Distance(one[0]) <= 0.02 + 1e-9);
}

TEST_CASE("the box bounds the incumbent's active numeric parameters only", "[local-refinement]") {
  ParameterSpec width = ParameterSpec::Integer("width", 1, 6);
  width.condition = ParentCondition{"kind", {ParameterValue(std::string("large"))}};
  const SearchSpace space({ParameterSpec::Categorical("kind", {"small", "large"}), width,
                           ParameterSpec::Double("rate", 0.0, 1.0)});
  const int width_coordinate = space.ModelSlice(1).offset;
  const int rate_coordinate = space.ModelSlice(2).offset;
  const Eigen::VectorXd small =
      EncodeForModel(space, {{"kind", std::string("small")}, {"rate", 0.3}});
  const Eigen::VectorXd large = EncodeForModel(
      space, {{"kind", std::string("large")}, {"width", std::int64_t{4}}, {"rate", 0.3}});
  // In the "small" branch, width is a placeholder: the box leaves it (and the choice) free.
  CHECK(RefinedCoordinates(space, small) == std::vector<int>{rate_coordinate});
  CHECK(RefinedCoordinates(space, large) == std::vector<int>{width_coordinate, rate_coordinate});
  const SearchBox box = BoxAround(small, 0.05, RefinedCoordinates(space, small));
  CHECK(box.lower[width_coordinate] == 0.0);
  CHECK(box.upper[width_coordinate] == 1.0);
  CHECK(box.upper[rate_coordinate] == Approx(0.35));
}
