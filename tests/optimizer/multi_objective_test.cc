// Multi-objective studies in the optimizer library: the Pareto computation (hand-worked cases),
// a study's objective values and ranking, and the GP bandit's suggestions for several objectives.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/optimizer/study.h"
#include "study_spec_json.h"

using namespace bayestune;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::vector<Goal> kMaxMin = {Goal::kMaximize, Goal::kMinimize};

std::vector<std::size_t> OptimalIndices(const std::vector<std::vector<double>>& points,
                                        const std::vector<Goal>& goals) {
  const std::vector<bool> optimal = ParetoOptimal(points, goals);
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < optimal.size(); ++i) {
    if (optimal[i]) out.push_back(i);
  }
  return out;
}

StudySpec TwoObjectiveSpec(Algorithm algorithm = Algorithm::kRandomSearch, int max_trials = 10) {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.goal = Goal::kMaximize;
  spec.metrics = {{"accuracy", Goal::kMaximize}, {"latency", Goal::kMinimize}};
  spec.max_trials = max_trials;
  spec.algorithm = algorithm;
  spec.seed = 7;
  spec.parameters = {ParameterSpec::Double("x", 0, 1), ParameterSpec::Double("y", 0, 1)};
  return spec;
}

}  // namespace

TEST_CASE("Pareto: a hand-worked front of accuracy (max) and latency (min)", "[pareto]") {
  // 0 (0.9, 10) and 1 (0.8, 5) trade off; 2 (0.85, 12) is dominated by 0; 3 (0.7, 5) by 1
  // (equal latency, worse accuracy); 4 (0.95, 20) is the most accurate.
  const std::vector<std::vector<double>> points = {
      {0.9, 10}, {0.8, 5}, {0.85, 12}, {0.7, 5}, {0.95, 20}};
  CHECK(OptimalIndices(points, kMaxMin) == std::vector<std::size_t>{0, 1, 4});
  CHECK(ParetoRanks(points, kMaxMin) == std::vector<int>{0, 0, 1, 1, 0});
  CHECK(Dominates(points[1], points[3], kMaxMin));
  CHECK_FALSE(Dominates(points[3], points[1], kMaxMin));
  CHECK_FALSE(Dominates(points[0], points[1], kMaxMin));
  // The goals decide: both maximised, (0.95, 20) dominates all.
  CHECK(OptimalIndices(points, {Goal::kMaximize, Goal::kMaximize}) == std::vector<std::size_t>{4});
}

TEST_CASE("Pareto: exact duplicates are both optimal, and ties in one objective are kept",
          "[pareto]") {
  const std::vector<std::vector<double>> points = {{1, 1}, {1, 1}, {2, 2}, {0.5, 1}};
  // (1, 1) twice: neither dominates the other; (2, 2) trades off with them (max, min).
  CHECK(OptimalIndices(points, kMaxMin) == std::vector<std::size_t>{0, 1, 2});
  CHECK_FALSE(Dominates(points[0], points[1], kMaxMin));
  CHECK(ParetoRanks(points, kMaxMin) == std::vector<int>{0, 0, 0, 1});
  // Equal in the first objective, better in the second: dominates.
  CHECK(OptimalIndices({{1, 2}, {1, 1}}, kMaxMin) == std::vector<std::size_t>{1});
}

TEST_CASE("Pareto: a point with a NaN or a missing value is dominated and dominates nothing",
          "[pareto]") {
  const std::vector<std::vector<double>> points = {{kNaN, 0}, {0.1, 100}, {0.5}, {1, kNaN}};
  // (kNaN, 0) would have the best latency; it is never optimal.
  CHECK(OptimalIndices(points, kMaxMin) == std::vector<std::size_t>{1});
  CHECK_FALSE(Dominates(points[0], points[1], kMaxMin));
  CHECK_FALSE(Dominates(points[1], points[0], kMaxMin));
  CHECK(ParetoRanks(points, kMaxMin) == std::vector<int>{1, 0, 1, 1});
  CHECK(OptimalIndices({{kNaN, kNaN}}, kMaxMin).empty());
  CHECK(OptimalIndices({}, kMaxMin).empty());
}

