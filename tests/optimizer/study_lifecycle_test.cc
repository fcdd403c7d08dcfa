// Study::Open's options, trial owners and attempts, budgets that grow, retried failures, seeds,
// the one ranking rule, and reading calls that never write.
#include <catch2/catch.hpp>
#include <cmath>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"

using namespace bayestune;

namespace {

StudySpec Spec(int max_trials = 5) {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = max_trials;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("lr", 1e-3, 1e-1, ScaleType::kLog)};
  return spec;
}

std::shared_ptr<Study> Create(std::shared_ptr<StudyRepository> repository, const StudySpec& spec,
                              const std::string& name = "s") {
  return Study::Open(std::move(repository), name, {.create_if_missing = true, .spec = spec});
}

// Forwards reads to a repository and fails the test on any write: what a reader's read-only
// database does.
class NoWriteRepository : public StudyRepository {
 public:
  explicit NoWriteRepository(std::shared_ptr<StudyRepository> inner) : inner_(std::move(inner)) {}
  StudyRecord CreateStudy(StudyRecord) override { return Refuse<StudyRecord>(); }
  std::optional<StudyRecord> FindStudy(const std::string& name) override {
    return inner_->FindStudy(name);
  }
  std::optional<StudyRecord> GetStudy(std::int64_t id) override { return inner_->GetStudy(id); }
  std::vector<StudyRecord> ListStudies() override { return inner_->ListStudies(); }
  void DeleteStudy(std::int64_t) override { Refuse<int>(); }
  void SetStudyState(std::int64_t, StudyState) override { Refuse<int>(); }
  void UpdateStudySpec(std::int64_t, const StudySpec&, const std::string&,
                       const StudyChange&) override {
    Refuse<int>();
  }
  void AddStudyChange(std::int64_t, const StudyChange&) override { Refuse<int>(); }
  std::vector<StudyChange> ListStudyChanges(std::int64_t id) override {
    return inner_->ListStudyChanges(id);
  }
  Trial AddTrial(std::int64_t, Trial) override { return Refuse<Trial>(); }
  void UpdateTrial(std::int64_t, const Trial&) override { Refuse<int>(); }
  void AddMeasurement(std::int64_t, std::int64_t, const Measurement&) override { Refuse<int>(); }
  std::optional<Trial> GetTrial(std::int64_t study, std::int64_t trial) override {
    return inner_->GetTrial(study, trial);
  }
  std::vector<Trial> ListTrials(std::int64_t study) override { return inner_->ListTrials(study); }
  void RunInTransaction(const std::function<void()>&) override { Refuse<int>(); }

 private:
  template <typename T>
  T Refuse() {
    FAIL("a reading call wrote to the repository");
    throw std::logic_error("unreachable");
  }
  std::shared_ptr<StudyRepository> inner_;
};

}  // namespace

TEST_CASE("Study::Open: create_if_missing, error_if_exists, and a spec to create", "[study]") {
  auto repository = std::make_shared<InMemoryStudyRepository>();
  CHECK_THROWS_WITH(Study::Open(repository, "s"), "no study named 's'");
  CHECK_THROWS_AS(Study::Open(repository, "s", {.spec = Spec()}), NotFound);
  CHECK_THROWS_WITH(Study::Open(repository, "s", {.create_if_missing = true}),
                    Catch::Contains("a spec is needed to create it"));
  CHECK_THROWS_AS(Study::Open(repository, "", {.create_if_missing = true, .spec = Spec()}),
                  InvalidArgument);
  // A null repository is refused by name (it crashed).
  CHECK_THROWS_WITH(Study::Open(nullptr, "s", {.create_if_missing = true, .spec = Spec()}),
                    Catch::Contains("Study::Open of study 's': the repository is null"));
  auto created = Create(repository, Spec());
  CHECK(Study::Open(repository, "s")->id() == created->id());
  CHECK_THROWS_WITH(Study::Open(repository, "s", {.error_if_exists = true}),
                    "a study named 's' already exists");
  CHECK(Study::List(*repository).size() == 1);
  created->Delete();
  CHECK(Study::List(*repository).empty());
  CHECK_THROWS_AS(created->Progress(), NotFound);
}

