// What only the SQLite repository does: the file's format, transactions, schema upgrades,
// read-only use.
#include "bayestune/store/sqlite_study_repository.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <limits>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study.h"
#include "database_write_lock.h"
#include "raw_sqlite.h"
#include "study_spec_json.h"
#include "temp_folder.h"
#include "test_studies.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

StudyRecord NewStudy(StudyRepository& repository, const std::string& name = "alpha") {
  StudyRecord study;
  study.name = name;
  study.spec = RandomSearchSpec(100);
  return repository.CreateStudy(study);
}

SqliteOpenOptions ReadOnly() {
  SqliteOpenOptions options;
  options.read_only = true;
  return options;
}

// The schema of version 1 as it was released, written out by hand so that this test keeps
// checking the upgrade from it whatever the code does later.
constexpr const char* kVersion1Schema = R"sql(
PRAGMA application_id = 1112830836;
CREATE TABLE studies (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,
  spec_text TEXT NOT NULL, spec_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'COMPLETED')), created_time REAL NOT NULL);
CREATE TABLE trials (study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  number INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('REQUESTED', 'ACTIVE',
  'STOPPING', 'SUCCEEDED', 'FAILED', 'INFEASIBLE')), client_id TEXT NOT NULL,
  gpus TEXT NOT NULL, attempt INTEGER NOT NULL, start_time REAL, end_time REAL,
  final_step INTEGER, final_value REAL, failure_reason TEXT NOT NULL,
  stopped_early INTEGER NOT NULL CHECK (stopped_early IN (0, 1)), PRIMARY KEY (study_id, number));
CREATE TABLE trial_parameters (study_id INTEGER NOT NULL, trial_number INTEGER NOT NULL,
  name TEXT NOT NULL, value NOT NULL, PRIMARY KEY (study_id, trial_number, name),
  FOREIGN KEY (study_id, trial_number) REFERENCES trials (study_id, number) ON DELETE CASCADE)
  WITHOUT ROWID;
CREATE TABLE measurements (id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL,
  trial_number INTEGER NOT NULL, metric TEXT NOT NULL, step INTEGER NOT NULL,
  wall_time REAL NOT NULL, value REAL NOT NULL,
  FOREIGN KEY (study_id, trial_number) REFERENCES trials (study_id, number) ON DELETE CASCADE);
PRAGMA user_version = 1;
)sql";

// A version 1 file with one study ("legacy", of `goal`) and one finished trial.
void WriteVersion1File(const std::string& database, const std::string& goal) {
  StudySpec spec = RandomSearchSpec(10);
  spec.goal = goal == "MINIMIZE" ? Goal::kMinimize : Goal::kMaximize;
  spec.seed = 0;  // what bayestune 0.1 stored for a spec without one
  std::string spec_json = StudySpecToJson(spec);
  if (goal != "MINIMIZE" && goal != "MAXIMIZE") {
    spec_json.replace(spec_json.find("MAXIMIZE"), 8, goal);  // a goal version 2 refuses
  }
  ExecSql(database, std::string(kVersion1Schema) +
                        "INSERT INTO studies VALUES (1, 'legacy', 'goal: " + goal + "', '" +
                        spec_json +
                        "', 'ACTIVE', 1700000000.0);"
                        "INSERT INTO trials VALUES (1, 1, 'SUCCEEDED', 'w', '0', 1, 1700000001.0,"
                        "  1700000002.0, 3, 0.25, '', 0);"
                        "INSERT INTO trial_parameters VALUES (1, 1, 'learning_rate', 0.01),"
                        "  (1, 1, 'layers', 3);"
                        "INSERT INTO measurements VALUES (NULL, 1, 1, 'accuracy', 3, 1700000001.5,"
                        "  0.25);");
}

}  // namespace

TEST_CASE("a new database is in WAL mode, at the latest schema, marked as bayestune's",
          "[sqlite]") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  auto repository = SqliteStudyRepository::Open(database);
  CHECK(repository->path() == database);
  CHECK_FALSE(repository->read_only());
  CHECK(QueryValue(database, "PRAGMA journal_mode") == "wal");
  CHECK(QueryValue(database, "PRAGMA user_version") ==
        std::to_string(SqliteStudyRepository::kSchemaVersion));
  CHECK(QueryValue(database, "PRAGMA application_id") == "1112830836");
  CHECK(QueryColumn(database,
                    "SELECT name FROM sqlite_schema WHERE type = 'index' AND "
                    "name NOT LIKE 'sqlite_%' ORDER BY name") ==
        std::vector<std::string>{"measurements_by_step", "measurements_of_trial",
                                 "study_changes_of_study", "trials_by_state", "trials_queued"});
}

