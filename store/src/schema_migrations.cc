#include "schema_migrations.h"

#include <array>
#include <string_view>

#include "bayestune/optimizer/errors.h"
#include "bayestune/store/sqlite_study_repository.h"

namespace bayestune::sqlite {
namespace {

// One step of the schema: what it brings and the SQL that takes a database from `version - 1` to
// `version`.
struct Migration {
  int version;
  std::string_view summary;
  std::string_view sql;
};

constexpr std::array<Migration, 9> kMigrations = {{
    {1, "studies, trials, their parameters and measurements", R"sql(
PRAGMA application_id = 1112830836;
CREATE TABLE studies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so a stale id finds nothing
  name TEXT NOT NULL UNIQUE,
  spec_text TEXT NOT NULL,               -- the tuning.yaml as given; '' for a spec built in code
  spec_json TEXT NOT NULL,               -- the spec as parsed (StudySpecToJson)
  state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'COMPLETED')),
  created_time REAL NOT NULL             -- seconds since the Unix epoch
);
CREATE TABLE trials (
  study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  number INTEGER NOT NULL,               -- 1, 2, ... within its study
  state TEXT NOT NULL CHECK (state IN ('REQUESTED', 'ACTIVE', 'STOPPING', 'SUCCEEDED', 'FAILED',
                                       'INFEASIBLE')),
  client_id TEXT NOT NULL,
  gpus TEXT NOT NULL,                    -- GPU ids as in CUDA_VISIBLE_DEVICES ("0,1"); '' is CPU
  attempt INTEGER NOT NULL,
  start_time REAL,                       -- seconds since the Unix epoch
  end_time REAL,
  final_step INTEGER,
  final_value REAL,                      -- NaN is stored as the text 'NaN'
  failure_reason TEXT NOT NULL,
  stopped_early INTEGER NOT NULL CHECK (stopped_early IN (0, 1)),
  PRIMARY KEY (study_id, number)
);
CREATE TABLE trial_parameters (
  study_id INTEGER NOT NULL,
  trial_number INTEGER NOT NULL,
  name TEXT NOT NULL,
  -- No declared type, so no affinity: an INTEGER parameter stays an integer, a DOUBLE (even 3.0)
  -- a real, a CATEGORICAL a text.
  value NOT NULL,
  PRIMARY KEY (study_id, trial_number, name),
  FOREIGN KEY (study_id, trial_number) REFERENCES trials (study_id, number) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE measurements (
  id INTEGER PRIMARY KEY,                -- the order reported
  study_id INTEGER NOT NULL,
  trial_number INTEGER NOT NULL,
  metric TEXT NOT NULL,
  step INTEGER NOT NULL,
  wall_time REAL NOT NULL,               -- seconds since the Unix epoch
  value REAL NOT NULL,                   -- NaN is stored as the text 'NaN'
  FOREIGN KEY (study_id, trial_number) REFERENCES trials (study_id, number) ON DELETE CASCADE
);
)sql"},
    {2, "the goal as a column of studies; an index of the measurements by trial", R"sql(
ALTER TABLE studies ADD COLUMN goal TEXT NOT NULL DEFAULT 'MAXIMIZE'
  CHECK (goal IN ('MAXIMIZE', 'MINIMIZE'));
UPDATE studies SET goal = COALESCE(json_extract(spec_json, '$.goal'), 'MAXIMIZE');
CREATE INDEX measurements_of_trial ON measurements (study_id, trial_number);
)sql"},
    {3, "the attempt of each measurement; the history of each study's changes", R"sql(
ALTER TABLE measurements ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
-- Before version 3 a rerun trial's measurements were not told apart: they all count as the
-- trial's current attempt's, as they did then.
UPDATE measurements SET attempt = (
  SELECT trials.attempt FROM trials
  WHERE trials.study_id = measurements.study_id AND trials.number = measurements.trial_number);
CREATE TABLE study_changes (
  id INTEGER PRIMARY KEY,                -- the order of the changes
  study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  time REAL NOT NULL,                    -- seconds since the Unix epoch
  description TEXT NOT NULL              -- "maxTrials 20 -> 23"
);
CREATE INDEX study_changes_of_study ON study_changes (study_id);
)sql"},
    {4, "the Slurm job of each trial attempt", R"sql(
-- "<attempt>:<job id>" per attempt run as a Slurm job, comma separated ("1:4242,2:4250"); ''
-- for trials run as local processes (all trials before version 4).
ALTER TABLE trials ADD COLUMN jobs TEXT NOT NULL DEFAULT '';
)sql"},
    {5, "the value of each objective of a multi-objective study's trials", R"sql(
-- A multi-objective study's SUCCEEDED trial: its value of each objective, in the order of the
-- spec's metrics, comma separated ("0.91,125000"); the first is final_value. '' for every other
-- trial (all trials before version 5: studies of one objective).
ALTER TABLE trials ADD COLUMN final_values TEXT NOT NULL DEFAULT '';
)sql"},
    {6, "the count of each study's trials by state; an index of the trials by state and client",
     R"sql(
-- For planning a suggestion on counts (SqliteStudyRepository::TallyTrials) at a cost that does
-- not grow with the study: the trials of each state counted as they are written, by triggers,
-- and the queued ones and a client's pending ones found through an index.
CREATE TABLE trial_counts (
  study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  stopped_early INTEGER NOT NULL,
  trials INTEGER NOT NULL,
  PRIMARY KEY (study_id, state, stopped_early)
) WITHOUT ROWID;
INSERT INTO trial_counts (study_id, state, stopped_early, trials)
  SELECT study_id, state, stopped_early, COUNT(*) FROM trials
  GROUP BY study_id, state, stopped_early;
CREATE TRIGGER trial_counts_after_insert AFTER INSERT ON trials BEGIN
  INSERT INTO trial_counts (study_id, state, stopped_early, trials)
    VALUES (NEW.study_id, NEW.state, NEW.stopped_early, 1)
    ON CONFLICT (study_id, state, stopped_early) DO UPDATE SET trials = trials + 1;
END;
CREATE TRIGGER trial_counts_after_delete AFTER DELETE ON trials BEGIN
  UPDATE trial_counts SET trials = trials - 1
    WHERE study_id = OLD.study_id AND state = OLD.state AND stopped_early = OLD.stopped_early;
END;
CREATE TRIGGER trial_counts_after_update AFTER UPDATE OF study_id, state, stopped_early ON trials
BEGIN
  UPDATE trial_counts SET trials = trials - 1
    WHERE study_id = OLD.study_id AND state = OLD.state AND stopped_early = OLD.stopped_early;
  INSERT INTO trial_counts (study_id, state, stopped_early, trials)
    VALUES (NEW.study_id, NEW.state, NEW.stopped_early, 1)
    ON CONFLICT (study_id, state, stopped_early) DO UPDATE SET trials = trials + 1;
END;
CREATE INDEX trials_by_state ON trials (study_id, state, stopped_early, client_id);
)sql"},
    {7, "an index of the queued trials by number", R"sql(
-- The first few queued (REQUESTED) trials by number, for SqliteStudyRepository::TallyTrials: read
-- as the first entries of this index, whatever the number of trials queued (trials_by_state
-- orders them by client and row, so it gave every queued number to be sorted). Partial: only the
-- queued trials are in it, so that it costs the other trials' writes nothing.
CREATE INDEX trials_queued ON trials (study_id, number) WHERE state = 'REQUESTED';
)sql"},
    {8, "an index of the measurements by trial, metric and step", R"sql(
-- Whether a measurement sent is stored already (a resent batch is stored once), looked up by its
-- metric and step, for SqliteStudyRepository::StoredMeasurements: adding measurements to a trial
-- read every measurement of the trial (measurements_of_trial) to find the repeats, so that each
-- batch of a trainer reporting 10^6 steps cost more than the last.
CREATE INDEX measurements_by_step ON measurements (study_id, trial_number, metric, step);
)sql"},
    {9, "the rung ASHA stopped each trial at, recorded with the stop", R"sql(
-- "rung 1 (step 3)" (", bracket 0" with several brackets) for a trial ASHA stopped, written when
-- the rule stops it (Study::ShouldStop); '' otherwise. The readers (trials, the exports) named it
-- by deciding again from every trial's measurements, which cost tens of seconds on a study of a
-- thousand trials; they still do for the stops stored before this version.
ALTER TABLE trials ADD COLUMN stop_rung TEXT NOT NULL DEFAULT '';
)sql"},
}};