TEST_CASE("Study::Open: a new study resuming one that does not exist is refused", "[study]") {
  // The CLI and the gRPC server checked it, the Study an embedder opens did not: a typo in
  // resumePreviousJobId made a study that silently learnt from nothing.
  auto repository = std::make_shared<InMemoryStudyRepository>();
  Create(repository, Spec(), "first-run");
  StudySpec spec = Spec();
  spec.resume_previous_job_id = "frist-run";
  CHECK_THROWS_WITH(Create(repository, spec, "second-run"),
                    "study 'second-run': resumePreviousJobId: no study named 'frist-run' to learn "
                    "from; did you mean 'first-run'? The studies there: 'first-run' (a study "
                    "learns from the finished trials of that one)");
  CHECK_THROWS_AS(Create(repository, spec, "second-run"), InvalidArgument);
  CHECK(Study::List(*repository).size() == 1);
  spec.resume_previous_job_id = "first-run";
  CHECK(Create(repository, spec, "second-run")->name() == "second-run");
  // A study that exists opens although the one it resumed was deleted since.
  Study::Open(repository, "first-run")->Delete();
  CHECK(Study::Open(repository, "second-run", {.spec = spec})->name() == "second-run");
}

TEST_CASE("every call on a study deleted meanwhile names it, not the store's study id", "[study]") {
  // They said "no study with id 1" (or "has no trial 1"), an id the program never saw; the CLI
  // worked around it for its own message.
  auto repository = std::make_shared<InMemoryStudyRepository>();
  auto study = Create(repository, Spec(), "mine");
  const Trial t = study->Suggest(1, "w")[0];
  Study::Open(repository, "mine")->Delete();
  const auto deleted = Catch::Matchers::Equals(
      "study 'mine' (id 1) was deleted (by bayestune delete, a DeleteStudy call to bayestune "
      "serve, or Study::Delete), and its trials with it; open it again by its name to start it "
      "anew");
  CHECK_THROWS_WITH(study->Suggest(1, "w"), deleted);
  CHECK_THROWS_WITH(study->AddMeasurement(t.id, {.metric = "accuracy", .step = 1, .value = 1}),
                    deleted);
  CHECK_THROWS_WITH(study->Complete(t.id, 0.5), deleted);
  CHECK_THROWS_WITH(study->Fail(t.id, "x"), deleted);
  CHECK_THROWS_WITH(study->ShouldStop(t.id), deleted);
  CHECK_THROWS_WITH(study->RequestTrial({{"lr", 0.01}}), deleted);
  CHECK_THROWS_WITH(study->RetryFailedTrials(), deleted);
  CHECK_THROWS_WITH(study->GetTrial(t.id), deleted);
  CHECK_THROWS_WITH(study->Trials(), deleted);
  CHECK_THROWS_WITH(study->BestTrial(), deleted);
  CHECK_THROWS_WITH(study->Changes(), deleted);
  CHECK_THROWS_WITH(study->Delete(), deleted);
  CHECK_THROWS_AS(study->Delete(), NotFound);
  // A study that exists still says which trial it lacks.
  auto other = Create(repository, Spec(), "other");
  CHECK_THROWS_WITH(other->GetTrial(99), "study 'other' has no trial 99");
  CHECK_THROWS_WITH(other->Complete(99, 0.5), "study 'other' has no trial 99");
}

TEST_CASE("a client that lost its trial is told so and changes nothing", "[study][owner]") {
  auto study = Create(std::make_shared<InMemoryStudyRepository>(), Spec());
  const Trial mine = study->Suggest(1, "runner-a")[0];
  const TrialOwner owner = mine.Owner();
  CHECK(owner == TrialOwner{"runner-a", 1});
  study->AddMeasurement(mine.id, {.metric = "accuracy", .step = 1, .value = 0.5}, owner);
  study->MarkStarted(mine.id, {0}, owner);
  // Another runner thinks runner-a is gone: requeued, then handed to runner-b as attempt 2.
  study->Requeue(mine.id, "its runner is gone", owner);
  const Trial theirs = study->Suggest(1, "runner-b")[0];
  REQUIRE(theirs.id == mine.id);
  CHECK(theirs.attempt == 2);

  // runner-a's late calls are all refused, with a message that says what happened.
  CHECK_THROWS_WITH(study->Complete(mine.id, 0.9, std::nullopt, owner),
                    Catch::Contains("is no longer attempt 1 of client runner-a") &&
                        Catch::Contains("ACTIVE, attempt 2 for client runner-b") &&
                        Catch::Contains("must stop its process"));
  CHECK_THROWS_AS(study->Fail(mine.id, "crashed", owner), FailedPrecondition);
  CHECK_THROWS_AS(study->MarkInfeasible(mine.id, "nan", owner), FailedPrecondition);
  CHECK_THROWS_AS(study->Requeue(mine.id, "again", owner), FailedPrecondition);
  CHECK_THROWS_AS(study->MarkStarted(mine.id, {1}, owner), FailedPrecondition);
  CHECK_THROWS_AS(study->ShouldStop(mine.id, owner), FailedPrecondition);
  CHECK_THROWS_AS(
      study->AddMeasurement(mine.id, {.metric = "accuracy", .step = 2, .value = 0.1}, owner),
      FailedPrecondition);
  const Trial now = study->GetTrial(mine.id);
  CHECK(now.state == TrialState::kActive);
  CHECK(now.client_id == "runner-b");
  CHECK(now.attempt == 2);

  // runner-b, the owner now, completes it; without an owner a call is unconditional.
  study->AddMeasurement(mine.id, {.metric = "accuracy", .step = 1, .value = 0.7}, theirs.Owner());
  CHECK(study->Complete(mine.id, std::nullopt, std::nullopt, theirs.Owner()).final_value == 0.7);
  const Trial other = study->Suggest(1, "runner-b")[0];
  CHECK(study->Fail(other.id, "by hand").state == TrialState::kFailed);
}

