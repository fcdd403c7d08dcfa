#include "bayestune/optimizer/study.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/grid_designer.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/random_designer.h"
#include "value_shares.h"

using namespace bayestune;

namespace {

StudySpec SmallSpec(int max_trials = 5) {
  StudySpec spec;
  spec.goal = Goal::kMaximize;
  spec.metric_tag = "accuracy";
  spec.max_trials = max_trials;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("lr", 1e-3, 1e-1, ScaleType::kLog),
                     ParameterSpec::Integer("n", 1, 5)};
  return spec;
}

std::shared_ptr<Study> NewStudy(int max_trials = 5) {
  return Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                     {.create_if_missing = true, .spec = SmallSpec(max_trials)});
}

}  // namespace

TEST_CASE("suggest, measure and complete a whole study", "[study]") {
  auto study = NewStudy(4);
  int completed = 0;
  while (!study->IsDone()) {
    auto trials = study->Suggest(1);
    REQUIRE(trials.size() == 1);
    const Trial& t = trials[0];
    CHECK(t.state == TrialState::kActive);
    REQUIRE_NOTHROW(study->space().Validate(t.parameters));
    study->AddMeasurement(t.id, {.metric = "accuracy", .step = 1, .value = 0.5});
    study->AddMeasurement(t.id, {.metric = "accuracy", .step = 2, .value = 0.4 + 0.1 * t.id});
    const Trial done = study->Complete(t.id);
    CHECK(done.state == TrialState::kSucceeded);
    CHECK(done.final_step == 2);
    CHECK(*done.final_value == Approx(0.4 + 0.1 * t.id));
    ++completed;
  }
  CHECK(completed == 4);
  CHECK(study->Suggest(1).empty());
  CHECK(study->BestTrial()->id == 4);
  CHECK(study->BestTrials().size() == 4);
  CHECK(study->Progress().succeeded == 4);
}

TEST_CASE("a client asking again while its trial is active gets that trial back", "[study]") {
  auto study = NewStudy();
  auto first = study->Suggest(1, "worker-a");
  auto again = study->Suggest(1, "worker-a");
  REQUIRE(first.size() == 1);
  REQUIRE(again.size() == 1);
  CHECK(first[0].id == again[0].id);
  auto other = study->Suggest(1, "worker-b");
  CHECK(other[0].id != first[0].id);
  study->Complete(first[0].id, 0.3);
  CHECK(study->Suggest(1, "worker-a")[0].id != first[0].id);
}

TEST_CASE("bad calls get clear errors", "[study]") {
  auto study = NewStudy();
  CHECK_THROWS_AS(study->Suggest(0), InvalidArgument);
  CHECK_THROWS_AS(study->Complete(99, 1.0), NotFound);
  auto t = study->Suggest(1)[0];
  study->Complete(t.id, 0.5);
  CHECK_THROWS_WITH(study->Complete(t.id, 0.6),
                    Catch::Contains("is SUCCEEDED") && Catch::Contains("only an ACTIVE"));
  CHECK_THROWS_AS(study->AddMeasurement(t.id, {.metric = "accuracy", .step = 3, .value = 0.1}),
                  FailedPrecondition);
  auto u = study->Suggest(1)[0];
  CHECK_THROWS_AS(study->AddMeasurement(u.id, {.metric = "accuracy", .step = 3, .value = NAN}),
                  InvalidArgument);
  CHECK_THROWS_AS(Study::Open(std::make_shared<InMemoryStudyRepository>(), "missing"), NotFound);
}

TEST_CASE("a measurement's wall time that no clock gave is refused, naming it", "[study]") {
  // NaN, infinite, negative or far-future wall times were stored as given: SQLite stores NaN as
  // NULL (a NOT NULL column), and the others made durations, the report and the exports absurd.
  auto study = NewStudy();
  const Trial t = study->Suggest(1)[0];
  for (const double wall_time :
       std::vector<double>{std::nan(""), HUGE_VAL, -1.0, NowSeconds() + 2 * 86400.0, 1e300}) {
    CAPTURE(wall_time);
    CHECK_THROWS_WITH(
        study->AddMeasurement(
            t.id, {.metric = "accuracy", .step = 3, .value = 0.5, .wall_time = wall_time}),
        Catch::Contains("measurement wall_time of trial " + std::to_string(t.id) +
                        " (accuracy at step 3) is ") &&
            Catch::Contains("give seconds since the Unix epoch, or 0 for now"));
  }
  CHECK_THROWS_WITH(
      study->AddMeasurement(t.id, {.metric = "accuracy", .step = 3, .value = 0.5, .wall_time = -1}),
      Catch::Contains("is before 1970"));
  CHECK_THROWS_WITH(
      study->AddMeasurement(
          t.id,
          {.metric = "accuracy", .step = 3, .value = 0.5, .wall_time = NowSeconds() + 2 * 86400.0}),
      Catch::Contains("more than a day after this machine's clock"));
  CHECK(study->GetTrial(t.id).measurements.empty());
  // 0 is now; a time an hour ago, or a little ahead (another machine's clock), is kept.
  study->AddMeasurements(
      t.id, std::vector<Measurement>{
                {.metric = "accuracy", .step = 1, .value = 0.5, .wall_time = 0},
                {.metric = "accuracy", .step = 2, .value = 0.5, .wall_time = NowSeconds() - 3600},
                {.metric = "accuracy", .step = 3, .value = 0.5, .wall_time = NowSeconds() + 60}});
  CHECK(study->GetTrial(t.id).measurements.size() == 3);
}

TEST_CASE("a measurement whose metric is no tag is refused, naming the trial", "[study]") {
  // The runner and the gRPC server refuse such a tag; the Study an embedder calls stored it, and a
  // tag in bytes that are not UTF-8 then made every gRPC answer holding the trial unreadable.
  auto study = NewStudy();
  const Trial t = study->Suggest(1)[0];
  for (const std::string& metric : {std::string("loss\xff"), std::string("lo\0ss", 5),
                                    std::string("a\nb"), std::string(1025, 'x')}) {
    CAPTURE(metric);
    CHECK_THROWS_AS(
        study->AddMeasurements(
            t.id, std::vector<Measurement>{{.metric = "accuracy", .step = 1, .value = 0.5},
                                           {.metric = metric, .step = 2, .value = 0.5}}),
        InvalidArgument);
  }
  CHECK_THROWS_WITH(study->AddMeasurement(t.id, {.metric = "loss\xff", .step = 2, .value = 0.5}),
                    Catch::Contains("measurement metric of trial " + std::to_string(t.id) +
                                    " (at step 2) 'loss\\xFF'") &&
                        Catch::Contains("a metric tag is UTF-8 text without control characters"));
  CHECK(study->GetTrial(t.id).measurements.empty());
  // An empty metric is the objective's.
  study->AddMeasurement(t.id, {.metric = "", .step = 1, .value = 0.5});
  CHECK(study->GetTrial(t.id).measurements.at(0).metric == "accuracy");
}

