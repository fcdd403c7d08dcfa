// `bayestune serve` over a damaged database: it does not start on one, and damage that appears
// while it serves is DATA_LOSS for the client (the server's storage), never INVALID_ARGUMENT (which
// would blame the client's request).
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>

#include "bayestune/optimizer/errors.h"
#include "grpc_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// Runs `sql` on `database` as another program would, beside the server.
void ExecSql(const std::string& database, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(database.c_str(), &db) == SQLITE_OK);
  sqlite3_busy_timeout(db, 10'000);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// The first column of the first row of `sql`.
std::int64_t QueryInt(const std::string& database, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(database.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  const std::int64_t value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

// A database with study 's' that has one finished trial with measurements, written by a server
// that has stopped since.
void MakeDatabase(const TempFolder& dir) {
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  client.CreateStudyFromYaml("s", TestTuningYaml(5));
  const Trial trial = client.SuggestTrials("s", 1, "c").at(0);
  for (int step = 1; step <= 50; ++step)
    client.AddMeasurement("s", trial.id, step, 0.01 * step);
  client.CompleteTrial("s", trial.id);
  REQUIRE(server->Stop(SIGTERM) == 0);
}

// `bayestune serve` on `database`, to its end (it should not start).
ProcessResult Serve(const std::string& database) {
  return RunProcess({BayestuneProgram(), "serve", "--db", database, "--listen", "127.0.0.1:0"},
                    std::chrono::seconds(30));
}

}  // namespace

TEST_CASE("serve does not start on a damaged database", "[grpc][damage]") {
  TempFolder dir("grpc-damaged");
  MakeDatabase(dir);
  const std::string database = dir.File("studies.db");

  SECTION("a study's row that another program spoiled") {
    ExecSql(database, "UPDATE studies SET spec_json = '{\"goal\": ' WHERE name = 's'");
  }
  SECTION("a page of measurements overwritten on disk") {
    const std::int64_t page_size = QueryInt(database, "PRAGMA page_size");
    const std::int64_t page =
        QueryInt(database, "SELECT rootpage FROM sqlite_master WHERE name = 'measurements'");
    REQUIRE(page > 1);
    std::fstream file(database, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp((page - 1) * page_size);
    const std::string garbage(static_cast<std::size_t>(page_size), '\xa5');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const ProcessResult result = Serve(database);
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output,
             Catch::Contains("bayestune database '" + database + "'") &&
                 Catch::Contains("damaged") &&
                 Catch::Contains("bayestune serve does not start on a damaged database"));
  CHECK_THAT(result.output, !Catch::Contains("listening on"));
}

TEST_CASE("a database damaged while serve runs is DATA_LOSS for the client, not its fault",
          "[grpc][damage]") {
  TempFolder dir("grpc-damaged-later");
  MakeDatabase(dir);
  const std::string database = dir.File("studies.db");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  client.CreateStudyFromYaml("intact", TestTuningYaml(5));
  REQUIRE(client.ListStudies().size() == 2);

  ExecSql(database, "UPDATE studies SET spec_json = 'not json' WHERE name = 's'");
  CHECK(StatusCodeOf([&] { client.ListStudies(); }) == "DATA_LOSS");
  CHECK(StatusCodeOf([&] { client.GetStudy("s"); }) == "DATA_LOSS");
  CHECK(StatusCodeOf([&] { client.SuggestTrials("s", 1, "c"); }) == "DATA_LOSS");
  CHECK_THROWS_AS(client.GetStudy("s"), DataLoss);
  CHECK_THROWS_WITH(client.GetStudy("s"), Catch::Contains("DATA_LOSS") &&
                                              Catch::Contains("the spec of study 's'") &&
                                              Catch::Contains("damaged"));
  // The server serves on: the intact study works.
  CHECK(client.SuggestTrials("intact", 1, "c").size() == 1);
  CHECK_THAT(server->Log(), Catch::Contains("GetStudy from") && Catch::Contains("DATA_LOSS"));
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("text in the database that is not UTF-8 is served as U+FFFD, not an unreadable answer",
          "[grpc][damage]") {
  // An embedder's Study stored a client id, a failure reason and a metric in any bytes; the server
  // sent them, and its client could not parse the answer ("UNIMPLEMENTED: No message returned for
  // unary request"): no ListTrials of the study, nor GetTrial of the trial, could be read.
  TempFolder dir("grpc-not-utf8");
  MakeDatabase(dir);
  const std::string database = dir.File("studies.db");
  ExecSql(database,
          "UPDATE trials SET client_id = CAST(X'63FF' AS TEXT), "
          "failure_reason = CAST(X'626164FF' AS TEXT) WHERE number = 1;"
          "UPDATE measurements SET metric = CAST(X'6C6F7373FF' AS TEXT) "
          "WHERE id = (SELECT min(id) FROM measurements);"
          "UPDATE studies SET spec_text = spec_text || CAST(X'2320FF' AS TEXT)");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  const std::string replacement = "\xEF\xBF\xBD";
  const std::vector<Trial> trials = client.ListTrials("s");
  REQUIRE(trials.size() == 1);
  CHECK(trials[0].client_id == "c" + replacement);
  CHECK(trials[0].failure_reason == "bad" + replacement);
  REQUIRE(!trials[0].measurements.empty());
  CHECK(trials[0].measurements[0].metric == "loss" + replacement);
  CHECK(client.GetTrial("s", 1).failure_reason == "bad" + replacement);
  const std::string yaml = client.GetStudy("s").tuning_yaml();
  CHECK(yaml.substr(yaml.size() - 5) == "# " + replacement);
  CHECK(server->Stop(SIGTERM) == 0);
}