TEST_CASE("Pareto: three objectives", "[pareto]") {
  const std::vector<Goal> goals = {Goal::kMinimize, Goal::kMinimize, Goal::kMinimize};
  const std::vector<std::vector<double>> points = {{1, 0, 0}, {0, 1, 0},       {0, 0, 1},
                                                   {1, 1, 1}, {0.5, 0.5, 0.5}, {1, 1, 0}};
  CHECK(OptimalIndices(points, goals) == std::vector<std::size_t>{0, 1, 2, 4});
  CHECK(ParetoRanks(points, goals) == std::vector<int>{0, 0, 0, 2, 0, 1});
}

TEST_CASE("Pareto: ranks equal the fronts peeled one by one, on random points", "[pareto]") {
  // The definition, slowly: rank 0 for the points no other usable point of the rest dominates,
  // then the same on what is left; unusable points (NaN, missing) after the last front.
  const auto peeled = [](const std::vector<std::vector<double>>& points,
                         const std::vector<Goal>& goals) {
    std::vector<int> rank(points.size(), -1);
    std::vector<bool> usable(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
      usable[i] =
          points[i].size() == goals.size() &&
          std::none_of(points[i].begin(), points[i].end(), [](double v) { return std::isnan(v); });
    }
    int level = 0;
    for (bool left = true; left; ++level) {
      left = false;
      std::vector<std::size_t> front;
      for (std::size_t i = 0; i < points.size(); ++i) {
        if (!usable[i] || rank[i] >= 0) continue;
        left = true;
        bool dominated = false;
        for (std::size_t j = 0; j < points.size() && !dominated; ++j) {
          dominated = usable[j] && rank[j] < 0 && Dominates(points[j], points[i], goals);
        }
        if (!dominated) front.push_back(i);
      }
      for (std::size_t i : front)
        rank[i] = level;
      if (!left) break;
    }
    for (int& r : rank) {
      if (r < 0) r = level;
    }
    return rank;
  };
  std::mt19937_64 rng(11);
  for (int round = 0; round < 200; ++round) {
    const std::size_t objectives = 1 + round % 4;
    std::vector<Goal> goals;
    for (std::size_t k = 0; k < objectives; ++k)
      goals.push_back(rng() % 2 ? Goal::kMaximize : Goal::kMinimize);
    const std::size_t n = rng() % 60;
    std::vector<std::vector<double>> points;
    for (std::size_t i = 0; i < n; ++i) {
      // Few distinct values, so that ties, duplicates and chains are common.
      std::vector<double> p;
      for (std::size_t k = 0; k < objectives; ++k) {
        const auto pick = rng() % 12;
        p.push_back(pick == 0   ? kNaN
                    : pick == 1 ? std::numeric_limits<double>::infinity()
                    : pick == 2 ? -std::numeric_limits<double>::infinity()
                                : static_cast<double>(pick % 5) - 2);
      }
      if (rng() % 40 == 0) p.pop_back();  // a missing value
      points.push_back(std::move(p));
    }
    INFO("round " << round);
    CHECK(ParetoRanks(points, goals) == peeled(points, goals));
  }
  // Two competing objectives over 10,000 points, as a large two-objective study has: every point
  // of the trade-off on front 0, each shifted copy one front further.
  std::vector<std::vector<double>> trade_off;
  for (int i = 0; i < 10'000; ++i)
    trade_off.push_back({i % 2'500 + 0.0, (i % 2'500) + i / 2'500 * 0.5});
  const std::vector<int> ranks = ParetoRanks(trade_off, {Goal::kMaximize, Goal::kMinimize});
  for (int i = 0; i < 10'000; ++i) {
    INFO("point " << i);
    REQUIRE(ranks[static_cast<std::size_t>(i)] == i / 2'500);
  }
}

TEST_CASE("a multi-objective spec: validation, Objectives, JSON round trip", "[pareto][spec]") {
  StudySpec spec = TwoObjectiveSpec();
  CHECK_NOTHROW(ValidateStudySpec(spec));
  CHECK(IsMultiObjective(spec));
  CHECK(Objectives(spec).size() == 2);
  CHECK(StudySpecFromJson(StudySpecToJson(spec)) == spec);
  StudySpec single = spec;
  single.metrics.clear();
  CHECK(Objectives(single) == std::vector<MetricSpec>{{"accuracy", Goal::kMaximize}});
  // A spec of one objective writes no metrics: its JSON is as before.
  CHECK(StudySpecToJson(single).find("metrics") == std::string::npos);

  StudySpec repeated = spec;
  repeated.metrics[1].metric_id = "accuracy";
  CHECK_THROWS_WITH(ValidateStudySpec(repeated), Catch::Contains("metrics[1].metricId 'accuracy'"));
  StudySpec stopping = spec;
  stopping.enable_early_stopping = true;
  CHECK_THROWS_WITH(ValidateStudySpec(stopping), Catch::Contains("enableTrialEarlyStopping"));
  StudySpec mismatch = spec;
  mismatch.metric_tag = "loss";
  CHECK_THROWS_WITH(ValidateStudySpec(mismatch), Catch::Contains("metrics[0]"));
  StudySpec one = spec;
  one.metrics.pop_back();
  CHECK_THROWS_AS(ValidateStudySpec(one), InvalidArgument);
  CHECK(DescribeSpecChanges(spec, single).find("metrics") != std::string::npos);
}

TEST_CASE("a multi-objective study: each objective from its metric, the front as best",
          "[pareto][study]") {
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "two",
                           {.create_if_missing = true, .spec = TwoObjectiveSpec()});
  // (accuracy, latency) per trial; the last has no latency.
  const std::vector<std::pair<double, std::optional<double>>> results = {
      {0.9, 10}, {0.8, 5}, {0.85, 12}, {0.9, 10}, {0.95, std::nullopt}};
  for (const auto& [accuracy, latency] : results) {
    const Trial t = study->Suggest(1)[0];
    study->AddMeasurement(t.id, {.metric = "accuracy", .step = 1, .value = 0.1});
    study->AddMeasurement(t.id, {.metric = "accuracy", .step = 2, .value = accuracy});
    if (latency) study->AddMeasurement(t.id, {.metric = "latency", .step = 2, .value = *latency});
    study->Complete(t.id);
  }
  const std::vector<Trial> trials = study->Trials();
  CHECK(trials[0].final_values == std::vector<double>{0.9, 10});
  CHECK(*trials[0].final_value == 0.9);
  CHECK(trials[4].state == TrialState::kFailed);
  CHECK_THAT(trials[4].failure_reason, Catch::Contains("'latency'"));
  CHECK(trials[4].final_values.empty());

  std::vector<std::int64_t> front;
  for (const Trial& t : ParetoOptimalTrials(trials, study->spec()))
    front.push_back(t.id);
  // Trials 1 and 4 are duplicates, both kept; ordered by accuracy, then id.
  CHECK(front == std::vector<std::int64_t>{1, 4, 2});
  std::vector<std::int64_t> ranked;
  for (const Trial& t : RankTrials(trials, study->spec()))
    ranked.push_back(t.id);
  CHECK(ranked == std::vector<std::int64_t>{1, 4, 2, 3});  // the front, then trial 3

  // A value given to Complete is the first objective; the others still come from measurements.
  const Trial t = study->Suggest(1)[0];
  study->AddMeasurement(t.id, {.metric = "latency", .step = 3, .value = 1});
  const Trial done = study->Complete(t.id, 0.5, 3);
  CHECK(done.final_values == std::vector<double>{0.5, 1});
}

TEST_CASE("the GP bandit suggests distinct, reproducible batches for two objectives",
          "[pareto][gp]") {
  const StudySpec spec = TwoObjectiveSpec(Algorithm::kUnspecified, 30);
  const SearchSpace space(spec.parameters);
  std::vector<Trial> trials;
  for (int i = 0; i < 8; ++i) {
    Trial t;
    t.id = i + 1;
    t.state = TrialState::kSucceeded;
    const double x = (i + 0.5) / 8.0;
    const double y = std::fmod(0.37 * i, 1.0);
    t.parameters = {{"x", x}, {"y", y}};
    t.final_values = {x, x * x + y};  // accuracy rises with x, latency too
    t.final_value = t.final_values[0];
    trials.push_back(t);
  }
  trials[7].state = TrialState::kFailed;
  trials[7].final_values.clear();
  trials[7].final_value.reset();
  GpBanditDesigner designer;
  const DesignerInput input{space, spec, trials, 4, 99};
  const std::vector<ParameterValues> batch = designer.Suggest(input);
  REQUIRE(batch.size() == 4);
  std::set<std::pair<double, double>> distinct;
  for (const ParameterValues& p : batch) {
    CHECK_NOTHROW(space.Validate(p));
    distinct.insert({p.at("x").AsDouble(), p.at("y").AsDouble()});
  }
  CHECK(distinct.size() == 4);
  GpBanditDesigner again;
  CHECK(again.Suggest(input) == batch);
}

namespace {

// Records the trials each Suggest call is given, and proposes the middle of the space.
class RecordingDesigner : public Designer {
 public:
  explicit RecordingDesigner(std::vector<Trial>* seen) : seen_(seen) {}
  std::vector<ParameterValues> Suggest(const DesignerInput& input) override {
    *seen_ = input.trials;
    return std::vector<ParameterValues>(static_cast<std::size_t>(input.count),
                                        ParameterValues{{"x", 0.5}, {"y", 0.5}});
  }

 private:
  std::vector<Trial>* seen_;
};

// The trials the designer of a new study `name` that resumes the study "previous" is given.
std::vector<Trial> HistoryOfResumed(const std::shared_ptr<InMemoryStudyRepository>& repository,
                                    StudySpec spec, const std::string& name) {
  spec.resume_previous_job_id = "previous";
  std::vector<Trial> seen;
  auto resumed = Study::Open(repository, name,
                             {.create_if_missing = true,
                              .spec = spec,
                              .designer = std::make_unique<RecordingDesigner>(&seen)});
  resumed->Suggest(1);
  return seen;
}

}  // namespace

TEST_CASE(
    "a study of one metric resumed from a study of another takes what the trainer reported of "
    "it, never the other metric's value",
    "[multi-objective]") {
  // Both of one objective: the previous trial's accuracy 0.9 was taken as this study's loss, and
  // minimised (the advice for a changed hyperparameterMetricTag is a new study that resumes the
  // old one). Then the trial told the new study nothing, though its trainer had reported its
  // loss (0.3); now that is its value, and a trial that reported no loss is left out.
  auto repository = std::make_shared<InMemoryStudyRepository>();
  StudySpec accuracy = TwoObjectiveSpec();
  accuracy.metrics.clear();
  auto previous =
      Study::Open(repository, "previous", {.create_if_missing = true, .spec = accuracy});
  const Trial done = previous->Suggest(1).front();
  previous->AddMeasurement(done.id, {.metric = "accuracy", .step = 1, .value = 0.9});
  previous->AddMeasurement(done.id, {.metric = "loss", .step = 1, .value = 0.3});
  REQUIRE(previous->Complete(done.id).state == TrialState::kSucceeded);
  const Trial no_loss = previous->Suggest(1).front();
  previous->AddMeasurement(no_loss.id, {.metric = "accuracy", .step = 1, .value = 0.8});
  REQUIRE(previous->Complete(no_loss.id).state == TrialState::kSucceeded);
  const auto history_of = [&](const StudySpec& spec, const std::string& name) {
    return HistoryOfResumed(repository, spec, name);
  };
  StudySpec loss = accuracy;
  loss.metric_tag = "loss";
  loss.goal = Goal::kMinimize;
  const std::vector<Trial> losses = history_of(loss, "loss");
  REQUIRE(losses.size() == 1);
  CHECK(losses[0].final_value == 0.3);
  CHECK(losses[0].final_values.empty());
  // The same metric under the other goal: the value is still that metric's.
  StudySpec lowest = accuracy;
  lowest.goal = Goal::kMinimize;
  const std::vector<Trial> seen = history_of(lowest, "lowest");
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].final_value == 0.9);
  CHECK(seen[1].final_value == 0.8);
}