TEST_CASE("NaN or infinite objectives make the trial infeasible", "[study]") {
  auto study = NewStudy();
  auto a = study->Suggest(2);
  CHECK(study->Complete(a[0].id, NAN).state == TrialState::kInfeasible);
  CHECK(study->Complete(a[1].id, INFINITY).state == TrialState::kInfeasible);
  CHECK_FALSE(study->BestTrial().has_value());
}

TEST_CASE("completing without measurements fails the trial with the reason", "[study]") {
  auto study = NewStudy();
  auto t = study->Suggest(1)[0];
  study->AddMeasurement(t.id, {.metric = "loss", .step = 1, .value = 0.5});
  const Trial done = study->Complete(t.id);
  CHECK(done.state == TrialState::kFailed);
  CHECK(done.failure_reason.find("'accuracy'") != std::string::npos);
}

TEST_CASE("a trial measured under a misspelt metric fails naming what it reported", "[study]") {
  // The reason said only "no measurement of the metric 'accuracy' was reported", though the
  // values were there under 'acuracy': every trial of an embedder's loop failed without a hint.
  auto study = NewStudy();
  auto trials = study->Suggest(2);
  study->AddMeasurement(trials[0].id, {.metric = "acuracy", .step = 1, .value = 0.5});
  study->AddMeasurement(trials[0].id, {.metric = "loss", .step = 1, .value = 0.7});
  const Trial misspelt = study->Complete(trials[0].id);
  CHECK(misspelt.state == TrialState::kFailed);
  CHECK(misspelt.failure_reason ==
        "no measurement of the metric 'accuracy' was reported; this attempt reported 'acuracy', "
        "'loss'; 'acuracy' is close to it: check the metric the measurements name");
  // Nothing close: the metrics only; nothing at all: as before.
  study->AddMeasurement(trials[1].id, {.metric = "loss", .step = 1, .value = 0.7});
  CHECK(study->Complete(trials[1].id).failure_reason ==
        "no measurement of the metric 'accuracy' was reported; this attempt reported 'loss'");
  const Trial bare = study->Suggest(1)[0];
  CHECK(study->Complete(bare.id).failure_reason ==
        "no measurement of the metric 'accuracy' was reported");
}

TEST_CASE("a trial finished with the time it ended keeps it, within its start and now", "[study]") {
  // A Slurm job collected after it ended (re-attached to by a later run) was stored as ended at
  // its collection; the runner now passes Slurm's EndTime.
  auto study = NewStudy();
  auto trials = study->Suggest(4);
  const double start = *trials[0].start_time;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the ends below are past
  const Trial completed = study->Complete(trials[0].id, 0.5, 3, std::nullopt, start + 0.025);
  CHECK(*completed.end_time == start + 0.025);
  CHECK(*study->GetTrial(trials[0].id).end_time == start + 0.025);
  CHECK(*study->Fail(trials[1].id, "crashed", std::nullopt, start + 0.05).end_time == start + 0.05);
  CHECK(*study->MarkInfeasible(trials[2].id, "NaN", std::nullopt, start + 0.075).end_time ==
        start + 0.075);
  // Another clock's time before the trial started, or one still to come, is kept within.
  CHECK(*study->Complete(trials[3].id, 0.5, 3, std::nullopt, start - 100).end_time == start);
  auto later = study->Suggest(1)[0];
  const Trial future = study->Complete(later.id, 0.5, 3, std::nullopt, NowSeconds() + 3600);
  CHECK(*future.end_time <= NowSeconds());
  CHECK(*future.end_time >= *later.start_time);
}

TEST_CASE("BEST selection takes the best measurement under the goal", "[study]") {
  StudySpec spec = SmallSpec();
  spec.measurement_selection = MeasurementSelection::kBest;
  spec.goal = Goal::kMinimize;
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                           {.create_if_missing = true, .spec = spec});
  auto t = study->Suggest(1)[0];
  for (auto [step, value] : {std::pair{1, 0.9}, {2, 0.2}, {3, 0.4}}) {
    study->AddMeasurement(t.id, {.metric = "accuracy", .step = step, .value = value});
  }
  const Trial done = study->Complete(t.id);
  CHECK(*done.final_value == 0.2);
  CHECK(*done.final_step == 2);
}

TEST_CASE("requested and requeued trials go out first with their parameters", "[study]") {
  auto study = NewStudy();
  const ParameterValues wanted = {{"lr", 0.01}, {"n", 3}};
  const Trial requested = study->RequestTrial(wanted);
  CHECK(requested.state == TrialState::kRequested);
  auto t = study->Suggest(1)[0];
  CHECK(t.id == requested.id);
  CHECK(t.parameters == wanted);
  const Trial requeued = study->Requeue(t.id, "runner restarted");
  CHECK(requeued.attempt == 2);
  auto again = study->Suggest(1)[0];
  CHECK(again.id == t.id);
  CHECK(again.attempt == 2);
  CHECK_THROWS_AS(study->RequestTrial({{"lr", 5.0}, {"n", 3}}), InvalidArgument);
}

TEST_CASE("a trial requested of a study that is over is refused, not queued for ever", "[study]") {
  // Suggest hands out nothing once the study is over, so a REQUESTED trial added then stayed
  // REQUESTED in a COMPLETED study: never run, counted as left by `status`.
  auto repository = std::make_shared<InMemoryStudyRepository>();
  auto study = Study::Open(repository, "s", {.create_if_missing = true, .spec = SmallSpec(2)});
  for (const Trial& t : study->Suggest(2))
    study->Complete(t.id, 0.5);
  REQUIRE(study->IsDone());
  CHECK_THROWS_WITH(study->RequestTrial({{"lr", 0.01}, {"n", 3}}),
                    Catch::Contains("study 's' is over (max trials: 2 of 2 trials finished)") &&
                        Catch::Contains("would never run") && Catch::Contains("raise maxTrials"));
  CHECK(study->Trials().size() == 2);
  CHECK(study->Progress().requested == 0);
  // Raising maxTrials (a budget) lets it be requested, and the next Suggest hands it out.
  auto wider = Study::Open(repository, "s", {.spec = SmallSpec(3)});
  const Trial requested = wider->RequestTrial({{"lr", 0.01}, {"n", 3}});
  const auto handed = wider->Suggest(1);
  REQUIRE(handed.size() == 1);
  CHECK(handed[0].id == requested.id);
}