TEST_CASE("parameters keep their SQLite type, so that an INTEGER stays an integer", "[sqlite]") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  auto repository = SqliteStudyRepository::Open(database);
  const StudyRecord study = NewStudy(*repository);
  Trial trial;
  trial.parameters = {{"learning_rate", 3.0}, {"layers", 3}, {"optimizer", "3"}};
  repository->AddTrial(study.id, trial);
  CHECK(QueryColumn(database,
                    "SELECT name || ' ' || typeof(value) FROM trial_parameters ORDER BY name") ==
        std::vector<std::string>{"layers integer", "learning_rate real", "optimizer text"});
  CHECK(QueryValue(database, "SELECT goal FROM studies") == "MAXIMIZE");
  CHECK(repository->GetTrial(study.id, 1)->parameters == trial.parameters);

  trial.parameters["learning_rate"] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(repository->AddTrial(study.id, trial),
                    Catch::Contains("'learning_rate'") && Catch::Contains("NaN"));
  CHECK(repository->ListTrials(study.id).size() == 1);
}

TEST_CASE("a study survives closing and reopening its file", "[sqlite]") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  std::vector<Trial> before;
  {
    auto study = Study::Open(SqliteStudyRepository::Open(database), "s",
                             {.create_if_missing = true,
                              .spec = RandomSearchSpec(5),
                              .spec_text = "trainingInput: {}\n"});
    for (const Trial& t : study->Suggest(3, "w")) {
      study->AddMeasurement(t.id, {.metric = "accuracy", .step = 1, .value = 0.5 + t.id});
      if (t.id != 2) study->Complete(t.id);
    }
    before = study->Trials();
  }
  auto study = Study::Open(SqliteStudyRepository::Open(database), "s");
  StudySpec stored = study->spec();
  CHECK(stored.seed.has_value());  // a random seed, given at creation and kept
  stored.seed.reset();
  CHECK(stored == RandomSearchSpec(5));
  CHECK(study->spec_text() == "trainingInput: {}\n");
  CHECK(study->Trials() == before);
  CHECK(study->Suggest(1, "w")[0].id == 2);  // the client gets its unfinished trial back
  CHECK(study->BestTrial()->id == 3);
}

TEST_CASE("a transaction whose body throws leaves nothing behind", "[sqlite]") {
  TempFolder folder;
  auto repository = SqliteStudyRepository::Open(folder.File("study.db"));
  const StudyRecord study = NewStudy(*repository);
  CHECK_THROWS_WITH(repository->RunInTransaction([&] {
    const std::int64_t id = repository->AddTrial(study.id, Trial{}).id;
    repository->AddMeasurement(study.id, id, {.metric = "accuracy", .step = 1, .value = 0.5});
    repository->SetStudyState(study.id, StudyState::kCompleted);
    throw std::runtime_error("the body failed");
  }),
                    "the body failed");
  CHECK(repository->ListTrials(study.id).empty());
  CHECK(repository->GetStudy(study.id)->state == StudyState::kActive);
  // The repository is usable afterwards.
  CHECK(repository->AddTrial(study.id, Trial{}).id == 1);
}

TEST_CASE("a nested transaction that fails undoes only its own writes", "[sqlite]") {
  TempFolder folder;
  auto repository = SqliteStudyRepository::Open(folder.File("study.db"));
  const StudyRecord study = NewStudy(*repository);
  repository->RunInTransaction([&] {
    repository->AddTrial(study.id, Trial{});
    try {
      repository->RunInTransaction([&] {
        repository->AddTrial(study.id, Trial{});
        throw std::runtime_error("inner");
      });
    } catch (const std::runtime_error&) {
    }
    repository->AddMeasurement(study.id, 1, {.metric = "accuracy", .step = 1, .value = 0.5});
  });
  const auto trials = repository->ListTrials(study.id);
  REQUIRE(trials.size() == 1);
  CHECK(trials[0].measurements.size() == 1);
}

