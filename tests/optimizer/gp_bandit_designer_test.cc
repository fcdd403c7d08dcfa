#include "bayestune/optimizer/gp_bandit_designer.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"
#include "value_shares.h"

using namespace bayestune;

namespace {

using Objective = std::function<std::optional<double>(const ParameterValues&)>;

StudySpec SpecOf(std::vector<ParameterSpec> parameters, Goal goal = Goal::kMaximize,
                 int max_trials = 100) {
  StudySpec spec;
  spec.goal = goal;
  spec.metric_tag = "y";
  spec.max_trials = max_trials;
  spec.parameters = std::move(parameters);
  return spec;
}

// Runs `rounds` suggestions of `batch` points through the designer alone, completing each with
// `objective` (nullopt: the trial fails). Returns the trials.
std::vector<Trial> RunDesigner(Designer& designer, const StudySpec& spec,
                               const Objective& objective, int rounds, int batch = 1) {
  const SearchSpace space(spec.parameters);
  std::vector<Trial> trials;
  for (int r = 0; r < rounds; ++r) {
    DesignerInput input{space, spec, trials, batch, 1000u + static_cast<unsigned>(r)};
    const auto points = designer.Suggest(input);
    REQUIRE(static_cast<int>(points.size()) == batch);
    for (const auto& p : points) {
      REQUIRE_NOTHROW(space.Validate(p));
      Trial t;
      t.id = static_cast<std::int64_t>(trials.size()) + 1;
      t.parameters = p;
      if (auto value = objective(p)) {
        t.state = std::isfinite(*value) ? TrialState::kSucceeded : TrialState::kInfeasible;
        if (t.state == TrialState::kSucceeded) t.final_value = *value;
      } else {
        t.state = TrialState::kFailed;
      }
      trials.push_back(std::move(t));
    }
  }
  return trials;
}

double X(const ParameterValues& p, const std::string& name = "x") {
  return p.at(name).AsDouble();
}

std::optional<double> BestValue(const std::vector<Trial>& trials, Goal goal) {
  std::optional<double> best;
  for (const Trial& t : trials) {
    if (!t.final_value) continue;
    if (!best || (goal == Goal::kMaximize ? *t.final_value > *best : *t.final_value < *best)) {
      best = t.final_value;
    }
  }
  return best;
}

}  // namespace

TEST_CASE("the GP finds the optimum of a smooth function, maximised or minimised", "[gp-bandit]") {
  for (Goal goal : {Goal::kMaximize, Goal::kMinimize}) {
    const StudySpec spec = SpecOf(
        {ParameterSpec::Double("x", -2, 2), ParameterSpec::Double("y", 0.01, 10, ScaleType::kLog)},
        goal);
    // The optimum is at x = 0.7, y = 1 (log y = 0) under either goal.
    const double sign = goal == Goal::kMaximize ? -1.0 : 1.0;
    auto f = [&](const ParameterValues& p) -> std::optional<double> {
      const double ly = std::log(X(p, "y"));
      return sign * ((X(p) - 0.7) * (X(p) - 0.7) + 0.5 * ly * ly);
    };
    GpBanditDesigner designer;
    const auto trials = RunDesigner(designer, spec, f, 25);
    INFO("goal " << GoalName(goal));
    CHECK(std::abs(*BestValue(trials, goal)) < 0.01);
  }
}

TEST_CASE("the same input gives the same suggestions", "[gp-bandit]") {
  const StudySpec spec =
      SpecOf({ParameterSpec::Double("x", 0, 1), ParameterSpec::Integer("n", 1, 9)});
  auto f = [](const ParameterValues& p) -> std::optional<double> {
    return std::sin(5 * X(p)) + 0.1 * X(p, "n");
  };
  GpBanditDesigner a;
  GpBanditDesigner b;
  const auto ta = RunDesigner(a, spec, f, 12);
  const auto tb = RunDesigner(b, spec, f, 12);
  for (std::size_t i = 0; i < ta.size(); ++i)
    CHECK(ta[i].parameters == tb[i].parameters);
}