TEST_CASE("a trial requested of a study over by its failure limit or its grid says what helps",
          "[study]") {
  // Both said "raise maxTrials (or, after its failure limit, retry the failed trials) first":
  // raising maxTrials helps neither (the failure limit counts failures; a grid has no point left).
  SECTION("the failure limit") {
    StudySpec spec = SmallSpec(10);
    spec.max_failed_trials = 2;
    auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                             {.create_if_missing = true, .spec = spec});
    for (const Trial& t : study->Suggest(2))
      study->Fail(t.id, "boom");
    REQUIRE(study->Progress().end == StudyEnd::kFailureLimit);
    CHECK_THROWS_WITH(study->RequestTrial({{"lr", 0.01}, {"n", 3}}),
                      Catch::Contains("study 's' is over (failure limit: 2 trials failed") &&
                          Catch::Contains("retry the failed trials") &&
                          Catch::Contains("raise maxFailedTrials") &&
                          !Catch::Contains("raise maxTrials"));
  }
  SECTION("a grid with no point left") {
    StudySpec spec = SmallSpec(10);
    spec.algorithm = Algorithm::kGridSearch;
    spec.parameters = {ParameterSpec::Discrete("b", {1, 2})};
    auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "g",
                             {.create_if_missing = true, .spec = spec});
    for (const Trial& t : study->Suggest(2))
      study->Complete(t.id, 0.5);
    REQUIRE(study->Progress().end == StudyEnd::kSpaceExhausted);
    CHECK_THROWS_WITH(study->RequestTrial({{"b", 1}}),
                      Catch::Contains("study 'g' is over (space exhausted: 2 of 2 trials") &&
                          Catch::Contains("no point left") && !Catch::Contains("raise maxTrials"));
  }
}

TEST_CASE("a trial requested beyond what maxTrials has left is refused, saying how many are left",
          "[study]") {
  // The study ends once maxTrials trials finish: a request beyond those running and queued was
  // queued all the same, and stayed REQUESTED in a COMPLETED study (or ran a trial past maxTrials
  // when a runner took all the queue at once).
  SECTION("maxTrials") {
    auto repository = std::make_shared<InMemoryStudyRepository>();
    auto study = Study::Open(repository, "s", {.create_if_missing = true, .spec = SmallSpec(3)});
    const auto running = study->Suggest(2);
    REQUIRE(running.size() == 2);
    const Trial queued = study->RequestTrial({{"lr", 0.01}, {"n", 3}});
    CHECK_THROWS_WITH(
        study->RequestTrial({{"lr", 0.02}, {"n", 3}}),
        Catch::Contains("study 's' has no trial left to request: maxTrials (3) has none left "
                        "(0 finished, 2 running, 1 requested)") &&
            Catch::Contains("would never run") &&
            Catch::Contains("raise maxTrials to at least 4 first"));
    CHECK(study->Progress().requested == 1);
    for (const Trial& t : running)
      study->Complete(t.id, 0.5);
    // The one queued in time runs; raising maxTrials makes room for another.
    const auto next = study->Suggest(1);
    REQUIRE(next.size() == 1);
    CHECK(next[0].id == queued.id);
    auto wider = Study::Open(repository, "s", {.spec = SmallSpec(4)});
    CHECK_NOTHROW(wider->RequestTrial({{"lr", 0.02}, {"n", 3}}));
  }
  SECTION("a grid's points") {
    StudySpec spec = SmallSpec(10);
    spec.algorithm = Algorithm::kGridSearch;
    spec.parameters = {ParameterSpec::Discrete("b", {1, 2})};
    auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "g",
                             {.create_if_missing = true, .spec = spec});
    REQUIRE(study->Suggest(1).size() == 1);
    study->RequestTrial({{"b", 2}});
    CHECK_THROWS_WITH(
        study->RequestTrial({{"b", 2}}),
        Catch::Contains("study 'g' has no trial left to request: its designer's 2 "
                        "points are all taken (0 finished, 1 running, 1 requested)") &&
            Catch::Contains("a larger maxTrials does not change that"));
  }
}

TEST_CASE("an existing study opens with the same spec and refuses another", "[study]") {
  auto repository = std::make_shared<InMemoryStudyRepository>();
  auto a = Study::Open(repository, "s", {.create_if_missing = true, .spec = SmallSpec()});
  auto b = Study::Open(repository, "s", {.create_if_missing = true, .spec = SmallSpec()});
  CHECK(a->id() == b->id());
  StudySpec minimize = SmallSpec(7);
  minimize.goal = Goal::kMinimize;
  CHECK_THROWS_WITH(
      Study::Open(repository, "s", {.create_if_missing = true, .spec = minimize}),
      Catch::Contains("different spec (goal MAXIMIZE -> MINIMIZE, maxTrials 5 -> 7)"));
  StudySpec other = SmallSpec();
  other.goal = Goal::kMinimize;
  other.parameters[1] = ParameterSpec::Integer("n", 1, 9);
  CHECK(DescribeSpecChanges(SmallSpec(), other) ==
        "goal MAXIMIZE -> MINIMIZE, params[1] (n): maxValue 5 -> 9");
  // Each changed field of a parameter is named, as tuning.yaml names it.
  other = SmallSpec();
  other.parameters[1] = ParameterSpec::Integer("n", 2, 5, ScaleType::kLog);
  CHECK(DescribeSpecChanges(SmallSpec(), other) ==
        "params[1] (n): minValue 1 -> 2, scaleType UNIT_LINEAR_SCALE -> UNIT_LOG_SCALE");
  CHECK(DescribeSpecChanges(SmallSpec(), SmallSpec()).empty());
}

TEST_CASE("a study refused for another spec says what changed, not always the search space",
          "[study]") {
  // Every refusal said "To tune a changed search space", an early-stopping change too.
  auto repository = std::make_shared<InMemoryStudyRepository>();
  Study::Open(repository, "s", {.create_if_missing = true, .spec = SmallSpec()});
  StudySpec stopping = SmallSpec();
  stopping.enable_early_stopping = true;
  CHECK_THROWS_WITH(
      Study::Open(repository, "s", {.create_if_missing = true, .spec = stopping}),
      Catch::Contains("To tune with the new early stopping (enableTrialEarlyStopping, "
                      "runner.earlyStopping), start a new study") &&
          !Catch::Contains("search space"));
  StudySpec both = stopping;
  both.goal = Goal::kMinimize;
  both.parameters[1] = ParameterSpec::Integer("n", 1, 9);
  CHECK(DescribeChangedSettings(SmallSpec(), both) ==
        "the new goal, the new search space and the new early stopping "
        "(enableTrialEarlyStopping, runner.earlyStopping)");
  CHECK(DescribeChangedSettings(SmallSpec(), SmallSpec(7)) == "the changed settings");
}

