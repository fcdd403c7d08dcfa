#include "bayestune/optimizer/study.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/in_memory_study_repository.h"

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
  return Study::Create(std::make_shared<InMemoryStudyRepository>(), "s", SmallSpec(max_trials));
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
    study->AddMeasurement(t.id, {"accuracy", 1, 0, 0.5});
    study->AddMeasurement(t.id, {"accuracy", 2, 0, 0.4 + 0.1 * t.id});
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
  CHECK_THROWS_AS(study->AddMeasurement(t.id, {"accuracy", 3, 0, 0.1}), FailedPrecondition);
  auto u = study->Suggest(1)[0];
  CHECK_THROWS_AS(study->AddMeasurement(u.id, {"accuracy", 3, 0, NAN}), InvalidArgument);
  CHECK_THROWS_AS(Study::Open(std::make_shared<InMemoryStudyRepository>(), "missing"), NotFound);
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
  study->AddMeasurement(t.id, {"loss", 1, 0, 0.5});
  const Trial done = study->Complete(t.id);
  CHECK(done.state == TrialState::kFailed);
  CHECK(done.failure_reason.find("'accuracy'") != std::string::npos);
}

TEST_CASE("BEST selection takes the best measurement under the goal", "[study]") {
  StudySpec spec = SmallSpec();
  spec.measurement_selection = MeasurementSelection::kBest;
  spec.goal = Goal::kMinimize;
  auto study = Study::Create(std::make_shared<InMemoryStudyRepository>(), "s", spec);
  auto t = study->Suggest(1)[0];
  for (auto [step, value] : {std::pair{1, 0.9}, {2, 0.2}, {3, 0.4}}) {
    study->AddMeasurement(t.id, {"accuracy", step, 0, value});
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

TEST_CASE("an existing study opens with the same spec and refuses another", "[study]") {
  auto repository = std::make_shared<InMemoryStudyRepository>();
  auto a = Study::Create(repository, "s", SmallSpec());
  auto b = Study::Create(repository, "s", SmallSpec());
  CHECK(a->id() == b->id());
  CHECK_THROWS_AS(Study::Create(repository, "s", SmallSpec(7)), AlreadyExists);
}

TEST_CASE("the same seed and history give the same suggestions", "[study]") {
  auto a = NewStudy();
  auto b = NewStudy();
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