TEST_CASE("a batch holds different points that avoid pending trials", "[gp-bandit]") {
  const StudySpec spec =
      SpecOf({ParameterSpec::Double("x", 0, 1), ParameterSpec::Double("y", 0, 1)});
  auto f = [](const ParameterValues& p) -> std::optional<double> {
    return -std::pow(X(p) - 0.3, 2) - std::pow(X(p, "y") - 0.6, 2);
  };
  GpBanditDesigner designer;
  std::vector<Trial> trials = RunDesigner(designer, spec, f, 10);
  // Two trials still running.
  for (int i = 0; i < 2; ++i) {
    Trial t;
    t.id = static_cast<std::int64_t>(trials.size()) + 1;
    t.state = i == 0 ? TrialState::kActive : TrialState::kRequested;
    t.parameters = {{"x", 0.3}, {"y", 0.6 + 0.01 * i}};
    trials.push_back(t);
  }
  const SearchSpace space(spec.parameters);
  const auto batch = designer.Suggest({space, spec, trials, 4, 77});
  REQUIRE(batch.size() == 4);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const double dx = X(batch[i]) - X(batch[j]);
      const double dy = X(batch[i], "y") - X(batch[j], "y");
      CHECK(std::hypot(dx, dy) > 1e-3);
    }
    for (const Trial& t : trials)
      CHECK_FALSE(batch[i] == t.parameters);
  }
}

TEST_CASE("integers, discretes and categoricals are feasible and never repeated", "[gp-bandit]") {
  // 3 x 2 x 2 = 12 points in all.
  const StudySpec spec =
      SpecOf({ParameterSpec::Integer("n", 1, 3), ParameterSpec::Categorical("c", {"a", "b"}),
              ParameterSpec::Discrete("d", {0.5, 2.0})});
  auto f = [](const ParameterValues& p) -> std::optional<double> {
    return X(p, "n") + (p.at("c").AsString() == "b" ? 1.0 : 0.0) - X(p, "d");
  };
  GpBanditDesigner designer;
  const auto trials = RunDesigner(designer, spec, f, 12);
  std::set<std::string> seen;
  for (const Trial& t : trials) {
    seen.insert(t.parameters.at("n").ToString() + t.parameters.at("c").ToString() +
                t.parameters.at("d").ToString());
  }
  CHECK(seen.size() == 12);
  // With the space used up, a repeat is all there is.
  const SearchSpace space(spec.parameters);
  const auto more = designer.Suggest({space, spec, trials, 2, 5});
  CHECK(more.size() == 2);
}

TEST_CASE("a categorical is optimised as a choice, not as a number", "[gp-bandit]") {
  // The best category sits in the middle of the list: an ordered encoding would struggle.
  const StudySpec spec = SpecOf({ParameterSpec::Categorical("c", {"a", "b", "c", "d", "e"}),
                                 ParameterSpec::Double("x", 0, 1)});
  auto f = [](const ParameterValues& p) -> std::optional<double> {
    const std::string c = p.at("c").AsString();
    const double bonus = c == "c" ? 1.0 : c == "a" ? 0.6 : c == "e" ? 0.5 : 0.0;
    return bonus - std::pow(X(p) - 0.5, 2);
  };
  GpBanditDesigner designer;
  const auto trials = RunDesigner(designer, spec, f, 25);
  int best_category = 0;
  for (std::size_t i = 12; i < trials.size(); ++i)
    best_category += trials[i].parameters.at("c").AsString() == "c";
  CHECK(best_category >= 7);
  CHECK(*BestValue(trials, Goal::kMaximize) > 0.99);
}