TEST_CASE("the same seed and history give the same suggestions", "[study]") {
  StudySpec spec = SmallSpec();
  spec.seed = 3;
  auto a = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                       {.create_if_missing = true, .spec = spec});
  auto b = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                       {.create_if_missing = true, .spec = spec});
  CHECK(a->Suggest(3)[2].parameters == b->Suggest(3)[2].parameters);
}

TEST_CASE("concurrent threads never get the same trial twice", "[study]") {
  auto study = NewStudy(200);
  std::vector<std::vector<std::int64_t>> ids(8);
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) {
        auto t = study->Suggest(1, "w" + std::to_string(w));
        if (t.empty()) return;
        ids[w].push_back(t[0].id);
        study->Complete(t[0].id, 1.0);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  std::set<std::int64_t> all;
  std::size_t total = 0;
  for (const auto& v : ids) {
    all.insert(v.begin(), v.end());
    total += v.size();
  }
  CHECK(total == 200);
  CHECK(all.size() == 200);
  CHECK(study->IsDone());
}

namespace {

// A repository that knows whether a transaction is open, and that can play another process: it
// queues a trial of its own just before each of the next `interference` transactions.
class ObservedRepository : public InMemoryStudyRepository {
 public:
  void RunInTransaction(const std::function<void()>& body) override {
    InMemoryStudyRepository::RunInTransaction([&] {
      if (interference > 0 && study_id > 0) {
        --interference;
        Trial t;
        t.state = TrialState::kRequested;
        t.parameters = {{"lr", 0.01}, {"n", 2}};
        AddTrial(study_id, t);
      }
      ++depth;
      body();
      --depth;
    });
  }
  bool InTransaction() const { return depth > 0; }
  std::vector<Trial> ListTrials(std::int64_t id) override {
    ++list_calls;
    return InMemoryStudyRepository::ListTrials(id);
  }
  std::optional<Trial> GetTrial(std::int64_t study, std::int64_t trial) override {
    ++trial_reads;
    return InMemoryStudyRepository::GetTrial(study, trial);
  }
  std::vector<bool> StoredMeasurements(std::int64_t study, std::int64_t trial,
                                       std::span<const Measurement> measurements) override {
    lookups += static_cast<int>(measurements.size());
    return InMemoryStudyRepository::StoredMeasurements(study, trial, measurements);
  }
  std::vector<ParameterValues> ListTrialParameters(std::int64_t id) override {
    ++parameter_calls;
    std::vector<ParameterValues> out;
    for (Trial& t : InMemoryStudyRepository::ListTrials(id))
      out.push_back(std::move(t.parameters));
    return out;
  }

  std::atomic<int> depth{0};
  std::atomic<int> list_calls{0};       // reads of every trial of a study
  std::atomic<int> parameter_calls{0};  // reads of the trials' parameters alone
  std::atomic<int> trial_reads{0};      // reads of one trial with all its measurements
  std::atomic<int> lookups{0};          // measurements looked up among those stored
  int interference = 0;
  std::int64_t study_id = 0;
};

// Random search that records whether each call ran inside the repository's transaction, and how
// many trials it was shown; unless `quick`, it plays a designer with a model to fit (the GP
// bandit), which runs outside it; with `uses_trials`, one that looks at the trials, and with
// `parameters_only` only at their parameters (as random search in a finite space does).
class RecordingDesigner : public RandomDesigner {
 public:
  RecordingDesigner(std::shared_ptr<ObservedRepository> repository, bool quick, bool uses_trials,
                    bool parameters_only = false)
      : repository_(std::move(repository)),
        quick_(quick),
        uses_trials_(uses_trials),
        parameters_only_(parameters_only) {}
  std::vector<ParameterValues> Suggest(const DesignerInput& input) override {
    calls_inside.push_back(repository_->InTransaction());
    trials_shown.push_back(input.trials.size());
    return RandomDesigner::Suggest(input);
  }
  bool SuggestsQuickly() const override { return quick_; }
  bool UsesTrials(const SearchSpace& /*space*/) const override { return uses_trials_; }
  bool UsesOnlyTrialParameters() const override { return parameters_only_; }
  std::vector<bool> calls_inside;
  std::vector<std::size_t> trials_shown;

 private:
  std::shared_ptr<ObservedRepository> repository_;
  bool quick_;
  bool uses_trials_;
  bool parameters_only_;
};

struct Observed {
  std::shared_ptr<ObservedRepository> repository = std::make_shared<ObservedRepository>();
  RecordingDesigner* designer = nullptr;
  std::shared_ptr<Study> study;

  explicit Observed(int max_trials = 20, bool quick = false, bool uses_trials = true,
                    std::optional<std::uint64_t> seed = std::nullopt) {
    auto owned = std::make_unique<RecordingDesigner>(repository, quick, uses_trials);
    designer = owned.get();
    StudySpec spec = SmallSpec(max_trials);
    spec.seed = seed;
    study = Study::Open(repository, "s",
                        {.create_if_missing = true, .spec = spec, .designer = std::move(owned)});
    repository->study_id = study->id();
  }
};

}  // namespace

TEST_CASE("the designer runs outside the repository transaction", "[study]") {
  Observed o;
  auto trials = o.study->Suggest(3);
  CHECK(trials.size() == 3);
  REQUIRE(o.designer->calls_inside.size() == 1);
  CHECK_FALSE(o.designer->calls_inside[0]);
}