TEST_CASE("another connection sees a transaction only once it has committed", "[sqlite]") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  auto writer = SqliteStudyRepository::Open(database);
  const StudyRecord study = NewStudy(*writer);
  auto reader = SqliteStudyRepository::Open(database, ReadOnly());
  writer->RunInTransaction([&] {
    writer->AddTrial(study.id, Trial{});
    writer->AddTrial(study.id, Trial{});
    CHECK(writer->ListTrials(study.id).size() == 2);
    CHECK(reader->ListTrials(study.id).empty());  // a reader is not blocked, and sees nothing
  });
  CHECK(reader->ListTrials(study.id).size() == 2);
}

TEST_CASE("threads share one repository", "[sqlite]") {
  TempFolder folder;
  auto repository = SqliteStudyRepository::Open(folder.File("study.db"));
  const StudyRecord study = NewStudy(*repository);
  const std::int64_t id = repository->AddTrial(study.id, Trial{}).id;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        repository->RunInTransaction([&] {
          repository->AddMeasurement(
              study.id, id, {.metric = "thread" + std::to_string(t), .step = i, .value = 1.0});
          repository->ListTrials(study.id);
        });
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  const Trial trial = *repository->GetTrial(study.id, id);
  REQUIRE(trial.measurements.size() == 100);
  for (int t = 0; t < 4; ++t) {
    const auto mine = trial.MeasurementsOf("thread" + std::to_string(t));
    REQUIRE(mine.size() == 25);
    for (int i = 0; i < 25; ++i)
      CHECK(mine[static_cast<std::size_t>(i)].step == i);  // each thread's in its order
  }
}

TEST_CASE("a read-only repository reads, and refuses every write", "[sqlite]") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  const StudyRecord study = NewStudy(*SqliteStudyRepository::Open(database));
  auto reader = SqliteStudyRepository::Open(database, ReadOnly());
  CHECK(reader->read_only());
  CHECK(reader->FindStudy("alpha")->id == study.id);
  CHECK_THROWS_AS(reader->AddTrial(study.id, Trial{}), FailedPrecondition);
  CHECK_THROWS_WITH(reader->SetStudyState(study.id, StudyState::kCompleted),
                    Catch::Contains(database) && Catch::Contains("read-only"));
  CHECK(reader->GetStudy(study.id)->state == StudyState::kActive);
  CHECK_THROWS_WITH(SqliteStudyRepository::Open(folder.File("missing.db"), ReadOnly()),
                    Catch::Contains("missing.db"));
}

TEST_CASE("a version 1 file made by hand is upgraded when it is opened", "[sqlite][migration]") {
  TempFolder folder;
  const std::string database = folder.File("v1.db");
  WriteVersion1File(database, "MINIMIZE");

  // A reader may not upgrade it, and says how to.
  CHECK_THROWS_AS(SqliteStudyRepository::Open(database, ReadOnly()), FailedPrecondition);
  CHECK(QueryValue(database, "PRAGMA user_version") == "1");

  auto repository = SqliteStudyRepository::Open(database);
  CHECK(QueryValue(database, "PRAGMA user_version") ==
        std::to_string(SqliteStudyRepository::kSchemaVersion));
  CHECK(QueryValue(database, "SELECT goal FROM studies WHERE name = 'legacy'") == "MINIMIZE");
  CHECK(QueryColumn(database, "SELECT name FROM sqlite_schema WHERE name = 'measurements_of_trial'")
            .size() == 1);
  CHECK(QueryValue(database, "PRAGMA integrity_check") == "ok");

  auto study = Study::Open(repository, "legacy");
  CHECK(study->spec().goal == Goal::kMinimize);
  const auto trials = study->Trials();
  REQUIRE(trials.size() == 1);
  CHECK(trials[0].state == TrialState::kSucceeded);
  CHECK(trials[0].parameters.at("layers").IsInteger());
  CHECK(trials[0].parameters.at("learning_rate").AsDouble() == 0.01);
  CHECK(trials[0].measurements == std::vector<Measurement>{{.metric = "accuracy",
                                                            .step = 3,
                                                            .value = 0.25,
                                                            .wall_time = 1700000001.5,
                                                            .attempt = 1}});
  CHECK(trials[0].gpus == std::vector<int>{0});
  CHECK(study->Suggest(1)[0].id == 2);
  // Opening again finds nothing left to do.
  CHECK(SqliteStudyRepository::Open(database)->ListStudies().size() == 1);
}