constexpr int kLatestVersion = SqliteStudyRepository::kSchemaVersion;
static_assert(kMigrations.back().version == kLatestVersion,
              "a new migration raises SqliteStudyRepository::kSchemaVersion");

struct SchemaInfo {
  std::int64_t application_id = 0;
  std::int64_t version = 0;
  std::int64_t objects = 0;  // tables, indexes, ... in the file
};

std::int64_t ReadInteger(Connection& connection, std::string_view sql) {
  Statement statement = connection.Prepare(sql);
  statement.Step();
  return statement.Int64(0);
}

SchemaInfo ReadSchemaInfo(Connection& connection) {
  SchemaInfo info;
  connection.Read([&] {
    info.application_id = ReadInteger(connection, "PRAGMA application_id");
    info.version = ReadInteger(connection, "PRAGMA user_version");
    info.objects = ReadInteger(connection, "SELECT count(*) FROM sqlite_schema");
  });
  return info;
}

void CheckUsable(const Connection& connection, const SchemaInfo& info) {
  const std::string where = "bayestune database '" + connection.path() + "'";
  const bool foreign = (info.application_id != 0 && info.application_id != kApplicationId) ||
                       (info.version == 0 && info.objects > 0);
  if (foreign) {
    throw InvalidArgument(where +
                          " is an SQLite database of another program, not a bayestune one; "
                          "give the path of a study database, or a new file name to create one");
  }
  if (info.version > kLatestVersion) {
    throw InvalidArgument(where + " has schema version " + std::to_string(info.version) +
                          ": it was written by a newer bayestune (this one knows versions up to " +
                          std::to_string(kLatestVersion) +
                          "); upgrade bayestune to open it. The file was left as it was");
  }
  if (connection.read_only() && info.version == 0) {
    // Also what a reader finds while a run that is starting makes the tables (one transaction):
    // no study yet, as for a database without one, rather than the wrong path.
    throw NotFound(where +
                   " holds no study yet: its tables are not made (a bayestune run that is "
                   "starting makes them at once: try again in a moment); otherwise give the path "
                   "of a study database (a run creates one)");
  }
  if (connection.read_only() && info.version < kLatestVersion) {
    throw FailedPrecondition(where + " has schema version " + std::to_string(info.version) +
                             ", older than this bayestune's " + std::to_string(kLatestVersion) +
                             "; open it once for writing (any command that writes, such as a "
                             "run) to upgrade it, then read it");
  }
}

}  // namespace

