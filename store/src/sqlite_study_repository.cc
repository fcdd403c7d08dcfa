#include "bayestune/store/sqlite_study_repository.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "bayestune/optimizer/errors.h"
#include "schema_migrations.h"
#include "sqlite_connection.h"
#include "study_spec_json.h"

namespace bayestune {
namespace {

using sqlite::Connection;
using sqlite::Statement;

constexpr std::string_view kStudyColumns =
    "SELECT id, name, spec_text, spec_json, state, created_time FROM studies";
// The columns of trials in the order of the parameters ?1 ... ?15 of BindTrial.
constexpr std::string_view kTrialColumns =
    "study_id, number, state, client_id, gpus, attempt, start_time, end_time, final_step, "
    "final_value, failure_reason, stopped_early, jobs, final_values, stop_rung";

// A file whose content this version cannot read (edited by hand, or damaged).
[[noreturn]] void ThrowDamaged(const Connection& connection, const std::string& what) {
  throw DataLoss("bayestune database '" + connection.path() + "': " + what +
                 "; the file was changed by another program or is damaged");
}

StudyRecord ReadStudy(const Connection& connection, const Statement& row) {
  StudyRecord study;
  study.id = row.Int64(0);
  study.name = row.Text(1);
  study.spec_text = row.Text(2);
  try {
    study.spec = StudySpecFromJson(row.Text(3));
  } catch (const InvalidArgument& e) {
    ThrowDamaged(connection, "the spec of study '" + study.name + "' cannot be read (" +
                                 std::string(e.what()) + ")");
  }
  const auto state = ParseStudyState(row.Text(4));
  if (!state) {
    ThrowDamaged(connection,
                 "study '" + study.name + "' has the unknown state '" + row.Text(4) + "'");
  }
  study.state = *state;
  study.created_time = row.Double(5);
  return study;
}

// The studies of "SELECT <columns> FROM studies" + `rest`, with `arguments` bound to ?1, ...
template <typename... Args>
std::vector<StudyRecord> SelectStudies(Connection& connection, std::string_view rest,
                                       const Args&... arguments) {
  std::vector<StudyRecord> studies;
  connection.Read([&] {
    Statement row = connection.Prepare(std::string(kStudyColumns) + std::string(rest));
    row.BindAll(arguments...);
    while (row.Step())
      studies.push_back(ReadStudy(connection, row));
  });
  return studies;
}

std::optional<StudyRecord> OnlyOne(std::vector<StudyRecord> studies) {
  if (studies.empty()) return std::nullopt;
  return std::move(studies.front());
}

std::string StudyName(Connection& connection, const StudyNames& names, std::int64_t study_id) {
  Statement statement = connection.Prepare("SELECT name FROM studies WHERE id = ?1");
  statement.BindAll(study_id);
  if (!statement.Step()) throw names.Missing(study_id, connection.path());
  return statement.Text(0);
}

[[noreturn]] void ThrowNoTrial(Connection& connection, const StudyNames& names,
                               std::int64_t study_id, std::int64_t trial_id) {
  throw NotFound("study '" + StudyName(connection, names, study_id) + "' has no trial " +
                 std::to_string(trial_id));
}

std::string GpusText(const std::vector<int>& gpus) {
  std::string text;
  for (int gpu : gpus) {
    if (!text.empty()) text += ',';
    text += std::to_string(gpu);
  }
  return text;
}

std::vector<int> ParseGpus(const Connection& connection, std::int64_t trial_id,
                           std::string_view text) {
  std::vector<int> gpus;
  while (!text.empty()) {
    int gpu = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), gpu);
    if (error != std::errc() || (end != text.data() + text.size() && *end != ',')) {
      ThrowDamaged(connection, "trial " + std::to_string(trial_id) + " has the bad GPU list '" +
                                   std::string(text) + "'");
    }
    gpus.push_back(gpu);
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    if (!text.empty()) text.remove_prefix(1);
  }
  return gpus;
}