TEST_CASE(
    "a study of two objectives resumed from one of the first alone learns from the trials that "
    "measured both",
    "[multi-objective]") {
  // The study of accuracy alone was changed to accuracy and latency; run again it is refused
  // (another spec), with the advice to start a new study that resumes it. That study learned
  // nothing from it, though its trainer had reported latency all along: a trial's value of a
  // metric that was no objective of the previous study was not looked for.
  auto repository = std::make_shared<InMemoryStudyRepository>();
  StudySpec accuracy = TwoObjectiveSpec();
  accuracy.metrics.clear();
  auto previous =
      Study::Open(repository, "previous", {.create_if_missing = true, .spec = accuracy});
  // Trial 1: both reported, latency over several steps (LAST takes step 3's, 35).
  const Trial both = previous->Suggest(1).front();
  previous->AddMeasurements(both.id, std::vector<Measurement>{
                                         {.metric = "accuracy", .step = 3, .value = 0.9},
                                         {.metric = "latency", .step = 1, .value = 50},
                                         {.metric = "latency", .step = 3, .value = 35},
                                         {.metric = "latency", .step = 2, .value = 20},
                                     });
  REQUIRE(previous->Complete(both.id).state == TrialState::kSucceeded);
  // Trial 2: accuracy alone: it has no latency, and tells the new study nothing.
  const Trial accuracy_only = previous->Suggest(1).front();
  previous->AddMeasurement(accuracy_only.id, {.metric = "accuracy", .step = 3, .value = 0.7});
  REQUIRE(previous->Complete(accuracy_only.id).state == TrialState::kSucceeded);
  // Trial 3: completed with a value given (0.95, not its measured accuracy) and latency 12: the
  // value the previous study recorded is kept for its objective.
  const Trial given = previous->Suggest(1).front();
  previous->AddMeasurement(given.id, {.metric = "accuracy", .step = 3, .value = 0.6});
  previous->AddMeasurement(given.id, {.metric = "latency", .step = 3, .value = 12});
  REQUIRE(previous->Complete(given.id, 0.95, 3).state == TrialState::kSucceeded);
  // Trial 4: failed: its measurements are no result.
  const Trial failed = previous->Suggest(1).front();
  previous->AddMeasurement(failed.id, {.metric = "latency", .step = 3, .value = 1});
  previous->Fail(failed.id, "crashed");

  const std::vector<Trial> seen = HistoryOfResumed(repository, TwoObjectiveSpec(), "two");
  std::map<std::int64_t, Trial> by_id;
  for (const Trial& t : seen)
    by_id[-t.id] = t;  // history ids are negated
  REQUIRE(by_id.size() == 3);
  CHECK(by_id.at(both.id).final_values == std::vector<double>{0.9, 35});
  CHECK(by_id.at(both.id).final_value == 0.9);
  CHECK(by_id.at(given.id).final_values == std::vector<double>{0.95, 12});
  CHECK(by_id.at(failed.id).state == TrialState::kFailed);
  CHECK(by_id.count(accuracy_only.id) == 0);

  // BEST of latency (MINIMIZE) takes its lowest, 20.
  StudySpec best = TwoObjectiveSpec();
  best.measurement_selection = MeasurementSelection::kBest;
  const std::vector<Trial> best_seen = HistoryOfResumed(repository, best, "two-best");
  bool found = false;
  for (const Trial& t : best_seen) {
    if (-t.id != both.id) continue;
    found = true;
    CHECK(t.final_values == std::vector<double>{0.9, 20});
  }
  CHECK(found);
}

