// What every StudyRepository does, checked on the in-memory one and on SQLite alike.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "temp_folder.h"
#include "test_studies.h"

using namespace bayestune;
using bayestune::testing::RandomSearchSpec;
using bayestune::testing::TempFolder;

namespace {

struct InMemory {
  std::shared_ptr<StudyRepository> Make() { return std::make_shared<InMemoryStudyRepository>(); }
};

struct Sqlite {
  TempFolder folder;
  std::shared_ptr<StudyRepository> Make() {
    return SqliteStudyRepository::Open(folder.File("study.db"));
  }
};

StudyRecord NewStudy(StudyRepository& repository, const std::string& name) {
  StudyRecord study;
  study.name = name;
  study.spec = RandomSearchSpec(10);
  study.spec_text = "trainingInput:\n  hyperparameters:\n    goal: MAXIMIZE\n";
  return repository.CreateStudy(study);
}

// A trial with every field set, and parameters of every type (3.0 stays a double).
Trial FullTrial() {
  Trial trial;
  trial.state = TrialState::kSucceeded;
  trial.parameters = {{"learning_rate", 3.0},
                      {"layers", 4},
                      {"optimizer", "adam, with \"quotes\""},
                      {"big", std::int64_t{1} << 60}};
  trial.client_id = "worker-1";
  trial.gpus = {0, 3};
  trial.attempt = 2;
  trial.start_time = 1714557600.25;
  trial.end_time = 1714557660.5;
  trial.final_value = 0.875;
  trial.final_step = 20;
  trial.failure_reason = "was requeued: runner restarted (ünïcödé)";
  trial.stopped_early = true;
  trial.stop_rung = "rung 1 (step 3, bracket 2)";
  trial.measurements = {{.metric = "accuracy", .step = 10, .value = 0.5, .wall_time = 1714557630.0},
                        {.metric = "loss", .step = 10, .value = 1.25, .wall_time = 1714557630.0}};
  return trial;
}

}  // namespace

TEMPLATE_TEST_CASE("a repository stores studies and finds them by name and id", "[conformance]",
                   InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord a = NewStudy(*repository, "alpha");
  const StudyRecord b = NewStudy(*repository, "beta");
  CHECK(a.id > 0);
  CHECK(b.id > a.id);
  CHECK(a.created_time > 1.6e9);
  CHECK(a.state == StudyState::kActive);

  const auto found = repository->FindStudy("beta");
  REQUIRE(found);
  CHECK(found->id == b.id);
  CHECK(found->name == "beta");
  CHECK(found->spec == b.spec);
  CHECK(found->spec_text == b.spec_text);
  CHECK(found->created_time == b.created_time);
  CHECK(repository->GetStudy(a.id)->name == "alpha");
  CHECK_FALSE(repository->FindStudy("gamma"));
  CHECK_FALSE(repository->GetStudy(b.id + 100));

  const auto all = repository->ListStudies();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "alpha");
  CHECK(all[1].name == "beta");

  CHECK_THROWS_AS(NewStudy(*repository, "alpha"), AlreadyExists);
  CHECK(repository->ListStudies().size() == 2);
}

TEMPLATE_TEST_CASE("study state changes and deletion take the trials along", "[conformance]",
                   InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord a = NewStudy(*repository, "alpha");
  const StudyRecord b = NewStudy(*repository, "beta");
  repository->SetStudyState(a.id, StudyState::kCompleted);
  CHECK(repository->GetStudy(a.id)->state == StudyState::kCompleted);
  repository->AddTrial(a.id, FullTrial());
  repository->AddTrial(b.id, FullTrial());

  repository->DeleteStudy(a.id);
  CHECK_FALSE(repository->GetStudy(a.id));
  CHECK_THROWS_AS(repository->ListTrials(a.id), NotFound);
  CHECK(repository->ListTrials(b.id).size() == 1);
  CHECK_THROWS_AS(repository->DeleteStudy(a.id), NotFound);
  CHECK_THROWS_AS(repository->SetStudyState(a.id, StudyState::kActive), NotFound);
  // A new study never takes the id of a deleted one.
  CHECK(NewStudy(*repository, "alpha").id > b.id);
}