TEST_CASE("a version 2 file keeps every measurement, each under its trial's attempt",
          "[sqlite][migration]") {
  TempFolder folder;
  const std::string database = folder.File("v2.db");
  WriteVersion1File(database, "MAXIMIZE");
  // Version 2, as bayestune 0.1 left it: a trial rerun after a crash (attempt 2, still running),
  // whose two attempts' measurements were stored without telling them apart.
  ExecSql(database,
          "ALTER TABLE studies ADD COLUMN goal TEXT NOT NULL DEFAULT 'MAXIMIZE';"
          "CREATE INDEX measurements_of_trial ON measurements (study_id, trial_number);"
          "INSERT INTO trials VALUES (1, 2, 'ACTIVE', 'w', '0', 2, 1700000010.0, NULL, NULL, NULL,"
          "  '', 0);"
          "INSERT INTO trial_parameters VALUES (1, 2, 'learning_rate', 0.02), (1, 2, 'layers', 2);"
          "INSERT INTO measurements VALUES (NULL, 1, 2, 'accuracy', 1, 1700000011.0, 0.5),"
          "  (NULL, 1, 2, 'accuracy', 1, 1700000021.0, 0.6);"
          "PRAGMA user_version = 2;");
  auto study = Study::Open(SqliteStudyRepository::Open(database), "legacy");
  CHECK(QueryValue(database, "PRAGMA user_version") ==
        std::to_string(SqliteStudyRepository::kSchemaVersion));
  CHECK(QueryValue(database, "SELECT count(*) FROM measurements") == "3");
  CHECK(QueryColumn(database, "SELECT attempt FROM measurements ORDER BY id") ==
        std::vector<std::string>{"1", "2", "2"});
  CHECK(QueryValue(database, "PRAGMA integrity_check") == "ok");
  CHECK(study->spec().seed == 0u);  // the seed an old study had stays
  const Trial rerun = study->GetTrial(2);
  CHECK(rerun.MeasurementsOf("accuracy").size() == 2);  // as before the upgrade: nothing hidden
  CHECK(study->Changes().empty());
  // The history table works on an upgraded file.
  auto grown = Study::Open(SqliteStudyRepository::Open(database), "legacy", {.spec = [&] {
                             StudySpec spec = study->spec();
                             spec.max_trials = 12;
                             return spec;
                           }()});
  REQUIRE(grown->Changes().size() == 1);
  CHECK(grown->Changes()[0].description == "maxTrials 10 -> 12");
}

TEST_CASE("version 4 keeps the trials of an older file and stores the Slurm job of each attempt",
          "[sqlite][migration]") {
  TempFolder folder;
  const std::string database = folder.File("v1.db");
  WriteVersion1File(database, "MAXIMIZE");
  auto study = Study::Open(SqliteStudyRepository::Open(database), "legacy");
  CHECK(QueryValue(database, "SELECT jobs FROM trials WHERE number = 1") == "");
  const Trial old = study->GetTrial(1);
  CHECK(old.state == TrialState::kSucceeded);
  CHECK(old.jobs.empty());
  CHECK(old.CurrentJobId() == "");

  const Trial suggested = study->Suggest(1, "runner-a")[0];
  study->RecordJob(suggested.id, "4242", suggested.Owner());
  study->Requeue(suggested.id, "preempted", suggested.Owner());
  const Trial again = study->Suggest(1, "runner-b")[0];
  REQUIRE(again.id == suggested.id);
  CHECK(again.CurrentJobId() == "");  // attempt 2 has no job yet
  study->RecordJob(again.id, "4250", again.Owner());
  // Another owner may not record a job for it.
  CHECK_THROWS_AS(study->RecordJob(again.id, "4251", suggested.Owner()), FailedPrecondition);
  CHECK_THROWS_AS(study->RecordJob(again.id, "42,51", again.Owner()), InvalidArgument);

  auto reopened = Study::Open(SqliteStudyRepository::Open(database), "legacy");
  const Trial stored = reopened->GetTrial(again.id);
  CHECK(stored.jobs ==
        std::vector<TrialJob>{{.attempt = 1, .job_id = "4242"}, {.attempt = 2, .job_id = "4250"}});
  CHECK(stored.CurrentJobId() == "4250");
  CHECK(DescribeTrialJobs(stored.jobs) == "4242, 2:4250");
  CHECK(QueryValue(database, "SELECT jobs FROM trials WHERE number = 2") == "1:4242,2:4250");

  ExecSql(database, "UPDATE trials SET jobs = '1:' WHERE number = 2");
  CHECK_THROWS_AS(reopened->GetTrial(again.id), DataLoss);
}