TEST_CASE(
    "adding measurements reads none of the trial's stored ones, and still stores a resent batch "
    "once",
    "[study][measurements]") {
  // Each AddMeasurements read the trial with every measurement it held to leave out repeats: a
  // trainer reporting 10^6 steps in batches of 10,000 (bayestune worker) had each batch cost more
  // than the last. Now only the batch is looked up among the stored measurements.
  Observed o;
  const Trial t = o.study->Suggest(1, "a").at(0);
  std::vector<Measurement> first;
  for (int step = 0; step < 300; ++step)
    first.push_back({.metric = "accuracy", .step = step, .value = 0.001 * step, .wall_time = 5});
  o.study->AddMeasurements(t.id, first, t.Owner());
  const std::vector<Measurement> second{
      {.metric = "accuracy", .step = 300, .value = 0.5, .wall_time = 6},
      {.metric = "loss", .step = 300, .value = 2, .wall_time = 6},
      {.metric = "loss", .step = 300, .value = 2, .wall_time = 6},          // twice in the batch
      {.metric = "accuracy", .step = 299, .value = 0.299, .wall_time = 5},  // stored already
      {.metric = "accuracy", .step = 299, .value = 0.3, .wall_time = 5},    // another value
      {.metric = "accuracy", .step = 298, .value = 0.298, .wall_time = 7},  // another time
  };
  o.repository->trial_reads = 0;
  o.repository->lookups = 0;
  o.study->AddMeasurements(t.id, second, t.Owner());
  o.study->AddMeasurements(t.id, second, t.Owner());  // its answer was lost: sent again
  CHECK(o.repository->trial_reads == 0);
  CHECK(o.repository->lookups == 2 * static_cast<int>(second.size()));
  const Trial stored = o.study->GetTrial(t.id);
  REQUIRE(stored.measurements.size() == 304);
  CHECK(stored.measurements[300].step == 300);
  CHECK(stored.measurements[301].metric == "loss");
  CHECK(stored.measurements[302].value == 0.3);
  CHECK(stored.measurements[303].wall_time == 7);
  // A measurement of the objective with no tag and no time takes the objective's tag and now:
  // sent again later it is another measurement (another time), as before.
  o.study->AddMeasurement(t.id, {.step = 400, .value = 0.9}, t.Owner());
  CHECK(o.study->GetTrial(t.id).measurements.back().metric == "accuracy");
  // The next attempt's equal measurement is its own.
  o.study->Requeue(t.id, "preempted", t.Owner());
  const Trial again = o.study->Suggest(1, "b").at(0);
  REQUIRE(again.attempt == 2);
  o.study->AddMeasurements(t.id, first, again.Owner());
  CHECK(o.study->GetTrial(t.id).measurements.size() == 605);
  CHECK_THROWS_AS(o.study->AddMeasurements(99, first), NotFound);
}

TEST_CASE("a study that changed during the computation is planned again", "[study]") {
  Observed o;
  // Another process queues a trial between the snapshot and the commit, once.
  o.repository->interference = 1;
  auto trials = o.study->Suggest(2);
  REQUIRE(trials.size() == 2);
  // The queued trial goes out first; one new point comes from the second plan.
  CHECK(trials[0].parameters == ParameterValues{{"lr", 0.01}, {"n", 2}});
  CHECK(trials[0].state == TrialState::kActive);
  REQUIRE(o.designer->calls_inside.size() == 2);
  CHECK_FALSE(o.designer->calls_inside[1]);
  CHECK(o.study->Trials().size() == 2);
}

TEST_CASE("a study that keeps changing is computed inside the transaction", "[study]") {
  Observed o;
  o.repository->interference = 3;
  auto trials = o.study->Suggest(5);
  // Three trials queued by "another process" go out first, then two new points.
  REQUIRE(trials.size() == 5);
  for (int i = 0; i < 3; ++i)
    CHECK(trials[i].parameters == ParameterValues{{"lr", 0.01}, {"n", 2}});
  REQUIRE(o.designer->calls_inside.size() == 4);
  CHECK(o.designer->calls_inside.back());
  CHECK(o.study->Trials().size() == 5);
}

TEST_CASE("a designer that suggests quickly runs inside the transaction, on one read of the trials",
          "[study]") {
  // Random search ran on a snapshot of every trial read outside the transaction, and read them
  // all again inside it to see that nothing had changed: two reads of a study's every trial for
  // each SuggestTrials, for a designer that takes microseconds.
  CHECK(RandomDesigner().SuggestsQuickly());
  CHECK(GridDesigner().SuggestsQuickly());
  StudySpec gp = SmallSpec();
  gp.algorithm = Algorithm::kUnspecified;  // the GP bandit: a model to fit
  CHECK_FALSE(MakeDesigner(gp)->SuggestsQuickly());
  Observed o(20, /*quick=*/true);
  o.repository->interference = 1;  // another process queues a trial: it goes out first
  const int reads_before = o.repository->list_calls.load();
  auto trials = o.study->Suggest(3);
  REQUIRE(trials.size() == 3);
  CHECK(trials[0].parameters == ParameterValues{{"lr", 0.01}, {"n", 2}});
  CHECK(o.repository->list_calls.load() - reads_before == 1);
  REQUIRE(o.designer->calls_inside.size() == 1);
  CHECK(o.designer->calls_inside[0]);
  CHECK(o.study->Trials().size() == 3);
}

// A DOUBLE under a condition leaves the other branches finite: random search planned on the
// counts alone (Designer::UsesTrials false for any space with a DOUBLE) gave `model: rf` with the
// same depth again and again.
TEST_CASE("random search in a conditional space does not repeat the points of a finite branch",
          "[study][conditional]") {
  StudySpec spec = SmallSpec(40);
  ParameterSpec c = ParameterSpec::Double("C", 0.01, 10, ScaleType::kLog);
  c.condition = ParentCondition{"model", {ParameterValue(std::string("linear"))}};
  ParameterSpec depth = ParameterSpec::Integer("depth", 1, 2);
  depth.condition = ParentCondition{"model", {ParameterValue(std::string("rf"))}};
  spec.parameters = {ParameterSpec::Categorical("model", {"linear", "rf"}), c, depth};
  CHECK(RandomDesigner().UsesTrials(SearchSpace(spec.parameters)));
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                           {.create_if_missing = true, .spec = spec});
  // Twelve at once, then twelve more one by one: the rf branch has two points, each given once.
  std::vector<Trial> trials = study->Suggest(12);
  for (int i = 0; i < 12; ++i) {
    std::vector<Trial> one = study->Suggest(1);
    REQUIRE(one.size() == 1);
    trials.push_back(one[0]);
  }
  REQUIRE(trials.size() == 24);
  std::map<std::int64_t, int> rf_depths;
  for (const Trial& t : trials) {
    if (t.parameters.at("model").AsString() == "rf")
      ++rf_depths[t.parameters.at("depth").AsInteger()];
  }
  CHECK(rf_depths[1] <= 1);
  CHECK(rf_depths[2] <= 1);
  // A DOUBLE without a condition: no point can repeat, and the trials are not looked at.
  CHECK_FALSE(RandomDesigner().UsesTrials(SearchSpace(SmallSpec().parameters)));
}