TEMPLATE_TEST_CASE("TallyTrials counts the trials by state and returns the queued and a client's",
                   "[conformance]", InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord study = NewStudy(*repository, "tally");
  NewStudy(*repository, "other");  // its trials are not counted
  repository->AddTrial(2, Trial{});
  const auto add = [&](TrialState state, const std::string& client, bool stopped_early = false) {
    Trial trial = FullTrial();
    trial.state = state;
    trial.client_id = client;
    trial.stopped_early = stopped_early;
    return repository->AddTrial(study.id, trial);
  };
  add(TrialState::kSucceeded, "a");
  add(TrialState::kSucceeded, "a", true);
  add(TrialState::kRequested, "");
  add(TrialState::kActive, "b");
  add(TrialState::kFailed, "b");
  add(TrialState::kRequested, "");
  add(TrialState::kStopping, "b");
  add(TrialState::kActive, "c");
  add(TrialState::kRequested, "");
  add(TrialState::kInfeasible, "a");
  const TrialTally tally = repository->TallyTrials(study.id, "b", 2);
  CHECK(tally.total == 10);
  const std::map<std::pair<TrialState, bool>, std::int64_t> counts = {
      {{TrialState::kSucceeded, false}, 1}, {{TrialState::kSucceeded, true}, 1},
      {{TrialState::kRequested, false}, 3}, {{TrialState::kActive, false}, 2},
      {{TrialState::kFailed, false}, 1},    {{TrialState::kStopping, false}, 1},
      {{TrialState::kInfeasible, false}, 1}};
  CHECK(tally.counts == counts);
  // The first two queued, by id, and client b's pending ones, each as GetTrial reads it.
  REQUIRE(tally.requested.size() == 2);
  CHECK(tally.requested[0] == *repository->GetTrial(study.id, 3));
  CHECK(tally.requested[1] == *repository->GetTrial(study.id, 6));
  REQUIRE(tally.pending_of_client.size() == 2);
  CHECK(tally.pending_of_client[0] == *repository->GetTrial(study.id, 4));
  CHECK(tally.pending_of_client[1] == *repository->GetTrial(study.id, 7));
  // The same as the default, which reads every trial.
  const TrialTally read = repository->StudyRepository::TallyTrials(study.id, "b", 2);
  CHECK(read.total == tally.total);
  CHECK(read.counts == tally.counts);
  CHECK(read.requested == tally.requested);
  CHECK(read.pending_of_client == tally.pending_of_client);
  CHECK(repository->TallyTrials(study.id, "", 10).pending_of_client.empty());
  CHECK(repository->TallyTrials(study.id, "", 10).requested.size() == 3);
  // Counts follow every change of state (SQLite keeps them by triggers).
  Trial handed = *repository->GetTrial(study.id, 3);
  handed.state = TrialState::kActive;
  handed.client_id = "b";
  repository->UpdateTrial(study.id, handed);
  Trial stopped = *repository->GetTrial(study.id, 4);
  stopped.state = TrialState::kSucceeded;
  stopped.stopped_early = true;
  repository->UpdateTrial(study.id, stopped);
  const TrialTally after = repository->TallyTrials(study.id, "b", 5);
  const std::map<std::pair<TrialState, bool>, std::int64_t> counts_after = {
      {{TrialState::kSucceeded, false}, 1}, {{TrialState::kSucceeded, true}, 2},
      {{TrialState::kRequested, false}, 2}, {{TrialState::kActive, false}, 2},
      {{TrialState::kFailed, false}, 1},    {{TrialState::kStopping, false}, 1},
      {{TrialState::kInfeasible, false}, 1}};
  CHECK(after.counts == counts_after);
  CHECK(after.total == 10);
  const TrialTally after_read = repository->StudyRepository::TallyTrials(study.id, "b", 5);
  CHECK(after_read.counts == after.counts);
  CHECK(after_read.requested == after.requested);
  CHECK(after_read.pending_of_client == after.pending_of_client);
  REQUIRE(after.pending_of_client.size() == 2);  // trials 3 and 7
  CHECK(after.pending_of_client[0].id == 3);
  // A study deleted and another made: nothing of the first is counted.
  repository->DeleteStudy(study.id);
  const StudyRecord again = NewStudy(*repository, "tally");
  repository->AddTrial(again.id, Trial{});
  CHECK(repository->TallyTrials(again.id, "", 1).total == 1);
  CHECK_THROWS_AS(repository->TallyTrials(99, "", 1), NotFound);
}

TEMPLATE_TEST_CASE("ListTrialParameters gives each trial's parameters in id order, as ListTrials",
                   "[conformance]", InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord study = NewStudy(*repository, "points");
  NewStudy(*repository, "other");
  Trial other = FullTrial();
  other.parameters = {{"layers", 9}};
  repository->AddTrial(2, other);  // not of this study
  for (int layers = 1; layers <= 12; ++layers) {
    Trial trial = FullTrial();
    trial.parameters["layers"] = layers;  // 12 trials: ids 10, 11 and 12 sort after 1
    repository->AddTrial(study.id, trial);
  }
  std::vector<ParameterValues> expected;
  for (const Trial& trial : repository->ListTrials(study.id))
    expected.push_back(trial.parameters);
  CHECK(repository->ListTrialParameters(study.id) == expected);
  CHECK(repository->StudyRepository::ListTrialParameters(study.id) == expected);
  CHECK(expected.size() == 12);
  CHECK(expected[11].at("layers") == ParameterValue(std::int64_t{12}));
  CHECK(repository->ListTrialParameters(2).size() == 1);
  CHECK_THROWS_AS(repository->ListTrialParameters(99), NotFound);
}