TEST_CASE("measurements carry their attempt, and the value comes from the final one",
          "[study][attempt]") {
  auto study = Create(std::make_shared<InMemoryStudyRepository>(), Spec());
  const Trial first = study->Suggest(1, "a")[0];
  const std::vector<Measurement> curve{{.metric = "accuracy", .step = 1, .value = 0.9},
                                       {.metric = "accuracy", .step = 2, .value = 0.95},
                                       {.metric = "accuracy", .step = 3, .value = 0.97}};
  study->AddMeasurements(first.id, curve, first.Owner());
  study->Requeue(first.id, "killed by a second Ctrl-C", first.Owner());
  const Trial second = study->Suggest(1, "b")[0];
  REQUIRE(second.attempt == 2);
  study->AddMeasurements(second.id,
                         std::vector<Measurement>{{.metric = "accuracy", .step = 1, .value = 0.3},
                                                  {.metric = "accuracy", .step = 2, .value = 0.4}},
                         second.Owner());
  const Trial done = study->Complete(second.id, std::nullopt, std::nullopt, second.Owner());
  // LAST of attempt 2 is step 2 (0.4), not attempt 1's step 3 (0.97).
  CHECK(*done.final_value == 0.4);
  CHECK(*done.final_step == 2);
  REQUIRE(done.measurements.size() == 5);  // every attempt's are kept
  CHECK(done.measurements[0].attempt == 1);
  CHECK(done.measurements[4].attempt == 2);
  CHECK(done.MeasurementsOf("accuracy").size() == 2);
}

TEST_CASE("a batch of measurements is all or nothing, and a resent batch is stored once",
          "[study][measurements]") {
  auto study = Create(std::make_shared<InMemoryStudyRepository>(), Spec());
  const Trial t = study->Suggest(1, "a")[0];
  const std::vector<Measurement> batch{{.metric = "accuracy", .step = 1, .value = 0.5},
                                       {.metric = "loss", .step = 1, .value = 1.5, .wall_time = 7}};
  study->AddMeasurements(t.id, batch);
  study->AddMeasurements(t.id, std::vector<Measurement>{batch[1]});  // its answer was lost
  CHECK(study->GetTrial(t.id).measurements.size() == 2);
  CHECK_THROWS_WITH(
      study->AddMeasurements(t.id,
                             std::vector<Measurement>{{.metric = "accuracy", .step = 2, .value = 1},
                                                      {.metric = "loss", .step = -1, .value = 1}}),
      Catch::Contains("step of trial 1 is -1; steps are 0 or more"));
  CHECK_THROWS_AS(study->AddMeasurement(t.id, {.metric = "accuracy", .step = 2, .value = INFINITY}),
                  InvalidArgument);
  CHECK(study->GetTrial(t.id).measurements.size() == 2);
  CHECK_THROWS_AS(study->Complete(t.id, 0.5, -3), InvalidArgument);
}

TEST_CASE("maxTrials and maxFailedTrials of an existing study can grow, and the change is kept",
          "[study][budget]") {
  auto repository = std::make_shared<InMemoryStudyRepository>();
  auto study = Create(repository, Spec(2));
  for (const Trial& t : study->Suggest(2))
    study->Complete(t.id, 0.5);
  CHECK(study->IsDone());
  CHECK(study->Record().state == StudyState::kCompleted);
  CHECK(study->Suggest(1).empty());

  auto grown = Study::Open(repository, "s", {.create_if_missing = true, .spec = Spec(3)});
  CHECK(grown->spec().max_trials == 3);
  CHECK_FALSE(grown->IsDone());
  CHECK(grown->Record().state == StudyState::kActive);
  REQUIRE(grown->Changes().size() == 1);
  CHECK(grown->Changes()[0].description == "maxTrials 2 -> 3");
  CHECK(grown->Changes()[0].time > 0);
  // A Study opened before sees the new budget at once.
  CHECK(study->Suggest(1).size() == 1);
  CHECK(study->Progress().max_trials == 3);

  // Anything but the budgets is refused, pointing at resumePreviousJobId.
  StudySpec other = Spec(3);
  other.parameters.push_back(ParameterSpec::Integer("n", 1, 4));
  CHECK_THROWS_WITH(
      Study::Open(repository, "s", {.create_if_missing = true, .spec = other}),
      Catch::Contains("params: 1 -> 2 parameters") && Catch::Contains("resumePreviousJobId: s"));
}