TEST_CASE("random search never repeats a point of a finite space while one is left", "[study]") {
  // 3 x 2 x 4 = 24 points; a log-scaled DISCRETE, so that a trial's point and a drawn one agree
  // only up to rounding.
  const SearchSpace space({ParameterSpec::Discrete("lr", {0.001, 0.01, 0.1}, ScaleType::kLog),
                           ParameterSpec::Categorical("opt", {"adam", "sgd"}),
                           ParameterSpec::Integer("n", 1, 4)});
  StudySpec spec = SmallSpec(100);
  spec.parameters = space.parameters();
  std::vector<Trial> trials;
  for (double lr : {0.001, 0.01, 0.1}) {
    for (const char* opt : {"adam", "sgd"}) {
      for (std::int64_t n = 1; n <= 4; ++n) {
        Trial t;
        t.id = static_cast<std::int64_t>(trials.size()) + 1;
        t.state = TrialState::kSucceeded;
        t.parameters = {{"lr", lr}, {"opt", std::string(opt)}, {"n", n}};
        trials.push_back(std::move(t));
      }
    }
  }
  RandomDesigner designer;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    // Every point but one is taken, the one left different each time: it is the one suggested.
    std::vector<Trial> taken = trials;
    const ParameterValues left = taken[seed % taken.size()].parameters;
    taken.erase(taken.begin() + static_cast<std::ptrdiff_t>(seed % taken.size()));
    const std::vector<ParameterValues> points =
        designer.Suggest({space, spec, taken, /*count=*/1, seed});
    REQUIRE(points.size() == 1);
    CHECK(points[0] == left);
  }
  // Twelve taken, twelve asked for: the twelve left, each once.
  std::vector<Trial> half(trials.begin(), trials.begin() + 12);
  const std::vector<ParameterValues> rest = designer.Suggest({space, spec, half, 12, 7});
  REQUIRE(rest.size() == 12);
  for (std::size_t i = 12; i < trials.size(); ++i)
    CHECK(std::count(rest.begin(), rest.end(), trials[i].parameters) == 1);
  // None left: nothing (the study ends there: Capacity).
  CHECK(designer.Suggest({space, spec, trials, 1, 3}).empty());
  CHECK(designer.Capacity(space) == 24);
  CHECK_FALSE(designer.Capacity(SearchSpace(SmallSpec().parameters)));
}

TEST_CASE("random search in a large finite space nearly used up suggests the points left",
          "[study]") {
  // It drew until a free point came up, and after 1,000 draws took a repeat: with 3 points left
  // of 100,000, 97 suggestions in 100 repeated a trial.
  const SearchSpace space({ParameterSpec::Integer("n", 1, 100000)});
  StudySpec spec = SmallSpec(200000);
  spec.parameters = space.parameters();
  const std::set<std::int64_t> free = {7, 50000, 99999};
  std::vector<Trial> taken;
  for (std::int64_t n = 1; n <= 100000; ++n) {
    if (free.count(n)) continue;
    Trial t;
    t.id = static_cast<std::int64_t>(taken.size()) + 1;
    t.state = TrialState::kSucceeded;
    t.parameters = {{"n", n}};
    taken.push_back(std::move(t));
  }
  RandomDesigner designer;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const auto points = designer.Suggest({space, spec, taken, /*count=*/5, seed});
    REQUIRE(points.size() == 3);  // the three left, each once, then nothing
    std::set<std::int64_t> got;
    for (const ParameterValues& p : points)
      got.insert(p.at("n").AsInteger());
    CHECK(got == free);
  }
}

TEST_CASE("random search in a finite space ends the study when its points are used up", "[study]") {
  // Random search had no capacity: a study of 12 points and maxTrials 20 ran 8 repeats and never
  // ended as space exhausted.
  StudySpec spec = SmallSpec(20);
  spec.parameters = {ParameterSpec::Categorical("opt", {"adam", "sgd", "rmsprop"}),
                     ParameterSpec::Integer("n", 1, 4)};
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                           {.create_if_missing = true, .spec = spec});
  std::set<std::string> seen;
  for (int round = 0; round < 5; ++round) {
    for (const Trial& t : study->Suggest(5)) {
      CHECK(seen.insert(t.parameters.at("opt").AsString() + "/" +
                        std::to_string(t.parameters.at("n").AsInteger()))
                .second);
      study->Complete(t.id, 0.5);
    }
  }
  CHECK(seen.size() == 12);
  CHECK(study->Trials().size() == 12);
  const StudyProgress progress = study->Progress();
  CHECK(progress.end == StudyEnd::kSpaceExhausted);
  CHECK(progress.capacity == 12);
  CHECK(study->IsDone());
  CHECK(study->Suggest(1).empty());
  // A space of 10^12 points: as quick as any, each point new.
  StudySpec huge = SmallSpec(1000);
  huge.parameters = {ParameterSpec::Integer("a", 1, 1000000),
                     ParameterSpec::Integer("b", 1, 1000000)};
  auto big = Study::Open(std::make_shared<InMemoryStudyRepository>(), "big",
                         {.create_if_missing = true, .spec = huge});
  std::set<std::pair<std::int64_t, std::int64_t>> big_seen;
  for (const Trial& t : big->Suggest(200))
    CHECK(big_seen.insert({t.parameters.at("a").AsInteger(), t.parameters.at("b").AsInteger()})
              .second);
  CHECK(big_seen.size() == 200);
  CHECK(big->Progress().capacity == std::nullopt);  // more points than maxTrials
}

TEST_CASE(
    "a quick designer that looks at no trial is planned on the store's counts: no trial is read "
    "but those handed out, and the points are those of a plan on every trial",
    "[study]") {
  // Random search in a space with a DOUBLE (which cannot repeat a point) needs of the trials only
  // how many there are; its SuggestTrials read all of them, a cost that grew with the study.
  CHECK_FALSE(RandomDesigner().UsesTrials(SearchSpace(SmallSpec().parameters)));
  CHECK(RandomDesigner().UsesTrials(SearchSpace({ParameterSpec::Integer("n", 1, 5)})));
  // The same seed: the same points for the same history.
  Observed tally(20, /*quick=*/true, /*uses_trials=*/false, /*seed=*/42);
  Observed full(20, /*quick=*/true, /*uses_trials=*/true, /*seed=*/42);
  // Returns what the Suggest calls gave; `reads` gets how many times they read every trial.
  const auto run = [](Observed& o, int& reads) {
    std::vector<Trial> out;
    reads = 0;
    const auto suggest = [&](int count, const std::string& client) {
      const int before = o.repository->list_calls.load();
      const std::vector<Trial> trials = o.study->Suggest(count, client);
      reads += o.repository->list_calls.load() - before;
      out.insert(out.end(), trials.begin(), trials.end());
    };
    suggest(2, "a");
    suggest(3, "a");  // a returning client gets its trials back
    o.study->Complete(out[0].id, 0.5);
    o.study->RequestTrial({{"lr", 0.02}, {"n", 3}});  // queued: handed out first
    suggest(3, "b");
    o.study->Complete(out[1].id, 0.25);
    suggest(1, "");
    return out;
  };
  int reads_on_counts = 0;
  int reads_on_all = 0;
  const std::vector<Trial> planned_on_counts = run(tally, reads_on_counts);
  const std::vector<Trial> planned_on_all = run(full, reads_on_all);
  CHECK(reads_on_counts == 0);
  CHECK(reads_on_all == 4);  // one a call
  REQUIRE(planned_on_counts.size() == planned_on_all.size());
  for (std::size_t i = 0; i < planned_on_all.size(); ++i) {
    INFO("trial " << i);
    CHECK(planned_on_counts[i].id == planned_on_all[i].id);
    CHECK(planned_on_counts[i].parameters == planned_on_all[i].parameters);
    CHECK(planned_on_counts[i].client_id == planned_on_all[i].client_id);
    CHECK(planned_on_counts[i].state == planned_on_all[i].state);
  }
  CHECK(planned_on_counts[4].parameters == ParameterValues{{"lr", 0.02}, {"n", 3}});
  for (std::size_t shown : tally.designer->trials_shown)
    CHECK(shown == 0);
}

