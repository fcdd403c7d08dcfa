// Several real processes on one database file at once, as a runner, a server and `status`
// readers are.
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "child_process.h"
#include "raw_sqlite.h"
#include "temp_folder.h"
#include "test_studies.h"

using namespace bayestune;
using namespace bayestune::testing;

TEST_CASE("8 processes x 500 operations on one file: each recorded exactly once, no error",
          "[processes]") {
  constexpr int kWriters = 8;
  constexpr int kCycles = 125;  // suggest, two measurements, complete: 4 operations a cycle
  constexpr int kReaders = 2;
  TempFolder folder;
  const std::string database = folder.File("study.db");
  Study::Open(SqliteStudyRepository::Open(database), "concurrent",
              {.create_if_missing = true, .spec = RandomSearchSpec(kWriters * kCycles)});

  std::vector<std::unique_ptr<ChildProcess>> writers;
  std::vector<std::unique_ptr<ChildProcess>> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{WorkerPath(), "status-reader", database,
                                 std::to_string(kWriters * kCycles)},
        folder.File("reader" + std::to_string(r))));
  }
  for (int w = 0; w < kWriters; ++w) {
    writers.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{WorkerPath(), "study-ops", database, "w" + std::to_string(w),
                                 std::to_string(kCycles)},
        folder.File("writer" + std::to_string(w))));
  }

  // What each writer was told: trial id -> (writer, cycle).
  std::map<std::int64_t, std::pair<std::string, int>> reported;
  for (int w = 0; w < kWriters; ++w) {
    const ChildResult result = writers[static_cast<std::size_t>(w)]->Wait();
    INFO("writer w" << w << " said: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    std::istringstream lines(result.out);
    std::int64_t id = 0;
    int cycle = 0;
    int count = 0;
    while (lines >> id >> cycle) {
      ++count;
      CHECK(cycle == count);
      const bool fresh = reported.emplace(id, std::pair{"w" + std::to_string(w), cycle}).second;
      CHECK(fresh);  // no trial handed to two writers
    }
    CHECK(count == kCycles);
  }
  for (auto& reader : readers) {
    const ChildResult result = reader->Wait();
    INFO("reader said: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
  }

  auto study = Study::Open(SqliteStudyRepository::Open(database), "concurrent");
  const auto trials = study->Trials();
  CHECK(trials.size() == static_cast<std::size_t>(kWriters * kCycles));
  CHECK(reported.size() == trials.size());
  for (const Trial& trial : trials) {
    INFO("trial " << trial.id);
    REQUIRE(reported.count(trial.id) == 1);
    const auto& [client, cycle] = reported.at(trial.id);
    CHECK(trial.state == TrialState::kSucceeded);
    CHECK(trial.client_id == client);
    CHECK(trial.final_step == cycle);
    CHECK(trial.final_value == cycle * 0.001);
    REQUIRE(trial.measurements.size() == 2);  // each measurement exactly once
    CHECK(trial.measurements[0].metric == "accuracy");
    CHECK(trial.measurements[0].value == cycle * 0.001);
    CHECK(trial.measurements[1].metric == "loss");
    CHECK(trial.measurements[1].step == cycle);
  }
  CHECK(study->IsDone());
  CHECK(QueryValue(database, "PRAGMA integrity_check") == "ok");
}