TEST_CASE("a resumed study takes the previous study's values by metric, not by position",
          "[multi-objective]") {
  auto repository = std::make_shared<InMemoryStudyRepository>();
  // The previous study: accuracy (max) and latency (min), one trial with accuracy 0.9, latency 40.
  auto previous =
      Study::Open(repository, "previous", {.create_if_missing = true, .spec = TwoObjectiveSpec()});
  const Trial done = previous->Suggest(1).front();
  previous->AddMeasurement(done.id, {.metric = "latency", .step = 1, .value = 40});
  previous->AddMeasurement(done.id, {.metric = "accuracy", .step = 1, .value = 0.9});
  REQUIRE(previous->Complete(done.id).state == TrialState::kSucceeded);

  const auto history_of = [&](const StudySpec& spec, const std::string& name) {
    return HistoryOfResumed(repository, spec, name);
  };
  // The same metrics in the other order: the values follow their metrics.
  StudySpec swapped = TwoObjectiveSpec();
  swapped.metrics = {{"latency", Goal::kMinimize}, {"accuracy", Goal::kMaximize}};
  swapped.metric_tag = "latency";
  swapped.goal = Goal::kMinimize;
  std::vector<Trial> seen = history_of(swapped, "swapped");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].final_values == std::vector<double>{40, 0.9});
  CHECK(seen[0].final_value == 40);
  // One of the metrics is new (param_count): the trial tells this study's model nothing.
  StudySpec other = TwoObjectiveSpec();
  other.metrics = {{"accuracy", Goal::kMaximize}, {"param_count", Goal::kMinimize}};
  CHECK(history_of(other, "other").empty());
  // A single-objective study resumed from it takes the metric it names.
  StudySpec single = TwoObjectiveSpec();
  single.metrics.clear();
  single.metric_tag = "latency";
  single.goal = Goal::kMinimize;
  seen = history_of(single, "single");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].final_value == 40);
  CHECK(seen[0].final_values.empty());
}