TEST_CASE("failed and infeasible trials push the search away from their region", "[gp-bandit]") {
  // Higher x is better, but every trial with x > 0.6 fails or is infeasible.
  const StudySpec spec =
      SpecOf({ParameterSpec::Double("x", 0, 1), ParameterSpec::Double("y", 0, 1)});
  int calls = 0;
  auto f = [&](const ParameterValues& p) -> std::optional<double> {
    ++calls;
    if (X(p) > 0.6) {
      if (calls % 2 == 0) return std::nullopt;
      return NAN;
    }
    return X(p) - 0.1 * std::pow(X(p, "y") - 0.5, 2);
  };
  GpBanditDesigner designer;
  const auto trials = RunDesigner(designer, spec, f, 30);
  int failed_late = 0;
  for (std::size_t i = 15; i < trials.size(); ++i)
    failed_late += trials[i].state != TrialState::kSucceeded;
  CHECK(failed_late <= 5);
  CHECK(*BestValue(trials, Goal::kMaximize) > 0.5);
  // No point is proposed twice, failed ones included.
  for (std::size_t i = 0; i < trials.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      CHECK_FALSE(trials[i].parameters == trials[j].parameters);
}

TEST_CASE("equal values and repeated points still give valid, new suggestions", "[gp-bandit]") {
  const StudySpec spec =
      SpecOf({ParameterSpec::Double("x", 0, 1), ParameterSpec::Integer("n", 0, 50)});
  const SearchSpace space(spec.parameters);
  std::vector<Trial> trials;
  for (int i = 0; i < 8; ++i) {
    Trial t;
    t.id = i + 1;
    t.state = TrialState::kSucceeded;
    t.final_value = 1.0;                                     // all equal
    t.parameters = {{"x", i < 5 ? 0.25 : 0.75}, {"n", 10}};  // repeated points
    trials.push_back(t);
  }
  GpBanditDesigner designer;
  const auto points = designer.Suggest({space, spec, trials, 3, 1});
  REQUIRE(points.size() == 3);
  for (const auto& p : points) {
    CHECK_NOTHROW(space.Validate(p));
    for (const Trial& t : trials)
      CHECK_FALSE(p == t.parameters);
  }
}

TEST_CASE("the model works from one and from two observations", "[gp-bandit]") {
  GpBanditOptions options;
  options.initial_points = 1;
  const StudySpec spec = SpecOf({ParameterSpec::Double("x", 0, 1)});
  auto f = [](const ParameterValues& p) -> std::optional<double> { return X(p); };
  GpBanditDesigner designer(options);
  const auto trials = RunDesigner(designer, spec, f, 3);
  CHECK(trials.size() == 3);
  CHECK(trials[1].parameters != trials[0].parameters);
  CHECK(trials[2].parameters != trials[1].parameters);
}

TEST_CASE("every parameter type together, and UCB as the acquisition", "[gp-bandit]") {
  const StudySpec spec =
      SpecOf({ParameterSpec::Double("lr", 1e-4, 1e-1, ScaleType::kLog),
              ParameterSpec::Integer("layers", 1, 8),
              ParameterSpec::Categorical("act", {"relu", "tanh", "gelu"}),
              ParameterSpec::Discrete("batch", {16, 32, 64, 128}),
              ParameterSpec::Double("momentum", 0.5, 0.999, ScaleType::kReverseLog),
              ParameterSpec::Categorical("fixed", {"only"})});
  auto f = [](const ParameterValues& p) -> std::optional<double> {
    const double lr = std::log10(X(p, "lr")) + 2.5;
    return -lr * lr - 0.05 * std::abs(X(p, "layers") - 4) +
           (p.at("act").AsString() == "gelu" ? 0.3 : 0.0) - 0.002 * std::abs(X(p, "batch") - 64) +
           X(p, "momentum");
  };
  for (AcquisitionKind kind :
       {AcquisitionKind::kLogExpectedImprovement, AcquisitionKind::kUpperConfidenceBound}) {
    GpBanditOptions options;
    options.acquisition = kind;
    GpBanditDesigner designer(options);
    const auto trials = RunDesigner(designer, spec, f, 30);
    double early = -1e9;
    for (std::size_t i = 0; i < 8; ++i)
      early = std::max(early, *trials[i].final_value);
    CHECK(*BestValue(trials, Goal::kMaximize) > early);
    CHECK(*BestValue(trials, Goal::kMaximize) > 1.0);
  }
}

TEST_CASE("a space with a single categorical value has one point to give", "[gp-bandit]") {
  const StudySpec spec = SpecOf({ParameterSpec::Categorical("only", {"one"})});
  const SearchSpace space(spec.parameters);
  GpBanditDesigner designer;
  const std::vector<Trial> none;
  const auto points = designer.Suggest({space, spec, none, 2, 1});
  REQUIRE(points.size() == 2);
  CHECK(points[0].at("only") == ParameterValue("one"));
  // Through a Study, as a user would.
  StudySpec study_spec = spec;
  study_spec.max_trials = 2;
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "single",
                           {.create_if_missing = true, .spec = study_spec});
  auto t = study->Suggest(1);
  REQUIRE(t.size() == 1);
  study->Complete(t[0].id, 1.0);
  CHECK(study->Suggest(1).size() == 1);
}