TEST_CASE("a parameter or measurement of a trial that is gone is damage, said as such",
          "[sqlite]") {
  // sqlite3's shell leaves foreign keys off: `DELETE FROM trials WHERE number = 1` there leaves
  // the trial's parameters and measurements behind, and every reader (status, trials, export,
  // report) then died of "unordered_map::at".
  TempFolder folder;
  const std::string database = folder.File("study.db");
  {
    auto study = Study::Open(SqliteStudyRepository::Open(database), "orphans",
                             {.create_if_missing = true, .spec = RandomSearchSpec(5)});
    const Trial first = study->Suggest(1, "runner")[0];
    study->AddMeasurement(first.id, {.metric = "accuracy", .step = 1, .value = 0.5});
    study->Complete(first.id);
    study->Suggest(1, "runner");
  }
  ExecSql(database, "DELETE FROM trials WHERE number = 1");
  auto repository = SqliteStudyRepository::Open(database, ReadOnly());
  const std::int64_t id = repository->ListStudies().at(0).id;
  CHECK_THROWS_MATCHES(
      repository->ListTrials(id), DataLoss,
      Catch::Message("bayestune database '" + database +
                     "': a parameter of trial 1 of study 'orphans' is stored, but the trial is "
                     "not; the file was changed by another program or is damaged"));
  ExecSql(database, "DELETE FROM trial_parameters WHERE trial_number = 1");
  CHECK_THROWS_WITH(repository->ListTrials(id),
                    Catch::Contains("a measurement of trial 1 of study 'orphans' is stored"));
  ExecSql(database, "DELETE FROM measurements WHERE trial_number = 1");
  CHECK(repository->ListTrials(id).size() == 1);
}