TEMPLATE_TEST_CASE("trials are numbered per study and every field reads back as stored",
                   "[conformance]", InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord a = NewStudy(*repository, "alpha");
  const StudyRecord b = NewStudy(*repository, "beta");
  Trial trial = FullTrial();
  trial.id = 77;  // ignored
  const Trial first = repository->AddTrial(a.id, trial);
  CHECK(first.id == 1);
  CHECK(repository->AddTrial(a.id, Trial{}).id == 2);
  CHECK(repository->AddTrial(b.id, Trial{}).id == 1);

  const auto stored = repository->GetTrial(a.id, 1);
  REQUIRE(stored);
  CHECK(*stored == first);
  CHECK(stored->parameters.at("learning_rate").IsDouble());
  CHECK(stored->parameters.at("layers").IsInteger());
  CHECK(stored->parameters.at("big").AsInteger() == std::int64_t{1} << 60);
  CHECK(stored->parameters.at("optimizer").IsString());

  const Trial plain = *repository->GetTrial(a.id, 2);
  CHECK(plain.state == TrialState::kRequested);
  CHECK(plain.attempt == 1);
  CHECK_FALSE(plain.start_time);
  CHECK_FALSE(plain.final_value);
  CHECK_FALSE(plain.final_step);
  CHECK(plain.gpus.empty());
  CHECK(plain.parameters.empty());
}

TEMPLATE_TEST_CASE("UpdateTrial replaces every field but the measurements", "[conformance]",
                   InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord study = NewStudy(*repository, "alpha");
  const Trial added = repository->AddTrial(study.id, FullTrial());

  Trial changed;
  changed.id = added.id;
  changed.state = TrialState::kActive;
  changed.parameters = {{"learning_rate", 0.01}, {"layers", 2}};
  changed.client_id = "worker-2";
  changed.attempt = 3;
  changed.start_time = 1714557700.0;
  changed.measurements = {{.metric = "ignored", .step = 1, .value = 1}};
  repository->UpdateTrial(study.id, changed);

  Trial expected = changed;
  expected.measurements = added.measurements;
  CHECK(*repository->GetTrial(study.id, added.id) == expected);

  changed.parameters = expected.parameters;  // same parameters, other fields
  changed.state = TrialState::kFailed;
  changed.failure_reason = "exit code 1";
  repository->UpdateTrial(study.id, changed);
  CHECK(repository->GetTrial(study.id, added.id)->failure_reason == "exit code 1");
  CHECK(repository->GetTrial(study.id, added.id)->parameters == expected.parameters);
}

TEMPLATE_TEST_CASE("measurements keep the order they were reported in, per trial", "[conformance]",
                   InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord study = NewStudy(*repository, "alpha");
  const std::int64_t one = repository->AddTrial(study.id, Trial{}).id;
  const std::int64_t two = repository->AddTrial(study.id, Trial{}).id;
  const Measurement m1{.metric = "accuracy", .step = 5, .value = 0.5, .wall_time = 100.0};
  const Measurement m2{.metric = "accuracy",
                       .step = 2,
                       .value = 0.25,
                       .wall_time = 101.0};  // a lower step, reported later
  const Measurement m3{.metric = "loss", .step = 5, .value = 3.0, .wall_time = 102.0};
  const Measurement m4{.metric = "accuracy", .step = 1, .value = 0.125, .wall_time = 103.0};
  repository->AddMeasurement(study.id, one, m1);
  repository->AddMeasurement(study.id, two, m4);
  repository->AddMeasurement(study.id, one, m2);
  repository->AddMeasurement(study.id, one, m3);

  const auto trials = repository->ListTrials(study.id);
  REQUIRE(trials.size() == 2);
  CHECK(trials[0].id == one);
  CHECK(trials[0].measurements == std::vector<Measurement>{m1, m2, m3});
  CHECK(trials[1].measurements == std::vector<Measurement>{m4});
  CHECK(repository->GetTrial(study.id, one)->measurements == trials[0].measurements);
}