TEST_CASE("the initial design gives each INTEGER and DISCRETE value its share, the ends too",
          "[gp-bandit]") {
  // Sobol points rounded to the nearest value gave the end values half the others' share (INTEGER
  // 1..4: 1/6, 1/3, 1/3, 1/6 of the design; a DISCRETE [0.1, 0.2, 0.9] 0.1 one eighth), as random
  // search did before FeasibleRounding::RandomPoint. Nothing has finished: every point is the
  // design's. The DOUBLE keeps every point new.
  const StudySpec spec =
      SpecOf({ParameterSpec::Double("lr", 0.0, 1.0), ParameterSpec::Integer("n", 1, 4),
              ParameterSpec::Discrete("d", {0.1, 0.2, 0.9}),
              ParameterSpec::Integer("m", 1, 4, ScaleType::kLog)});
  const SearchSpace space(spec.parameters);
  GpBanditDesigner designer;
  constexpr int kPoints = 1200;
  const std::vector<Trial> none;
  const auto points = designer.Suggest({space, spec, none, kPoints, 3});
  REQUIRE(points.size() == kPoints);
  auto [n, d, m] = testing::CountValueShares(points);
  // A Sobol sequence is spread evenly: each value's share is met within a few points.
  for (std::int64_t v = 1; v <= 4; ++v)
    CHECK(std::abs(n[v] - kPoints / 4) < 15);
  for (double v : {0.1, 0.2, 0.9})
    CHECK(std::abs(d[v] - kPoints / 3) < 15);
  // On a log scale each value owns [v - 0.5, v + 0.5] of [0.5, 4.5] on the log scale: 1 half.
  CHECK(std::abs(m[1] - kPoints / 2) < 15);
  CHECK(std::abs(m[4] - static_cast<int>(kPoints * std::log(4.5 / 3.5) / std::log(9.0))) < 15);
}

TEST_CASE("a resumed study starts from what the previous one learnt", "[gp-bandit]") {
  auto repository = std::make_shared<InMemoryStudyRepository>();
  StudySpec first = SpecOf({ParameterSpec::Double("x", 0, 1)}, Goal::kMaximize, 12);
  first.seed = 0;
  auto f = [](double x) { return -(x - 0.3) * (x - 0.3); };
  auto previous = Study::Open(repository, "previous", {.create_if_missing = true, .spec = first});
  while (!previous->IsDone()) {
    for (const Trial& t : previous->Suggest(1))
      previous->Complete(t.id, f(X(t.parameters)));
  }
  StudySpec second = first;
  second.resume_previous_job_id = "previous";
  second.seed = 99;
  auto resumed = Study::Open(repository, "resumed", {.create_if_missing = true, .spec = second});
  // No initial design again: the GP proposes next to the optimum found before.
  const auto t = resumed->Suggest(1);
  REQUIRE(t.size() == 1);
  CHECK(std::abs(X(t[0].parameters) - 0.3) < 0.05);
}

TEST_CASE("refit points: every count at first, then ever sparser, never above the count",
          "[gp-bandit]") {
  GpBanditOptions options;
  options.refit_all_up_to = 200;
  options.refit_growth = 0.1;
  options.max_model_points = 1000;
  int previous = 0;
  std::set<int> points;
  for (int n = 1; n <= 10000; ++n) {
    const int point = GpBanditDesigner::RefitPoint(n, options);
    CHECK(point <= n);
    CHECK(point >= previous);
    if (n <= 200) CHECK(point == n);
    previous = point;
    points.insert(point);
  }
  // 200 at first, then about 10% more each time, at most 250 (max_model_points / 4) apart.
  CHECK(points.size() < 260);
  CHECK(points.size() > 230);
  CHECK(GpBanditDesigner::NextRefitPoint(1000, options) == 1100);
  CHECK(GpBanditDesigner::NextRefitPoint(5000, options) == 5250);
  options.refit_growth = 0;
  CHECK(GpBanditDesigner::RefitPoint(5000, options) == 5000);
}