TEST_CASE("an upgrade that fails leaves the file as it was", "[sqlite][migration]") {
  TempFolder folder;
  const std::string database = folder.File("v1.db");
  WriteVersion1File(database, "SIDEWAYS");  // version 2's goal column refuses it
  CHECK_THROWS_WITH(SqliteStudyRepository::Open(database),
                    Catch::Contains(database) && Catch::Contains("version 2"));
  CHECK(QueryValue(database, "PRAGMA user_version") == "1");
  CHECK(QueryColumn(database, "SELECT name FROM pragma_table_info('studies') WHERE name = 'goal'")
            .empty());
  CHECK(QueryValue(database, "SELECT count(*) FROM trials") == "1");
  CHECK(QueryValue(database, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("a lock that another process holds is waited for, and reported only after the timeout",
          "[sqlite]") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  const StudyRecord study = NewStudy(*SqliteStudyRepository::Open(database));
  // Another program takes the write lock and keeps it.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(database.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);

  SqliteOpenOptions impatient;
  impatient.busy_timeout = std::chrono::milliseconds(200);
  auto repository = SqliteStudyRepository::Open(database, impatient);  // reading is not blocked
  CHECK(repository->ListTrials(study.id).empty());
  CHECK_THROWS_AS(repository->AddTrial(study.id, Trial{}), Unavailable);
  CHECK_THROWS_WITH(repository->AddTrial(study.id, Trial{}),
                    Catch::Contains(database) && Catch::Contains("locked for more than 0.2 s"));

  // With time to wait, the write goes through once the lock is let go.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  CHECK(SqliteStudyRepository::Open(database)->AddTrial(study.id, Trial{}).id == 1);
  release.join();
  sqlite3_close(other);
}

namespace {
// A LockWaitObserver that records what it is told, and stops the waits once `stop` is set.
class RecordingLockWait : public LockWaitObserver {
 public:
  bool KeepWaiting(std::chrono::milliseconds waited) override {
    ++asked;
    longest = std::max(longest, waited);
    return !stop;
  }
  void WaitOver(std::chrono::milliseconds waited) override { over.push_back(waited); }

  std::atomic<bool> stop{false};
  int asked = 0;
  std::chrono::milliseconds longest{0};
  std::vector<std::chrono::milliseconds> over;
};
}  // namespace

TEST_CASE("with a lock-wait observer, a lock held past busy_timeout is waited for until it goes",
          "[sqlite]") {
  // `bayestune run` ended when another process held the lock for 60 s (busy_timeout); with an
  // observer the wait lasts as long as it says, and it is told how long the wait was.
  TempFolder folder;
  const std::string database = folder.File("study.db");
  const StudyRecord study = NewStudy(*SqliteStudyRepository::Open(database));
  auto observer = std::make_shared<RecordingLockWait>();
  SqliteOpenOptions options;
  options.busy_timeout = std::chrono::milliseconds(100);
  options.lock_wait = observer;
  auto repository = SqliteStudyRepository::Open(database, options);

  {
    DatabaseWriteLock holder(database);
    std::thread release([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(800));  // 8 times busy_timeout
      holder.Release();
    });
    CHECK(repository->AddTrial(study.id, Trial{}).id == 1);
    release.join();
  }
  CHECK(observer->longest >= std::chrono::milliseconds(700));
  CHECK(observer->asked > 1);
  REQUIRE(observer->over.size() == 1);
  CHECK(observer->over[0] >= std::chrono::milliseconds(700));
  CHECK(repository->ListTrials(study.id).size() == 1);

  // false ends the wait: the call throws Unavailable, saying how long it waited, and writes
  // nothing.
  DatabaseWriteLock holder(database);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    observer->stop = true;
  });
  try {
    repository->AddTrial(study.id, Trial{});
    FAIL("the write went through while the lock was held");
  } catch (const Unavailable& e) {
    CHECK_THAT(e.what(), Catch::Contains(database) &&
                             Catch::Contains("another process had kept the database locked for") &&
                             Catch::Contains("when this process stopped waiting for it"));
  }
  stopper.join();
  CHECK(observer->over.size() == 1);  // that wait did not end with the lock
  holder.Release();
  CHECK(repository->ListTrials(study.id).size() == 1);
}

TEST_CASE(
    "TallyTrials finds the first queued trials through an index of them by number, made "
    "by the version 7 upgrade",
    "[sqlite]") {
  // TallyTrials read every queued trial's number (through trials_by_state, ordered by client and
  // row) and sorted them to return the first few: its cost grew with the queue. Version 7 indexes
  // the queued trials by number (partial: only REQUESTED ones), read up to the limit.
  TempFolder folder;
  const std::string database = folder.File("study.db");
  StudyRecord study;
  {
    auto repository = SqliteStudyRepository::Open(database);
    study = NewStudy(*repository);
    // Queued in an order that neither their clients nor their rows give: trial 5 queued by
    // client z, 3 by a, 1 requeued after it finished, 2 and 4 done.
    for (int i = 0; i < 5; ++i)
      repository->AddTrial(study.id, Trial{});
    const auto set = [&](std::int64_t id, TrialState state, const std::string& client) {
      Trial trial = *repository->GetTrial(study.id, id);
      trial.state = state;
      trial.client_id = client;
      repository->UpdateTrial(study.id, trial);
    };
    set(5, TrialState::kRequested, "z");
    set(3, TrialState::kRequested, "a");
    set(1, TrialState::kSucceeded, "a");
    set(1, TrialState::kRequested, "");
    set(2, TrialState::kFailed, "b");
    set(4, TrialState::kActive, "b");
  }
  // A file of version 6, before the index.
  ExecSql(database,
          "DROP INDEX trials_queued; DROP INDEX measurements_by_step; ALTER TABLE trials DROP "
          "COLUMN stop_rung; PRAGMA user_version = 6;");
  auto repository = SqliteStudyRepository::Open(database);
  CHECK(QueryValue(database, "PRAGMA user_version") ==
        std::to_string(SqliteStudyRepository::kSchemaVersion));
  CHECK(QueryValue(database, "SELECT sql FROM sqlite_master WHERE name = 'trials_queued'") ==
        "CREATE INDEX trials_queued ON trials (study_id, number) WHERE state = 'REQUESTED'");
  CHECK(QueryValue(database, "PRAGMA integrity_check") == "ok");
  const auto queued = [&](int limit) {
    std::vector<std::int64_t> ids;
    for (const Trial& t : repository->TallyTrials(study.id, "", limit).requested)
      ids.push_back(t.id);
    return ids;
  };
  CHECK(queued(2) == std::vector<std::int64_t>{1, 3});
  CHECK(queued(10) == std::vector<std::int64_t>{1, 3, 5});
  CHECK(queued(0).empty());
}