TEMPLATE_TEST_CASE(
    "StoredMeasurements tells which are stored exactly, GetTrialWithoutMeasurements reads none",
    "[conformance]", InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord study = NewStudy(*repository, "alpha");
  const std::int64_t one = repository->AddTrial(study.id, FullTrial()).id;
  const std::int64_t two = repository->AddTrial(study.id, Trial{}).id;
  const Measurement m1{
      .metric = "accuracy", .step = 5, .value = 0.5, .wall_time = 100, .attempt = 1};
  const Measurement m2{.metric = "loss", .step = 5, .value = 3, .wall_time = 100, .attempt = 2};
  repository->AddMeasurement(study.id, one, m1);
  repository->AddMeasurement(study.id, one, m2);
  repository->AddMeasurement(study.id, two, m1);
  Measurement other_attempt = m1;
  other_attempt.attempt = 2;
  Measurement other_step = m2;
  other_step.step = 6;
  const std::vector<Measurement> asked{m2, other_attempt, m1, other_step, m1};
  CHECK(repository->StoredMeasurements(study.id, one, asked) ==
        std::vector<bool>{true, false, true, false, true});
  CHECK(repository->StoredMeasurements(study.id, two, asked) ==
        std::vector<bool>{false, false, true, false, true});
  CHECK_THROWS_AS(repository->StoredMeasurements(study.id, 99, asked), NotFound);

  Trial whole = *repository->GetTrial(study.id, one);
  const std::size_t held = FullTrial().measurements.size() + 2;
  REQUIRE(whole.measurements.size() == held);
  whole.measurements.clear();
  CHECK(repository->GetTrialWithoutMeasurements(study.id, one) == whole);
  CHECK_FALSE(repository->GetTrialWithoutMeasurements(study.id, 99));
  // Its measurements are still there, for the next reader.
  CHECK(repository->GetTrial(study.id, one)->measurements.size() == held);
}

TEMPLATE_TEST_CASE("NaN and infinite values are kept", "[conformance]", InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord study = NewStudy(*repository, "alpha");
  Trial trial;
  trial.final_value = std::numeric_limits<double>::quiet_NaN();
  const std::int64_t id = repository->AddTrial(study.id, trial).id;
  repository->AddMeasurement(study.id, id, {.metric = "accuracy", .step = 1, .value = INFINITY});
  repository->AddMeasurement(study.id, id, {.metric = "accuracy", .step = 2, .value = -INFINITY});
  repository->AddMeasurement(study.id, id, {.metric = "accuracy", .step = 3, .value = NAN});

  const Trial stored = *repository->GetTrial(study.id, id);
  REQUIRE(stored.final_value);
  CHECK(std::isnan(*stored.final_value));
  REQUIRE(stored.measurements.size() == 3);
  CHECK(stored.measurements[0].value == INFINITY);
  CHECK(stored.measurements[1].value == -INFINITY);
  CHECK(std::isnan(stored.measurements[2].value));
}

TEMPLATE_TEST_CASE("unknown studies and trials are NotFound, or empty for a lookup",
                   "[conformance]", InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord study = NewStudy(*repository, "alpha");
  CHECK_FALSE(repository->GetTrial(study.id, 1));
  Trial ghost;
  ghost.id = 1;
  CHECK_THROWS_WITH(repository->UpdateTrial(study.id, ghost),
                    Catch::Contains("'alpha'") && Catch::Contains("no trial 1"));
  CHECK_THROWS_AS(
      repository->AddMeasurement(study.id, 1, {.metric = "accuracy", .step = 1, .value = 1}),
      NotFound);
  const std::int64_t missing = study.id + 1;
  CHECK_THROWS_AS(repository->AddTrial(missing, Trial{}), NotFound);
  CHECK_THROWS_AS(repository->GetTrial(missing, 1), NotFound);
  CHECK_THROWS_AS(repository->ListTrials(missing), NotFound);
}

TEMPLATE_TEST_CASE("calls inside RunInTransaction join it and see their own writes",
                   "[conformance]", InMemory, Sqlite) {
  TestType maker;
  auto repository = maker.Make();
  const StudyRecord study = NewStudy(*repository, "alpha");
  repository->RunInTransaction([&] {
    const std::int64_t id = repository->AddTrial(study.id, Trial{}).id;
    repository->RunInTransaction([&] {
      repository->AddMeasurement(study.id, id, {.metric = "accuracy", .step = 1, .value = 0.5});
      CHECK(repository->ListTrials(study.id).size() == 1);
    });
    CHECK(repository->GetTrial(study.id, id)->measurements.size() == 1);
  });
  CHECK(repository->ListTrials(study.id).size() == 1);
}