namespace {

// Small settings so that refits, kept fits and a capped model all happen within a few dozen
// trials.
GpBanditOptions SmallCacheOptions() {
  GpBanditOptions options;
  options.refit_all_up_to = 12;
  options.refit_growth = 0.5;
  options.max_model_points = 30;
  return options;
}

std::optional<double> Bumpy(const ParameterValues& p) {
  return std::sin(6 * X(p)) * std::cos(4 * X(p, "y")) + 0.3 * X(p);
}

Trial FinishedTrial(std::int64_t id, ParameterValues p) {
  Trial t;
  t.id = id;
  t.state = TrialState::kSucceeded;
  t.final_value = *Bumpy(p);
  t.parameters = std::move(p);
  return t;
}

void CheckSamePoints(const std::vector<ParameterValues>& a, const std::vector<ParameterValues>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(X(a[i]) == Approx(X(b[i])).margin(1e-6));
    CHECK(X(a[i], "y") == Approx(X(b[i], "y")).margin(1e-6));
  }
}

}  // namespace

TEST_CASE("a designer that kept its fit and factor suggests what a fresh one computes",
          "[gp-bandit]") {
  const StudySpec spec = [] {
    StudySpec s = SpecOf({ParameterSpec::Double("x", 0, 1), ParameterSpec::Double("y", 0, 1)});
    s.seed = 7;
    return s;
  }();
  const SearchSpace space(spec.parameters);
  GpBanditDesigner kept(SmallCacheOptions());
  std::vector<Trial> trials;
  int reused = 0;
  int extended = 0;
  int capped = 0;
  for (int round = 0; round < 45; ++round) {
    const int count =
        round % 5 == 4 ? 3 : 1;  // batches too: fantasies must not leak into the cache
    const DesignerInput input{space, spec, trials, count, 500u + static_cast<unsigned>(round)};
    const auto from_kept = kept.Suggest(input);
    const GpBanditDesigner::CacheUse use = kept.LastCacheUse();
    GpBanditDesigner fresh(SmallCacheOptions());
    const auto from_fresh = fresh.Suggest(input);
    INFO("round " << round << ", " << trials.size() << " trials");
    CheckSamePoints(from_kept, from_fresh);
    CHECK_FALSE(fresh.LastCacheUse().hyperparameters_reused);
    CHECK_FALSE(fresh.LastCacheUse().factor_extended);
    reused += use.hyperparameters_reused ? 1 : 0;
    extended += use.factor_extended ? 1 : 0;
    capped += trials.size() > 30 ? 1 : 0;
    for (const auto& p : from_kept)
      trials.push_back(FinishedTrial(static_cast<std::int64_t>(trials.size()) + 1, p));
  }
  // Past 12 trials the fit is kept between refit points (12, 18, 27, 40, ...), and so is the
  // factor, also once the model is capped at 30 of the trials.
  CHECK(reused > 20);
  CHECK(extended > 20);
  CHECK(capped > 5);
}

TEST_CASE("with an explicit seed a long run is the same run every time", "[gp-bandit]") {
  StudySpec spec = SpecOf({ParameterSpec::Double("x", 0, 1), ParameterSpec::Double("y", 0, 1)});
  spec.seed = 11;
  GpBanditDesigner a(SmallCacheOptions());
  GpBanditDesigner b(SmallCacheOptions());
  const auto ta = RunDesigner(a, spec, Bumpy, 40);
  const auto tb = RunDesigner(b, spec, Bumpy, 40);
  REQUIRE(ta.size() == tb.size());
  for (std::size_t i = 0; i < ta.size(); ++i)
    CHECK(ta[i].parameters == tb[i].parameters);
  // Another seed gives another run (past the shared start).
  spec.seed = 12;
  GpBanditDesigner c(SmallCacheOptions());
  const auto tc = RunDesigner(c, spec, Bumpy, 40);
  int differ = 0;
  for (std::size_t i = 0; i < ta.size(); ++i)
    differ += ta[i].parameters == tc[i].parameters ? 0 : 1;
  CHECK(differ > 30);
}