TEST_CASE(
    "StoredMeasurements finds exact repeats through an index of the measurements by step, made "
    "by the version 8 upgrade, and a trial is read without its measurements",
    "[sqlite]") {
  // Study::AddMeasurements read every measurement of the trial to leave out repeats, so that a
  // trainer reporting 10^6 steps had each batch cost more than the last (grpc_bench
  // --long-trial-steps). Version 8 indexes them by trial, metric and step: each one sent is
  // looked up alone.
  TempFolder folder;
  const std::string database = folder.File("study.db");
  StudyRecord study;
  std::int64_t trial_id = 0;
  const std::vector<Measurement> stored{
      {.metric = "accuracy", .step = 1, .value = 0.5, .wall_time = 10, .attempt = 1},
      {.metric = "loss", .step = 1, .value = 2.5, .wall_time = 10, .attempt = 1},
      {.metric = "accuracy", .step = 2, .value = 0.6, .wall_time = 11, .attempt = 2}};
  {
    auto repository = SqliteStudyRepository::Open(database);
    study = NewStudy(*repository);
    Trial trial;
    trial.state = TrialState::kActive;
    trial.attempt = 2;
    trial.parameters = {{"lr", 0.01}};
    trial_id = repository->AddTrial(study.id, trial).id;
    for (const Measurement& m : stored)
      repository->AddMeasurement(study.id, trial_id, m);
  }
  // A file of version 7, before the index.
  ExecSql(database,
          "DROP INDEX measurements_by_step; ALTER TABLE trials DROP COLUMN stop_rung; PRAGMA "
          "user_version = 7;");
  auto repository = SqliteStudyRepository::Open(database);
  CHECK(QueryValue(database, "PRAGMA user_version") ==
        std::to_string(SqliteStudyRepository::kSchemaVersion));
  CHECK(QueryValue(database, "SELECT sql FROM sqlite_master WHERE name = 'measurements_by_step'") ==
        "CREATE INDEX measurements_by_step ON measurements (study_id, trial_number, metric, step)");
  CHECK(QueryValue(database, "PRAGMA integrity_check") == "ok");

  std::vector<Measurement> asked = stored;
  asked.push_back({.metric = "accuracy", .step = 1, .value = 0.5, .wall_time = 10, .attempt = 2});
  asked.push_back({.metric = "accuracy", .step = 1, .value = 0.51, .wall_time = 10, .attempt = 1});
  asked.push_back({.metric = "accuracy", .step = 1, .value = 0.5, .wall_time = 12, .attempt = 1});
  asked.push_back({.metric = "loss", .step = 2, .value = 2.5, .wall_time = 10, .attempt = 1});
  asked.push_back({.metric = "accurac", .step = 1, .value = 0.5, .wall_time = 10, .attempt = 1});
  CHECK(repository->StoredMeasurements(study.id, trial_id, asked) ==
        std::vector<bool>{true, true, true, false, false, false, false, false});
  CHECK(repository->StoredMeasurements(study.id, trial_id, {}).empty());
  CHECK_THROWS_AS(repository->StoredMeasurements(study.id, 99, stored), NotFound);
  CHECK_THROWS_AS(repository->StoredMeasurements(study.id + 1, trial_id, stored), NotFound);

  const std::optional<Trial> bare = repository->GetTrialWithoutMeasurements(study.id, trial_id);
  REQUIRE(bare);
  CHECK(bare->measurements.empty());
  Trial whole = *repository->GetTrial(study.id, trial_id);
  CHECK(whole.measurements == stored);
  whole.measurements.clear();
  CHECK(*bare == whole);
  CHECK_FALSE(repository->GetTrialWithoutMeasurements(study.id, 99));
}