TEST_CASE("a study stopped by its failure limit goes on when its failed trials are retried",
          "[study][budget]") {
  StudySpec spec = Spec(10);
  spec.max_failed_trials = 2;
  auto study = Create(std::make_shared<InMemoryStudyRepository>(), spec);
  for (const Trial& t : study->Suggest(2))
    study->Fail(t.id, "CUDA out of memory");
  StudyProgress progress = study->Progress();
  CHECK(progress.end == StudyEnd::kFailureLimit);
  CHECK(progress.failure_limit == 2);
  CHECK(study->Suggest(1).empty());

  const std::vector<Trial> retried = study->RetryFailedTrials();
  REQUIRE(retried.size() == 2);
  CHECK(retried[0].state == TrialState::kRequested);
  CHECK(retried[0].attempt == 2);
  CHECK(retried[0].failure_reason == "retried after attempt 1 failed: CUDA out of memory");
  progress = study->Progress();
  CHECK_FALSE(progress.done());
  CHECK(progress.requested == 2);
  const std::vector<Trial> again = study->Suggest(3);
  REQUIRE(again.size() == 3);
  CHECK(again[0].id == 1);  // the retried ones first, same parameters
  CHECK(again[0].parameters == retried[0].parameters);
  CHECK(study->Changes().back().description == "2 failed trials queued to run again");
  CHECK(study->RetryFailedTrials().empty());
}

TEST_CASE("a study without a seed gets a random one, and a given seed reproduces",
          "[study][seed]") {
  auto repository = std::make_shared<InMemoryStudyRepository>();
  auto a = Create(repository, Spec(), "a");
  auto b = Create(repository, Spec(), "b");
  REQUIRE(a->spec().seed);
  REQUIRE(b->spec().seed);
  CHECK(*a->spec().seed != *b->spec().seed);
  CHECK(a->Suggest(1)[0].parameters != b->Suggest(1)[0].parameters);
  // Opened again with the seedless spec it was made from: the same study, seed kept.
  CHECK(Study::Open(repository, "a", {.create_if_missing = true, .spec = Spec()})->spec().seed ==
        a->spec().seed);
  StudySpec seeded = Spec();
  seeded.seed = 11;
  auto c = Create(repository, seeded, "c");
  auto d = Create(repository, seeded, "d");
  CHECK(*c->spec().seed == 11);
  CHECK(c->Suggest(1)[0].parameters == d->Suggest(1)[0].parameters);
  seeded.seed = 12;
  CHECK_THROWS_WITH(Create(repository, seeded, "c"), Catch::Contains("runner.seed 11 -> 12"));
}

TEST_CASE("equal values rank by trial number: the earliest trial is the best", "[study][rank]") {
  StudySpec spec = Spec(4);
  auto study = Create(std::make_shared<InMemoryStudyRepository>(), spec);
  const auto trials = study->Suggest(4);
  study->Complete(trials[0].id, 0.5);
  study->Complete(trials[1].id, 0.9);
  study->Complete(trials[2].id, 0.9);
  study->Fail(trials[3].id, "crashed");
  CHECK(study->BestTrial()->id == 2);
  const std::vector<Trial> ranked = RankTrials(study->Trials(), spec);
  REQUIRE(ranked.size() == 3);
  CHECK(ranked[0].id == 2);
  CHECK(ranked[1].id == 3);
  CHECK(ranked[2].id == 1);
  // The same whatever order the trials come in.
  std::vector<Trial> reversed = study->Trials();
  std::reverse(reversed.begin(), reversed.end());
  CHECK(RankTrials(reversed, spec)[0].id == 2);
  spec.goal = Goal::kMinimize;
  CHECK(RankTrials(reversed, spec)[0].id == 1);
}

TEST_CASE("reading calls never write", "[study][read]") {
  auto repository = std::make_shared<InMemoryStudyRepository>();
  auto writer = Create(repository, Spec(2));
  for (const Trial& t : writer->Suggest(2))
    writer->Complete(t.id, 0.5);
  auto reader = Study::Open(std::make_shared<NoWriteRepository>(repository), "s");
  CHECK(reader->IsDone());
  CHECK(reader->Progress().end == StudyEnd::kMaxTrials);
  CHECK(reader->BestTrials().size() == 2);
  CHECK(reader->Trials().size() == 2);
  CHECK(reader->Changes().empty());
  CHECK(reader->Record().name == "s");
  // Opened with its own spec (as a run does), it still writes nothing.
  StudySpec same = Spec(2);
  Study::Open(std::make_shared<NoWriteRepository>(repository), "s", {.spec = same});
}