void PrepareSchema(Connection& connection) {
  const SchemaInfo found = ReadSchemaInfo(connection);
  CheckUsable(connection, found);
  if (connection.read_only()) return;

  std::string mode;
  {
    Statement statement = connection.Prepare("PRAGMA journal_mode = WAL");
    if (statement.Step()) mode = statement.Text(0);
  }
  if (mode != "wal") {
    throw Unavailable("bayestune database '" + connection.path() +
                      "': its file system does not support SQLite's write-ahead log (the "
                      "journal mode stays '" +
                      mode + "'); put the database on a local disk");
  }
  // FULL: a commit is on disk (the log synced) before it returns, so that an acknowledged trial
  // survives a power cut, not just a crash of the process.
  connection.ExecScript("PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 67108864",
                        "configuring");
  if (found.version == kLatestVersion) return;

  connection.Write([&] {
    // Read again under the write lock: another process may have upgraded the file meanwhile.
    const SchemaInfo info = ReadSchemaInfo(connection);
    CheckUsable(connection, info);
    if (info.version == kLatestVersion) return;
    for (const Migration& migration : kMigrations) {
      if (migration.version <= info.version) continue;
      connection.ExecScript(migration.sql, "upgrading the schema to version " +
                                               std::to_string(migration.version) + " (" +
                                               std::string(migration.summary) + ")");
    }
    connection.ExecScript("PRAGMA user_version = " + std::to_string(kLatestVersion),
                          "upgrading the schema");
  });
}

}  // namespace bayestune::sqlite
