// A writer killed with SIGKILL at random moments: the file always opens intact, and every
// completion that was acknowledged before the kill is there.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "bayestune/store/sqlite_study_repository.h"
#include "child_process.h"
#include "raw_sqlite.h"
#include "temp_folder.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// Reads from `fd` until a whole line has come, or the writer end is closed. Returns what came.
std::string ReadFirstLine(int fd) {
  std::string text;
  char c = 0;
  while (read(fd, &c, 1) == 1) {
    text += c;
    if (c == '\n') break;
  }
  return text;
}

std::string ReadToEnd(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0)
    text.append(buffer, static_cast<std::size_t>(n));
  return text;
}

}  // namespace

TEST_CASE("a writer killed at random moments loses no acknowledged completion", "[crash]") {
  constexpr int kKills = 60;
  TempFolder folder;
  const std::string database = folder.File("study.db");
  const unsigned seed = std::random_device{}();
  CAPTURE(seed);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> delay_us(0, 20'000);

  std::set<std::int64_t> acknowledged;
  for (int kill = 0; kill < kKills; ++kill) {
    CAPTURE(kill);
    int pipe_fds[2];
    REQUIRE(pipe2(pipe_fds, O_CLOEXEC) == 0);
    ChildProcess writer({WorkerPath(), "crash-writer", database, "writer"}, folder.File("writer"),
                        pipe_fds[1]);
    close(pipe_fds[1]);
    // One kill in four lands anywhere, opening and schema creation included; the others once
    // the writer is in its stride.
    std::string acks = kill % 4 == 0 ? std::string() : ReadFirstLine(pipe_fds[0]);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    writer.Kill(SIGKILL);
    const ChildResult result = writer.Wait();
    acks += ReadToEnd(pipe_fds[0]);
    close(pipe_fds[0]);
    INFO("the writer said: " << result.err);
    REQUIRE(result.signal == SIGKILL);
    std::istringstream lines(acks);
    std::int64_t id = 0;
    while (lines >> id)
      acknowledged.insert(id);

    auto repository = SqliteStudyRepository::Open(database);  // the file opens
    REQUIRE(QueryValue(database, "PRAGMA integrity_check") == "ok");
    CHECK(QueryColumn(database, "PRAGMA foreign_key_check").empty());
    const auto study = repository->FindStudy("crash");
    if (!study) {
      REQUIRE(acknowledged.empty());  // killed before it created the study
      continue;
    }
    std::map<std::int64_t, Trial> trials;
    for (Trial& trial : repository->ListTrials(study->id))
      trials.emplace(trial.id, std::move(trial));
    for (std::int64_t acked : acknowledged) {
      INFO("acknowledged trial " << acked);
      REQUIRE(trials.count(acked) == 1);
      const Trial& trial = trials.at(acked);
      if (acked % 5 == 0) {
        CHECK(trial.state == TrialState::kFailed);
        CHECK(trial.failure_reason == "failed on purpose");
      } else {
        CHECK(trial.state == TrialState::kSucceeded);
        CHECK(trial.final_value == acked * 0.5);
      }
    }
    for (const auto& [trial_id, trial] : trials) {
      if (trial.state == TrialState::kSucceeded) CHECK(trial.final_value == trial_id * 0.5);
    }
  }
  CHECK(acknowledged.size() >= static_cast<std::size_t>(kKills * 3 / 4));
}