// "1:4242,2:4250".
std::string JobsText(const std::vector<TrialJob>& jobs) {
  std::string text;
  for (const TrialJob& job : jobs) {
    if (!text.empty()) text += ',';
    text += std::to_string(job.attempt) + ":" + job.job_id;
  }
  return text;
}

std::vector<TrialJob> ParseJobs(const Connection& connection, std::int64_t trial_id,
                                std::string_view text) {
  std::vector<TrialJob> jobs;
  while (!text.empty()) {
    const std::string_view item = text.substr(0, text.find(','));
    text.remove_prefix(std::min(text.size(), item.size() + 1));
    const auto colon = item.find(':');
    TrialJob job;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), job.attempt);
    if (colon == std::string_view::npos || error != std::errc() || end != item.data() + colon ||
        colon + 1 == item.size()) {
      ThrowDamaged(connection, "trial " + std::to_string(trial_id) +
                                   " has the bad job list entry '" + std::string(item) + "'");
    }
    job.job_id = std::string(item.substr(colon + 1));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

// "0.91,125000": each value in the shortest form that reads back exactly.
std::string ValuesText(const std::vector<double>& values) {
  std::string text;
  for (double value : values) {
    if (!text.empty()) text += ',';
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    text.append(buffer, error == std::errc() ? end : buffer);
  }
  return text;
}

std::vector<double> ParseValues(const Connection& connection, std::int64_t trial_id,
                                std::string_view text) {
  std::vector<double> values;
  const std::string all(text);
  while (!text.empty()) {
    const std::string_view item = text.substr(0, text.find(','));
    text.remove_prefix(std::min(text.size(), item.size() + 1));
    double value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || error != std::errc() || end != item.data() + item.size()) {
      ThrowDamaged(connection,
                   "trial " + std::to_string(trial_id) + " has the bad value list '" + all + "'");
    }
    values.push_back(value);
  }
  return values;
}

// Binds the trial's columns to ?1 ... ?15 (the order of kTrialColumns).
void BindTrial(Statement& statement, std::int64_t study_id, const Trial& trial) {
  statement.BindAll(study_id, trial.id, TrialStateName(trial.state), trial.client_id,
                    GpusText(trial.gpus), trial.attempt, trial.start_time, trial.end_time,
                    trial.final_step, trial.final_value, trial.failure_reason, trial.stopped_early,
                    JobsText(trial.jobs), ValuesText(trial.final_values), trial.stop_rung);
}

// A row of "SELECT <kTrialColumns> ...", without parameters and measurements.
Trial ReadTrial(const Connection& connection, const Statement& row) {
  Trial trial;
  trial.id = row.Int64(1);
  const auto state = ParseTrialState(row.Text(2));
  if (!state) {
    ThrowDamaged(connection, "trial " + std::to_string(trial.id) + " has the unknown state '" +
                                 row.Text(2) + "'");
  }
  trial.state = *state;
  trial.client_id = row.Text(3);
  trial.gpus = ParseGpus(connection, trial.id, row.Text(4));
  trial.attempt = static_cast<int>(row.Int64(5));
  trial.start_time = row.OptionalDouble(6);
  trial.end_time = row.OptionalDouble(7);
  trial.final_step = row.OptionalInt64(8);
  trial.final_value = row.OptionalDouble(9);
  trial.failure_reason = row.Text(10);
  trial.stopped_early = row.Int64(11) != 0;
  trial.jobs = ParseJobs(connection, trial.id, row.Text(12));
  trial.final_values = ParseValues(connection, trial.id, row.Text(13));
  trial.stop_rung = row.Text(14);
  return trial;
}

ParameterValue ReadParameterValue(const Connection& connection, const Statement& row, int column,
                                  std::int64_t trial_id) {
  switch (row.ColumnType(column)) {
    case SQLITE_INTEGER:
      return ParameterValue(row.Int64(column));
    case SQLITE_FLOAT:
      return ParameterValue(row.Double(column));
    case SQLITE_TEXT:
      return ParameterValue(row.Text(column));
    default:
      ThrowDamaged(connection,
                   "a parameter of trial " + std::to_string(trial_id) + " has no usable value");
  }
}