TEST_CASE("the version 9 upgrade adds the rung ASHA stopped a trial at, empty for older stops",
          "[sqlite]") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  StudyRecord study;
  std::int64_t old_stop = 0;
  {
    auto repository = SqliteStudyRepository::Open(database);
    study = NewStudy(*repository);
    Trial trial;
    trial.state = TrialState::kSucceeded;
    trial.stopped_early = true;
    trial.final_value = 0.5;
    trial.parameters = {{"lr", 0.01}};
    old_stop = repository->AddTrial(study.id, trial).id;
  }
  // A file of version 8, before the column.
  ExecSql(database, "ALTER TABLE trials DROP COLUMN stop_rung; PRAGMA user_version = 8;");
  auto repository = SqliteStudyRepository::Open(database);
  CHECK(QueryValue(database, "PRAGMA user_version") == "9");
  CHECK(QueryValue(database, "PRAGMA integrity_check") == "ok");
  const Trial before = *repository->GetTrial(study.id, old_stop);
  CHECK(before.stopped_early);
  CHECK(before.stop_rung.empty());  // stopped before the rung was recorded: decided again
  Trial stopped = before;
  stopped.stop_rung = "rung 1 (step 3, bracket 2)";
  repository->UpdateTrial(study.id, stopped);
  CHECK(repository->GetTrial(study.id, old_stop)->stop_rung == "rung 1 (step 3, bracket 2)");
  Trial added = stopped;
  added.id = 0;
  CHECK(repository->GetTrial(study.id, repository->AddTrial(study.id, added).id)->stop_rung ==
        "rung 1 (step 3, bracket 2)");
}

TEST_CASE("deleting a study deletes its rows from every table", "[sqlite]") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  auto repository = SqliteStudyRepository::Open(database);
  const StudyRecord doomed = NewStudy(*repository, "doomed");
  const StudyRecord kept = NewStudy(*repository, "kept");
  for (const StudyRecord& study : {doomed, kept}) {
    Trial trial;
    trial.parameters = {{"layers", 2}};
    trial.measurements = {{.metric = "accuracy", .step = 1, .value = 0.5}};
    repository->AddTrial(study.id, trial);
  }
  repository->DeleteStudy(doomed.id);
  for (const char* table : {"studies", "trials", "trial_parameters", "measurements"}) {
    INFO(table);
    CHECK(QueryValue(database, std::string("SELECT count(*) FROM ") + table) == "1");
  }
}

TEST_CASE("a Study handle whose study another process deleted names it", "[sqlite]") {
  // Its calls said "no study with id 1": the store knew the study only by its id by then.
  TempFolder folder;
  const std::string database = folder.File("study.db");
  auto study = Study::Open(SqliteStudyRepository::Open(database), "mnist",
                           {.create_if_missing = true, .spec = RandomSearchSpec(10)});
  const Trial trial = study->Suggest(1).at(0);
  // Another process (bayestune delete, a DeleteStudy call to bayestune serve) deletes it.
  {
    auto other = SqliteStudyRepository::Open(database);
    other->DeleteStudy(other->FindStudy("mnist")->id);
  }
  const std::string deleted = "study 'mnist' (id 1) was deleted from " + database;
  CHECK_THROWS_WITH(study->Trials(), Catch::StartsWith(deleted));
  CHECK_THROWS_WITH(study->Complete(trial.id, 0.5), Catch::StartsWith(deleted));
  CHECK_THROWS_WITH(
      study->AddMeasurement(trial.id, {.metric = "accuracy", .step = 1, .value = 0.5}),
      Catch::StartsWith(deleted));
  CHECK_THROWS_WITH(study->Delete(), Catch::StartsWith(deleted));
  // The calls the Study answers from its own record say the same (they said "study 'mnist' was
  // deleted", and the ones above too once the Study named the study: two rules in two layers).
  CHECK_THROWS_WITH(study->Record(), Catch::StartsWith(deleted));
  CHECK_THROWS_WITH(study->Suggest(1), Catch::StartsWith(deleted));
  CHECK_THROWS_WITH(study->GetTrial(trial.id), Catch::StartsWith(deleted));
  // A study this repository never handed out is still named by its id.
  CHECK_THROWS_WITH(SqliteStudyRepository::Open(database)->ListTrials(7), "no study with id 7");
}
