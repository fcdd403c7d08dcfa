// Schema version 5: the values of a multi-objective study's objectives (trials.final_values). A
// database written at version 4 is upgraded without losing anything, and multi-objective studies
// keep their trials' values across reopening.
#include <catch2/catch.hpp>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "raw_sqlite.h"
#include "study_spec_json.h"
#include "temp_folder.h"
#include "test_studies.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// The schema of version 4 as released (version 1 plus the migrations 2 to 4), written out by hand
// so that this test keeps checking the upgrade from it whatever the code does later.
constexpr const char* kVersion4Schema = R"sql(
PRAGMA application_id = 1112830836;
CREATE TABLE studies (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,
  spec_text TEXT NOT NULL, spec_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'COMPLETED')), created_time REAL NOT NULL,
  goal TEXT NOT NULL DEFAULT 'MAXIMIZE' CHECK (goal IN ('MAXIMIZE', 'MINIMIZE')));
CREATE TABLE trials (study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  number INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('REQUESTED', 'ACTIVE',
  'STOPPING', 'SUCCEEDED', 'FAILED', 'INFEASIBLE')), client_id TEXT NOT NULL,
  gpus TEXT NOT NULL, attempt INTEGER NOT NULL, start_time REAL, end_time REAL,
  final_step INTEGER, final_value REAL, failure_reason TEXT NOT NULL,
  stopped_early INTEGER NOT NULL CHECK (stopped_early IN (0, 1)),
  jobs TEXT NOT NULL DEFAULT '', PRIMARY KEY (study_id, number));
CREATE TABLE trial_parameters (study_id INTEGER NOT NULL, trial_number INTEGER NOT NULL,
  name TEXT NOT NULL, value NOT NULL, PRIMARY KEY (study_id, trial_number, name),
  FOREIGN KEY (study_id, trial_number) REFERENCES trials (study_id, number) ON DELETE CASCADE)
  WITHOUT ROWID;
CREATE TABLE measurements (id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL,
  trial_number INTEGER NOT NULL, metric TEXT NOT NULL, step INTEGER NOT NULL,
  wall_time REAL NOT NULL, value REAL NOT NULL, attempt INTEGER NOT NULL DEFAULT 1,
  FOREIGN KEY (study_id, trial_number) REFERENCES trials (study_id, number) ON DELETE CASCADE);
CREATE INDEX measurements_of_trial ON measurements (study_id, trial_number);
CREATE TABLE study_changes (id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  time REAL NOT NULL, description TEXT NOT NULL);
CREATE INDEX study_changes_of_study ON study_changes (study_id);
PRAGMA user_version = 4;
)sql";

StudySpec TwoObjectiveSpec() {
  StudySpec spec = RandomSearchSpec(10);
  spec.metric_tag = "accuracy";
  spec.goal = Goal::kMaximize;
  spec.metrics = {{"accuracy", Goal::kMaximize}, {"param_count", Goal::kMinimize}};
  spec.seed = 3;
  return spec;
}

}  // namespace