void InsertParameters(Connection& connection, std::int64_t study_id, const Trial& trial) {
  for (const auto& [name, value] : trial.parameters) {
    Statement statement = connection.Prepare(
        "INSERT INTO trial_parameters (study_id, trial_number, name, value) "
        "VALUES (?1, ?2, ?3, ?4)");
    statement.BindAll(study_id, trial.id, name);
    if (value.IsInteger()) {
      statement.Bind(4, value.AsInteger());
    } else if (value.IsDouble()) {
      if (std::isnan(value.AsDouble())) {
        throw InvalidArgument("parameter '" + name + "' of trial " + std::to_string(trial.id) +
                              " is NaN; a parameter needs a number from its range");
      }
      statement.Bind(4, value.AsDouble());
    } else {
      statement.Bind(4, value.AsString());
    }
    statement.Run();
  }
}

ParameterValues ReadParameters(Connection& connection, std::int64_t study_id,
                               std::int64_t trial_id) {
  ParameterValues parameters;
  Statement row = connection.Prepare(
      "SELECT name, value FROM trial_parameters WHERE study_id = ?1 AND trial_number = ?2");
  row.BindAll(study_id, trial_id);
  while (row.Step())
    parameters[row.Text(0)] = ReadParameterValue(connection, row, 1, trial_id);
  return parameters;
}

void InsertMeasurement(Connection& connection, std::int64_t study_id, std::int64_t trial_id,
                       const Measurement& m) {
  connection
      .Prepare(
          "INSERT INTO measurements (study_id, trial_number, metric, step, wall_time, value, "
          "attempt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .BindAll(study_id, trial_id, m.metric, m.step, m.wall_time, m.value, m.attempt)
      .Run();
}

// The columns ReadMeasurement reads, after "SELECT ".
constexpr std::string_view kMeasurementColumns =
    "trial_number, metric, step, wall_time, value, attempt FROM measurements ";

Measurement ReadMeasurement(const Statement& row) {
  return Measurement{.metric = row.Text(1),
                     .step = row.Int64(2),
                     .value = row.Double(4),
                     .wall_time = row.Double(3),
                     .attempt = static_cast<int>(row.Int64(5))};
}

void InsertStudyChange(Connection& connection, std::int64_t study_id, const StudyChange& change) {
  connection.Prepare("INSERT INTO study_changes (study_id, time, description) VALUES (?1, ?2, ?3)")
      .BindAll(study_id, change.time, change.description)
      .Run();
}

bool TrialExists(Connection& connection, std::int64_t study_id, std::int64_t trial_id) {
  Statement statement =
      connection.Prepare("SELECT 1 FROM trials WHERE study_id = ?1 AND number = ?2");
  statement.BindAll(study_id, trial_id);
  return statement.Step();
}

}  // namespace

std::shared_ptr<SqliteStudyRepository> SqliteStudyRepository::Open(
    const std::string& path, const SqliteOpenOptions& options) {
  sqlite::ConnectionOptions connection_options;
  connection_options.read_only = options.read_only;
  connection_options.create = options.create;
  connection_options.busy_timeout = options.busy_timeout;
  connection_options.max_page_count = options.max_page_count;
  connection_options.lock_wait = options.lock_wait;
  auto connection = std::make_unique<Connection>(path, connection_options);
  sqlite::PrepareSchema(*connection);
  connection->MarkOpened();
  return std::shared_ptr<SqliteStudyRepository>(new SqliteStudyRepository(std::move(connection)));
}

SqliteStudyRepository::SqliteStudyRepository(std::unique_ptr<sqlite::Connection> connection)
    : connection_(std::move(connection)) {}

SqliteStudyRepository::~SqliteStudyRepository() = default;