TEST_CASE(
    "random search in a finite space is planned on the counts and the trials' parameters alone, "
    "and suggests the points of a plan on every trial",
    "[study]") {
  // To avoid repeats it needs the points taken, and it read every trial with its measurements.
  CHECK(RandomDesigner().UsesOnlyTrialParameters());
  StudySpec spec = SmallSpec(30);
  spec.seed = 7;
  // 3 x 5 = 15 points; the calls below make 13 trials, each at a point of its own.
  spec.parameters = {ParameterSpec::Discrete("lr", {0.001, 0.01, 0.1}),
                     ParameterSpec::Integer("n", 1, 5)};
  struct Run {
    std::shared_ptr<ObservedRepository> repository = std::make_shared<ObservedRepository>();
    RecordingDesigner* designer = nullptr;  // owned by the study
    std::shared_ptr<Study> study;
    std::vector<Trial> out;
    int reads = 0;  // of every trial, by the Suggest calls
  };
  const auto run = [&](bool parameters_only) {
    Run r;
    auto designer = std::make_unique<RecordingDesigner>(r.repository, /*quick=*/true,
                                                        /*uses_trials=*/true, parameters_only);
    r.designer = designer.get();
    r.study =
        Study::Open(r.repository, "s",
                    {.create_if_missing = true, .spec = spec, .designer = std::move(designer)});
    Study* study = r.study.get();
    r.repository->study_id = study->id();
    const auto suggest = [&](int count, const std::string& client) {
      const int before = r.repository->list_calls.load();
      const std::vector<Trial> trials = study->Suggest(count, client);
      r.reads += r.repository->list_calls.load() - before;
      r.out.insert(r.out.end(), trials.begin(), trials.end());
    };
    suggest(4, "a");
    suggest(2, "a");  // a returning client gets its trials back
    study->AddMeasurement(r.out[0].id, {.metric = "accuracy", .step = 1, .value = 0.5});
    study->Complete(r.out[0].id);
    study->Fail(r.out[1].id, "crashed");
    study->RequestTrial({{"lr", 0.01}, {"n", 2}});  // queued: handed out first
    suggest(5, "b");
    study->Complete(r.out[2].id, 0.25);
    suggest(4, "");
    return r;
  };
  const Run on_parameters = run(true);
  const Run on_all = run(false);
  CHECK(on_parameters.reads == 0);
  CHECK(on_all.reads == 4);                               // one a call
  CHECK(on_parameters.repository->parameter_calls == 3);  // a call that drew points
  REQUIRE(on_parameters.out.size() == on_all.out.size());
  // The queued trial is the first that client b got; the others were drawn by the designer.
  std::size_t queued = 0;
  while (queued < on_all.out.size() && on_all.out[queued].client_id != "b")
    ++queued;
  std::map<std::int64_t, ParameterValues> drawn;
  for (std::size_t i = 0; i < on_all.out.size(); ++i) {
    INFO("trial " << i);
    CHECK(on_parameters.out[i].id == on_all.out[i].id);
    CHECK(on_parameters.out[i].parameters == on_all.out[i].parameters);
    CHECK(on_parameters.out[i].client_id == on_all.out[i].client_id);
    CHECK(on_parameters.out[i].state == on_all.out[i].state);
    if (i != queued) drawn[on_parameters.out[i].id] = on_parameters.out[i].parameters;
  }
  REQUIRE(queued < on_all.out.size());
  CHECK(on_parameters.out[queued].parameters == ParameterValues{{"lr", 0.01}, {"n", 2}});
  REQUIRE(drawn.size() == 12);
  for (auto a = drawn.begin(); a != drawn.end(); ++a) {
    for (auto b = std::next(a); b != drawn.end(); ++b)
      CHECK(a->second != b->second);  // no point twice
  }
  CHECK(on_parameters.designer->trials_shown == on_all.designer->trials_shown);
}

TEST_CASE("a zero-width range is rejected with a clear error", "[study]") {
  StudySpec spec = SmallSpec();
  spec.parameters = {ParameterSpec::Double("x", 1, 1)};
  CHECK_THROWS_WITH(Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                                {.create_if_missing = true, .spec = spec}),
                    Catch::Contains("parameter 'x'") && Catch::Contains("must be less than"));
  spec.parameters = {ParameterSpec::Integer("n", 3, 3)};
  CHECK_THROWS_AS(Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                              {.create_if_missing = true, .spec = spec}),
                  InvalidArgument);
}

TEST_CASE("a parameter name longer than 255 bytes is rejected, the message cut short", "[study]") {
  StudySpec spec = SmallSpec();
  spec.parameters = {ParameterSpec::Double(std::string(5 << 20, 'a'), 0, 1)};
  try {
    Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                {.create_if_missing = true, .spec = spec});
    FAIL("a 5 MB parameter name was accepted");
  } catch (const InvalidArgument& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Catch::Contains("is 5242880 bytes long") &&
                            Catch::Contains("a parameter name is at most 255 bytes"));
    CHECK(message.size() < 400);
  }
  spec.parameters = {ParameterSpec::Double(std::string(255, 'a'), 0, 1)};
  CHECK(Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                    {.create_if_missing = true, .spec = spec}));
}