TEST_CASE("version 5 upgrades a version 4 file without losing a trial, value or measurement",
          "[sqlite][migration]") {
  TempFolder folder;
  const std::string database = folder.File("v4.db");
  StudySpec spec = RandomSearchSpec(10);
  spec.metric_tag = "accuracy";
  spec.seed = 11;
  ExecSql(
      database,
      std::string(kVersion4Schema) +
          "INSERT INTO studies VALUES (1, 'legacy', 'goal: MAXIMIZE', '" + StudySpecToJson(spec) +
          "', 'ACTIVE', 1700000000.0, 'MAXIMIZE');"
          "INSERT INTO trials VALUES (1, 1, 'SUCCEEDED', 'w', '0', 1, 1700000001.0,"
          "  1700000002.0, 3, 0.25, '', 0, '1:4242');"
          "INSERT INTO trials VALUES (1, 2, 'FAILED', 'w', '', 2, 1700000003.0,"
          "  1700000004.0, NULL, NULL, 'crashed', 0, '');"
          "INSERT INTO trial_parameters VALUES (1, 1, 'learning_rate', 0.01), (1, 1, 'layers', 3),"
          "  (1, 2, 'learning_rate', 0.02), (1, 2, 'layers', 2);"
          "INSERT INTO measurements VALUES (NULL, 1, 1, 'accuracy', 3, 1700000001.5, 0.25, 1),"
          "  (NULL, 1, 2, 'accuracy', 1, 1700000003.5, 0.5, 1);"
          "INSERT INTO study_changes VALUES (NULL, 1, 1700000005.0, 'maxTrials 8 -> 10');");

  auto study = Study::Open(SqliteStudyRepository::Open(database), "legacy");
  CHECK(QueryValue(database, "PRAGMA user_version") ==
        std::to_string(SqliteStudyRepository::kSchemaVersion));  // 5, and the versions since
  CHECK(QueryValue(database, "PRAGMA integrity_check") == "ok");
  // Version 6 counted the trials already there.
  const TrialTally tally = SqliteStudyRepository::Open(database)->TallyTrials(1, "", 10);
  CHECK(tally.total == 2);
  // By state: one SUCCEEDED and one FAILED, neither stopped early.
  CHECK(tally.counts ==
        std::map<std::pair<TrialState, bool>, std::int64_t>{{{TrialState::kSucceeded, false}, 1},
                                                            {{TrialState::kFailed, false}, 1}});
  CHECK(QueryColumn(database, "SELECT final_values FROM trials ORDER BY number") ==
        std::vector<std::string>{"", ""});
  CHECK(study->spec() == spec);
  const Trial first = study->GetTrial(1);
  CHECK(first.state == TrialState::kSucceeded);
  CHECK(*first.final_value == 0.25);
  CHECK(*first.final_step == 3);
  CHECK(first.final_values.empty());
  CHECK(first.jobs == std::vector<TrialJob>{{.attempt = 1, .job_id = "4242"}});
  CHECK(first.parameters.at("layers") == ParameterValue(std::int64_t{3}));
  CHECK(first.MeasurementsOf("accuracy").size() == 1);
  const Trial second = study->GetTrial(2);
  CHECK(second.state == TrialState::kFailed);
  CHECK(second.failure_reason == "crashed");
  CHECK(second.attempt == 2);
  CHECK(second.measurements.size() == 1);
  REQUIRE(study->Changes().size() == 1);
  CHECK(study->Changes()[0].description == "maxTrials 8 -> 10");
  // The study goes on after the upgrade.
  const Trial next = study->Suggest(1, "runner")[0];
  study->AddMeasurement(next.id, {.metric = "accuracy", .step = 1, .value = 0.75});
  CHECK(study->Complete(next.id).final_values.empty());
  CHECK(study->BestTrial()->id == next.id);
}

TEST_CASE("a multi-objective study's values survive reopening, and a damaged list is refused",
          "[sqlite][migration]") {
  TempFolder folder;
  const std::string database = folder.File("multi.db");
  {
    auto study = Study::Open(SqliteStudyRepository::Open(database), "two",
                             {.create_if_missing = true, .spec = TwoObjectiveSpec()});
    for (double accuracy : {0.5, 0.9, 0.7}) {
      const Trial t = study->Suggest(1)[0];
      study->AddMeasurement(t.id, {.metric = "accuracy", .step = 2, .value = accuracy});
      study->AddMeasurement(t.id,
                            {.metric = "param_count", .step = 2, .value = accuracy * 1e5 + 0.1});
      study->Complete(t.id);
    }
  }
  auto study = Study::Open(SqliteStudyRepository::Open(database), "two");
  CHECK(study->spec() == TwoObjectiveSpec());
  const Trial second = study->GetTrial(2);
  CHECK(second.final_values == std::vector<double>{0.9, 0.9 * 1e5 + 0.1});  // exactly
  CHECK(QueryValue(database, "SELECT final_values FROM trials WHERE number = 1") == "0.5,50000.1");
  CHECK(ParetoOptimalTrials(study->Trials(), study->spec()).size() == 3);  // a pure trade-off

  ExecSql(database, "UPDATE trials SET final_values = '0.5,x' WHERE number = 1");
  CHECK_THROWS_AS(study->GetTrial(1), DataLoss);
}