const std::string& SqliteStudyRepository::path() const {
  return connection_->path();
}

bool SqliteStudyRepository::read_only() const {
  return connection_->read_only();
}

StudyRecord SqliteStudyRepository::CreateStudy(StudyRecord study) {
  Connection& c = *connection_;
  c.Write([&] {
    {
      Statement existing = c.Prepare("SELECT name FROM studies WHERE name = ?1 OR id = ?2");
      existing.BindAll(study.name, study.id);
      if (existing.Step()) {
        throw AlreadyExists(existing.Text(0) == study.name
                                ? "a study named '" + study.name + "' already exists"
                                : "a study with id " + std::to_string(study.id) +
                                      " already exists");
      }
    }
    if (study.created_time == 0) study.created_time = NowSeconds();
    Statement insert = c.Prepare(
        "INSERT INTO studies (id, name, spec_text, spec_json, goal, state, created_time) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
    insert.BindAll(study.id == 0 ? std::nullopt : std::optional<std::int64_t>(study.id), study.name,
                   study.spec_text, StudySpecToJson(study.spec), GoalName(study.spec.goal),
                   StudyStateName(study.state), study.created_time);
    insert.Step();
    study.id = insert.Int64(0);
    insert.Run();
  });
  names_.Remember(study);
  return study;
}

std::optional<StudyRecord> SqliteStudyRepository::FindStudy(const std::string& name) {
  return Remembered(OnlyOne(SelectStudies(*connection_, " WHERE name = ?1", name)));
}

std::optional<StudyRecord> SqliteStudyRepository::GetStudy(std::int64_t study_id) {
  return Remembered(OnlyOne(SelectStudies(*connection_, " WHERE id = ?1", study_id)));
}

std::vector<StudyRecord> SqliteStudyRepository::ListStudies() {
  std::vector<StudyRecord> studies = SelectStudies(*connection_, " ORDER BY id");
  for (const StudyRecord& study : studies)
    names_.Remember(study);
  return studies;
}

NotFound SqliteStudyRepository::DeletedStudy(const StudyRecord& study) const {
  return StudyDeletedError(study.name, study.id, path());
}

std::optional<StudyRecord> SqliteStudyRepository::Remembered(std::optional<StudyRecord> study) {
  if (study) names_.Remember(*study);
  return study;
}

void SqliteStudyRepository::DeleteStudy(std::int64_t study_id) {
  Connection& c = *connection_;
  c.Write([&] {
    Statement statement = c.Prepare("DELETE FROM studies WHERE id = ?1");  // cascades
    statement.BindAll(study_id).Run();
    if (statement.Changes() == 0) throw names_.Missing(study_id, c.path());
  });
}

void SqliteStudyRepository::SetStudyState(std::int64_t study_id, StudyState state) {
  Connection& c = *connection_;
  c.Write([&] {
    Statement statement = c.Prepare("UPDATE studies SET state = ?2 WHERE id = ?1");
    statement.BindAll(study_id, StudyStateName(state)).Run();
    if (statement.Changes() == 0) throw names_.Missing(study_id, c.path());
  });
}

void SqliteStudyRepository::UpdateStudySpec(std::int64_t study_id, const StudySpec& spec,
                                            const std::string& spec_text,
                                            const StudyChange& change) {
  Connection& c = *connection_;
  c.Write([&] {
    Statement statement =
        c.Prepare("UPDATE studies SET spec_json = ?2, spec_text = ?3, goal = ?4 WHERE id = ?1");
    statement.BindAll(study_id, StudySpecToJson(spec), spec_text, GoalName(spec.goal)).Run();
    if (statement.Changes() == 0) throw names_.Missing(study_id, c.path());
    InsertStudyChange(c, study_id, change);
  });
}

void SqliteStudyRepository::AddStudyChange(std::int64_t study_id, const StudyChange& change) {
  Connection& c = *connection_;
  c.Write([&] {
    StudyName(c, names_, study_id);  // NotFound for an unknown study
    InsertStudyChange(c, study_id, change);
  });
}

std::vector<StudyChange> SqliteStudyRepository::ListStudyChanges(std::int64_t study_id) {
  Connection& c = *connection_;
  std::vector<StudyChange> changes;
  c.Read([&] {
    StudyName(c, names_, study_id);  // NotFound for an unknown study
    Statement row =
        c.Prepare("SELECT time, description FROM study_changes WHERE study_id = ?1 ORDER BY id");
    row.BindAll(study_id);
    while (row.Step())
      changes.push_back({row.Double(0), row.Text(1)});
  });
  return changes;
}

Trial SqliteStudyRepository::AddTrial(std::int64_t study_id, Trial trial) {
  Connection& c = *connection_;
  c.Write([&] {
    StudyName(c, names_, study_id);  // NotFound for an unknown study
    {
      Statement next =
          c.Prepare("SELECT COALESCE(MAX(number), 0) + 1 FROM trials WHERE study_id = ?1");
      next.BindAll(study_id).Step();
      trial.id = next.Int64(0);
    }
    Statement insert =
        c.Prepare("INSERT INTO trials (" + std::string(kTrialColumns) +
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    BindTrial(insert, study_id, trial);
    insert.Run();
    InsertParameters(c, study_id, trial);
    for (const Measurement& m : trial.measurements)
      InsertMeasurement(c, study_id, trial.id, m);
  });
  return trial;
}

void SqliteStudyRepository::UpdateTrial(std::int64_t study_id, const Trial& trial) {
  Connection& c = *connection_;
  c.Write([&] {
    Statement update = c.Prepare(
        "UPDATE trials SET state = ?3, client_id = ?4, gpus = ?5, attempt = ?6, start_time = ?7, "
        "end_time = ?8, final_step = ?9, final_value = ?10, failure_reason = ?11, "
        "stopped_early = ?12, jobs = ?13, final_values = ?14, stop_rung = ?15 WHERE study_id = ?1 "
        "AND number = ?2");
    BindTrial(update, study_id, trial);
    update.Run();
    if (update.Changes() == 0) ThrowNoTrial(c, names_, study_id, trial.id);
    // Parameters rarely change: rewrite them only when they do.
    if (ReadParameters(c, study_id, trial.id) == trial.parameters) return;
    c.Prepare("DELETE FROM trial_parameters WHERE study_id = ?1 AND trial_number = ?2")
        .BindAll(study_id, trial.id)
        .Run();
    InsertParameters(c, study_id, trial);
  });
}

void SqliteStudyRepository::AddMeasurement(std::int64_t study_id, std::int64_t trial_id,
                                           const Measurement& measurement) {
  Connection& c = *connection_;
  c.Write([&] {
    if (!TrialExists(c, study_id, trial_id)) ThrowNoTrial(c, names_, study_id, trial_id);
    InsertMeasurement(c, study_id, trial_id, measurement);
  });
}

namespace {

// The trial's row and parameters, and its measurements when `with_measurements`; inside a read.
std::optional<Trial> ReadOneTrial(Connection& c, const StudyNames& names, std::int64_t study_id,
                                  std::int64_t trial_id, bool with_measurements) {
  StudyName(c, names, study_id);  // NotFound for an unknown study
  std::optional<Trial> trial;
  {
    Statement row = c.Prepare("SELECT " + std::string(kTrialColumns) +
                              " FROM trials WHERE study_id = ?1 AND number = ?2");
    row.BindAll(study_id, trial_id);
    if (!row.Step()) return trial;
    trial = ReadTrial(c, row);
  }
  trial->parameters = ReadParameters(c, study_id, trial_id);
  if (!with_measurements) return trial;
  Statement row = c.Prepare("SELECT " + std::string(kMeasurementColumns) +
                            "WHERE study_id = ?1 AND trial_number = ?2 ORDER BY id");
  row.BindAll(study_id, trial_id);
  while (row.Step())
    trial->measurements.push_back(ReadMeasurement(row));
  return trial;
}

}  // namespace

std::optional<Trial> SqliteStudyRepository::GetTrial(std::int64_t study_id, std::int64_t trial_id) {
  Connection& c = *connection_;
  std::optional<Trial> trial;
  c.Read([&] { trial = ReadOneTrial(c, names_, study_id, trial_id, true); });
  return trial;
}

std::optional<Trial> SqliteStudyRepository::GetTrialWithoutMeasurements(std::int64_t study_id,
                                                                        std::int64_t trial_id) {
  Connection& c = *connection_;
  std::optional<Trial> trial;
  c.Read([&] { trial = ReadOneTrial(c, names_, study_id, trial_id, false); });
  return trial;
}

std::vector<bool> SqliteStudyRepository::StoredMeasurements(
    std::int64_t study_id, std::int64_t trial_id, std::span<const Measurement> measurements) {
  Connection& c = *connection_;
  // The steps asked about, by metric and attempt: one range of the index measurements_by_step
  // (version 8) each, which for a batch of new steps (a trainer's next ones) holds no row. A
  // lookup of each measurement cost a statement each (2 x 10^6 of them for two trainers of 10^6
  // steps through `bayestune run`, 10 s more than the hash set it replaced).
  std::map<std::pair<std::string_view, int>, std::pair<std::int64_t, std::int64_t>> ranges;
  for (const Measurement& m : measurements) {
    auto [it, added] = ranges.try_emplace({m.metric, m.attempt}, m.step, m.step);
    if (!added) {
      it->second.first = std::min(it->second.first, m.step);
      it->second.second = std::max(it->second.second, m.step);
    }
  }
  std::vector<Measurement> stored;
  c.Read([&] {
    if (!TrialExists(c, study_id, trial_id)) ThrowNoTrial(c, names_, study_id, trial_id);
    for (const auto& [key, steps] : ranges) {
      Statement row = c.Prepare(
          "SELECT step, value, wall_time FROM measurements WHERE study_id = ?1 AND "
          "trial_number = ?2 AND metric = ?3 AND step BETWEEN ?4 AND ?5 AND attempt = ?6");
      row.BindAll(study_id, trial_id, key.first, steps.first, steps.second, key.second);
      while (row.Step()) {
        stored.push_back(Measurement{.metric = std::string(key.first),
                                     .step = row.Int64(0),
                                     .value = row.Double(1),
                                     .wall_time = row.Double(2),
                                     .attempt = key.second});
      }
    }
  });
  return MatchStoredMeasurements(stored, measurements);
}

std::vector<Trial> SqliteStudyRepository::ListTrials(std::int64_t study_id) {
  Connection& c = *connection_;
  std::vector<Trial> trials;
  c.Read([&] {
    StudyName(c, names_, study_id);                       // NotFound for an unknown study
    std::unordered_map<std::int64_t, std::size_t> index;  // trial id -> position in `trials`
    // A row of a trial that is not there: the trial was deleted by a program that did not enforce
    // the foreign keys (sqlite3's shell, where they are off by default). It said
    // "unordered_map::at".
    const auto Position = [&](std::int64_t trial_id, const char* what) {
      const auto found = index.find(trial_id);
      if (found == index.end()) {
        ThrowDamaged(c, std::string(what) + " of trial " + std::to_string(trial_id) +
                            " of study '" + StudyName(c, names_, study_id) +
                            "' is stored, but the trial is not");
      }
      return found->second;
    };
    {
      Statement row = c.Prepare("SELECT " + std::string(kTrialColumns) +
                                " FROM trials WHERE study_id = ?1 ORDER BY number");
      row.BindAll(study_id);
      while (row.Step()) {
        index[row.Int64(1)] = trials.size();
        trials.push_back(ReadTrial(c, row));
      }
    }
    {
      Statement row =
          c.Prepare("SELECT trial_number, name, value FROM trial_parameters WHERE study_id = ?1");
      row.BindAll(study_id);
      while (row.Step()) {
        const std::int64_t trial_id = row.Int64(0);
        trials[Position(trial_id, "a parameter")].parameters[row.Text(1)] =
            ReadParameterValue(c, row, 2, trial_id);
      }
    }
    Statement row = c.Prepare("SELECT " + std::string(kMeasurementColumns) +
                              "WHERE study_id = ?1 ORDER BY trial_number, id");
    row.BindAll(study_id);
    while (row.Step())
      trials[Position(row.Int64(0), "a measurement")].measurements.push_back(ReadMeasurement(row));
  });
  return trials;
}

std::vector<ParameterValues> SqliteStudyRepository::ListTrialParameters(std::int64_t study_id) {
  Connection& c = *connection_;
  std::vector<ParameterValues> parameters;
  c.Read([&] {
    StudyName(c, names_, study_id);  // NotFound for an unknown study
    // The primary key (study_id, trial_number, name) gives them trial by trial, in id order.
    Statement row = c.Prepare(
        "SELECT trial_number, name, value FROM trial_parameters WHERE study_id = ?1 "
        "ORDER BY trial_number, name");
    row.BindAll(study_id);
    std::int64_t current = 0;
    while (row.Step()) {
      const std::int64_t trial_id = row.Int64(0);
      if (parameters.empty() || trial_id != current) {
        parameters.emplace_back();
        current = trial_id;
      }
      parameters.back()[row.Text(1)] = ReadParameterValue(c, row, 2, trial_id);
    }
  });
  return parameters;
}

TrialTally SqliteStudyRepository::TallyTrials(std::int64_t study_id, const std::string& client_id,
                                              int requested_limit) {
  Connection& c = *connection_;
  TrialTally tally;
  std::vector<std::int64_t> requested;
  std::vector<std::int64_t> pending;
  c.Read([&] {
    StudyName(c, names_, study_id);  // NotFound for an unknown study
    {
      // Kept by triggers as trials are written (schema version 6): no trial is read.
      Statement row = c.Prepare(
          "SELECT state, stopped_early, trials FROM trial_counts WHERE study_id = ?1 "
          "AND trials > 0");
      row.BindAll(study_id);
      while (row.Step()) {
        const auto state = ParseTrialState(row.Text(0));
        if (!state) ThrowDamaged(c, "a trial has the unknown state '" + row.Text(0) + "'");
        tally.counts[{*state, row.Int64(1) != 0}] += row.Int64(2);
        tally.total += row.Int64(2);
      }
    }
    // The first `requested_limit` entries of trials_queued (schema version 7), in number order:
    // no other queued trial is read. (Through trials_by_state every queued number was read and
    // sorted; without an index SQLite's planner would walk the study's every trial in number
    // order, the primary key.)
    if (requested_limit > 0) {
      Statement row = c.Prepare(
          "SELECT number FROM trials INDEXED BY trials_queued "
          "WHERE study_id = ?1 AND state = 'REQUESTED' ORDER BY number LIMIT ?2");
      row.BindAll(study_id, static_cast<std::int64_t>(requested_limit));
      while (row.Step())
        requested.push_back(row.Int64(0));
    }
    if (!client_id.empty()) {
      Statement row = c.Prepare(
          "SELECT number FROM trials INDEXED BY trials_by_state "
          "WHERE study_id = ?1 AND state IN ('ACTIVE', 'STOPPING') AND client_id = ?2");
      row.BindAll(study_id, client_id);
      while (row.Step())
        pending.push_back(row.Int64(0));
      std::sort(pending.begin(), pending.end());
    }
    for (const std::int64_t id : requested)
      tally.requested.push_back(*GetTrial(study_id, id));
    for (const std::int64_t id : pending)
      tally.pending_of_client.push_back(*GetTrial(study_id, id));
  });
  return tally;
}

void SqliteStudyRepository::RunInTransaction(const std::function<void()>& body) {
  connection_->Write(body);
}

}  // namespace bayestune