TEST_CASE("a study of maxTrials INT_MAX suggests trials: its failure limit does not overflow",
          "[study]") {
  // (maxTrials + 1) / 2 overflowed to a negative limit: the study was done, stopped by 0
  // failures, before its first trial.
  StudySpec spec = SmallSpec(std::numeric_limits<int>::max());
  spec.max_parallel_trials = std::numeric_limits<int>::max();
  CHECK(FailureLimit(spec) == 1073741824);
  spec.max_trials = 9;
  CHECK(FailureLimit(spec) == 5);
  spec.max_trials = 11;
  CHECK(FailureLimit(spec) == 6);
  auto study = NewStudy(std::numeric_limits<int>::max());
  CHECK_FALSE(study->IsDone());
  CHECK(study->Suggest(1).size() == 1);
}

TEST_CASE("a NaN objective never reaches the GP, which keeps suggesting", "[study]") {
  StudySpec spec = SmallSpec(14);
  spec.algorithm = Algorithm::kUnspecified;
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                           {.create_if_missing = true, .spec = spec});
  int i = 0;
  while (!study->IsDone()) {
    auto t = study->Suggest(1);
    REQUIRE(t.size() == 1);
    const double value = i % 3 == 0 ? NAN : i % 3 == 1 ? -INFINITY : 0.1 * i;
    const Trial done = study->Complete(t[0].id, value);
    CHECK(done.state == (i % 3 == 2 ? TrialState::kSucceeded : TrialState::kInfeasible));
    ++i;
  }
  CHECK(i == 14);
  CHECK(study->BestTrial()->final_value == Approx(0.1 * 11));
  CHECK(study->Progress().infeasible == 10);
}

TEST_CASE("threads with client ids: each asks twice and gets its own trial back", "[study]") {
  StudySpec spec = SmallSpec(40);
  spec.algorithm = Algorithm::kUnspecified;  // the GP: suggestions take real time
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "s",
                           {.create_if_missing = true, .spec = spec});
  // A few queued trials must go out first, each exactly once.
  for (int r = 0; r < 5; ++r)
    study->RequestTrial({{"lr", 0.001 * (r + 1)}, {"n", 1}});
  std::vector<std::vector<std::int64_t>> ids(4);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      const std::string client = "worker-" + std::to_string(w);
      for (;;) {
        auto first = study->Suggest(1, client);
        if (first.empty()) return;
        auto again = study->Suggest(1, client);
        if (again.size() != 1 || again[0].id != first[0].id) ++mismatches;
        ids[w].push_back(first[0].id);
        study->Complete(first[0].id, std::log(first[0].parameters.at("lr").AsDouble()));
      }
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(mismatches == 0);
  std::set<std::int64_t> all;
  std::size_t total = 0;
  for (const auto& v : ids) {
    all.insert(v.begin(), v.end());
    total += v.size();
  }
  CHECK(total == 40);
  CHECK(all.size() == 40);
  const auto trials = study->Trials();
  CHECK(trials.size() == 40);
  for (int r = 0; r < 5; ++r)
    CHECK(trials[r].state == TrialState::kSucceeded);
  CHECK(study->IsDone());
}

TEST_CASE("threads never take a grid point twice nor more than the grid holds", "[study]") {
  StudySpec spec = SmallSpec(100);
  spec.algorithm = Algorithm::kGridSearch;
  spec.parameters = {ParameterSpec::Integer("a", 1, 6), ParameterSpec::Discrete("b", {1, 2, 3, 4})};
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "grid",
                           {.create_if_missing = true, .spec = spec});
  std::vector<std::thread> threads;
  std::atomic<int> handed{0};
  for (int w = 0; w < 6; ++w) {
    threads.emplace_back([&] {
      for (;;) {
        auto batch = study->Suggest(4);
        if (batch.empty()) return;
        handed += static_cast<int>(batch.size());
        for (const Trial& t : batch)
          study->Complete(t.id, 1.0);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(handed == 24);
  std::set<std::pair<std::int64_t, double>> points;
  for (const Trial& t : study->Trials())
    points.insert({t.parameters.at("a").AsInteger(), t.parameters.at("b").AsDouble()});
  CHECK(points.size() == 24);
  CHECK(study->IsDone());
}

TEST_CASE("threads asking for batches stop exactly at maxTrials", "[study]") {
  auto study = NewStudy(37);
  std::vector<std::thread> threads;
  std::atomic<int> handed{0};
  for (int w = 0; w < 5; ++w) {
    threads.emplace_back([&, w] {
      for (;;) {
        auto batch = study->Suggest(1 + w % 3);
        if (batch.empty()) return;
        handed += static_cast<int>(batch.size());
        for (const Trial& t : batch)
          study->Complete(t.id, 0.5);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(handed == 37);
  CHECK(study->Trials().size() == 37);
  CHECK(study->IsDone());
}

TEST_CASE("random search gives each INTEGER and DISCRETE value its share, the end values too",
          "[study]") {
  // A uniform coordinate rounded to the nearest value gave the end values half the others' share
  // (INTEGER 1..4: 50 / 109 / 92 / 49 of 300; a linear DISCRETE [0.1, 0.2, 0.9]: 17 / 155 / 128).
  // The DOUBLE keeps every draw new, so the trials are not looked at.
  const SearchSpace space({ParameterSpec::Double("lr", 0.0, 1.0), ParameterSpec::Integer("n", 1, 4),
                           ParameterSpec::Discrete("d", {0.1, 0.2, 0.9}),
                           ParameterSpec::Integer("m", 1, 4, ScaleType::kLog)});
  StudySpec spec = SmallSpec(100);
  spec.parameters = space.parameters();
  constexpr int kDraws = 6000;
  const std::vector<ParameterValues> points =
      RandomDesigner().Suggest({space, spec, {}, kDraws, 5});
  REQUIRE(points.size() == kDraws);
  auto [n, d, m] = testing::CountValueShares(points);
  // Each value of n a quarter (1,500; the standard deviation is 34), each of d a third (2,000).
  for (std::int64_t v = 1; v <= 4; ++v)
    CHECK(std::abs(n[v] - kDraws / 4) < 150);
  for (double v : {0.1, 0.2, 0.9})
    CHECK(std::abs(d[v] - kDraws / 3) < 150);
  // On a log scale each value owns [v - 0.5, v + 0.5] of log-uniform draws on [0.5, 4.5]: 1 half
  // of them (ln 3 / ln 9), 2 ln(5/3) / ln 9 = 23%, 3 15%, 4 11%; nearest rounding gave 1 29%.
  CHECK(std::abs(m[1] - kDraws / 2) < 150);
  CHECK(std::abs(m[4] - static_cast<int>(kDraws * std::log(4.5 / 3.5) / std::log(9.0))) < 120);
}
