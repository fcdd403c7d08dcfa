// `bayestune run` while another process keeps its database locked (an sqlite3 shell left inside
// BEGIN IMMEDIATE, a backup): the run waits, saying so every --lock-notice seconds, its trials
// going on, and records them when the lock goes; Ctrl-C twice stops it while it waits. It used to
// end after 60 s (the store's busy_timeout), killing its trials.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "cli_test_support.h"
#include "database_write_lock.h"
#include "test_study_yaml.h"

namespace bayestune::testing {

namespace {

// l.yaml in `dir`: 4 random-search trials, 2 at once on the CPU, each writing `steps` steps
// `sleep_ms` apart.
void WriteLockStudy(const TempFolder& dir, int steps, int sleep_ms) {
  WriteTextFile(
      dir.File("l.yaml"),
      RandomSearchStudyYaml(
          4, 2,
          "  command: [" BAYESTUNE_FAKE_TRAINER ", --steps=" + std::to_string(steps) +
              ", --sleep-ms=" + std::to_string(sleep_ms) + "]\n  gpus: []\n  cpuTrials: 2\n"));
}

}  // namespace

TEST_CASE(
    "run: a database locked by another process past --lock-notice is waited for, with "
    "warnings, and every trial is recorded",
    "[cli][run][lock]") {
  TempFolder dir;
  const std::vector<std::string> locks = {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")};
  WriteLockStudy(dir, 25, 100);  // about 2.5 s a trial
  auto run =
      StartBayestune(dir.path(), {"run", "l.yaml", "--progress", "plain", "--lock-notice", "0.5"},
                     dir.File("run"), locks);
  REQUIRE(WaitForText(dir.File("run.out"), "trial 2 started", 60));
  const auto locked_at = std::chrono::steady_clock::now();
  {
    DatabaseWriteLock holder(dir.File("bayestune.db"));
    REQUIRE(WaitForText(dir.File("run.out"), "is locked by another process", 30));
    // Readers are not blocked by the writer's lock: they answer at once.
    const auto status = RunBayestune(dir.path(), {"status"});
    INFO(status.out << status.err);
    CHECK(status.exit_code == 0);
    CHECK(status.out.find("2 running") != std::string::npos);
    const auto trials = RunBayestune(dir.path(), {"trials"});
    CHECK(trials.exit_code == 0);
    CHECK(CountOccurrences(trials.out, "ACTIVE") == 2);
    // Held well past the notice interval (8 of them), and past the end of trials 1 and 2.
    std::this_thread::sleep_until(locked_at + std::chrono::seconds(4));
  }
  const ChildResult result = run->Wait();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("study 'l' is done: 4 trials finished (4 succeeded") != std::string::npos);
  CHECK(result.out.find("warning: the database bayestune.db is locked by another process") !=
        std::string::npos);
  CHECK(result.out.find("warning: the database bayestune.db is still locked by another process: "
                        "waited 1") != std::string::npos);
  // At a sensible interval, not at every retry (every 10 ms): one per half second of the hold.
  const int notices = CountOccurrences(result.out, "locked by another process");
  CHECK(notices >= 3);
  CHECK(notices <= 9);
  CHECK(result.out.find("so far and waiting on, saying so every 0.5 s: the running trials go on "
                        "and are recorded when the lock is let go") != std::string::npos);
  CHECK(result.out.find("warning: the database bayestune.db is free again after ") !=
        std::string::npos);
  // Nothing was killed or run again: each trial ran once and was recorded.
  const auto trials = RunBayestune(dir.path(), {"trials"});
  INFO(trials.out);
  CHECK(CountOccurrences(trials.out, "SUCCEEDED") == 4);
  CHECK(trials.out.find("attempt 2") == std::string::npos);
}

TEST_CASE(
    "run: while another process holds the database's lock the loop turns: trials past "
    "trialTimeoutSeconds are stopped, those that end are collected, and all is recorded when the "
    "lock goes",
    "[cli][run][lock]") {
  // While the runner waited inside a call on the study, its loop did not turn: a trial that ended
  // was collected, and trialTimeoutSeconds enforced, only when the lock went (a trainer ran on
  // for as long as the lock was held, however long past its timeout).
  TempFolder dir;
  const std::vector<std::string> locks = {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")};
  // 2 trials at once, each writing a step every 100 ms for 100 s: far past their 2 s timeout.
  WriteTextFile(dir.File("l.yaml"),
                RandomSearchStudyYaml(2, 2,
                                      "  command: [" BAYESTUNE_FAKE_TRAINER
                                      ", --steps=1000, --sleep-ms=100]\n  gpus: []\n  "
                                      "cpuTrials: 2\n  trialTimeoutSeconds: 2\n  "
                                      "stopGracePeriodSeconds: 1\n"));
  auto run =
      StartBayestune(dir.path(), {"run", "l.yaml", "--progress", "plain", "--lock-notice", "0.5"},
                     dir.File("run"), locks);
  REQUIRE(WaitForText(dir.File("run.out"), "trial 2 started", 60));
  double released_at = 0;
  {
    DatabaseWriteLock holder(dir.File("bayestune.db"));
    REQUIRE(WaitForText(dir.File("run.out"), "is locked by another process", 30));
    // Held past both trials' timeout and grace period.
    std::this_thread::sleep_for(std::chrono::seconds(6));
    released_at = NowSeconds();
  }
  const ChildResult result = run->Wait();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);  // no trial succeeded
  CHECK(result.out.find("study 'l' is done: 2 trials finished (0 succeeded, 2 failed") !=
        std::string::npos);
  const auto freed = result.out.find("warning: the database bayestune.db is free again after ");
  REQUIRE(freed != std::string::npos);
  for (const std::string id : {"1", "2"}) {
    INFO("trial " << id);
    // Stopped for its timeout, and its end collected, while the lock was held: said before the
    // lock went, not after.
    const auto stopping =
        result.out.find("trial " + id + " stopping (runner.trialTimeoutSeconds passed): SIGTERM");
    CHECK(stopping < freed);
    const auto ended = result.out.find(
        "warning: trial " + id +
        ": its trainer was killed by signal 15 (SIGTERM) while the "
        "study's database was locked by another process; it is recorded when the lock goes");
    CHECK(ended < freed);
  }
  // Recorded once the lock went, as it happened: FAILED for the timeout, ended before the lock
  // went (the end it had, not its recording), and what the trainer reported kept.
  const auto study =
      Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db"), {.read_only = true}), "l");
  const std::vector<Trial> trials = study->Trials();
  REQUIRE(trials.size() == 2);
  for (const Trial& t : trials) {
    INFO("trial " << t.id << ": " << t.failure_reason);
    CHECK(t.state == TrialState::kFailed);
    CHECK(t.attempt == 1);
    CHECK_THAT(t.failure_reason,
               Catch::StartsWith("timed out after 2 s (runner.trialTimeoutSeconds)"));
    REQUIRE(t.start_time);
    REQUIRE(t.end_time);
    CHECK(*t.end_time - *t.start_time < 5);  // 2 s and a SIGTERM, not the 6 s lock on top
    CHECK(*t.end_time < released_at - 1);
    CHECK(t.MeasurementsOf("accuracy").size() >= 10);
  }
}

TEST_CASE("run: Ctrl-C twice while the database is locked stops the run, and run again finishes",
          "[cli][run][lock][interrupt]") {
  TempFolder dir;
  const std::vector<std::string> locks = {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")};
  WriteLockStudy(dir, 2000, 100);  // far too long to finish
  auto run =
      StartBayestune(dir.path(), {"run", "l.yaml", "--progress", "plain", "--lock-notice", "0.3"},
                     dir.File("run"), locks);
  REQUIRE(WaitForText(dir.File("run.out"), "trial 2 started", 60));
  DatabaseWriteLock holder(dir.File("bayestune.db"));
  REQUIRE(WaitForText(dir.File("run.out"), "is locked by another process", 30));
  run->Kill(SIGINT);
  REQUIRE(WaitForText(dir.File("run.out"), "interrupted while waiting for the lock", 30));
  run->Kill(SIGINT);
  const auto asked = std::chrono::steady_clock::now();
  const ChildResult result = run->Wait();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 130);
  CHECK(seconds < 15);  // at once, not when the lock goes
  CHECK(result.out.find("no new trial will start; still waiting, to record the running trials") !=
        std::string::npos);
  CHECK(result.out.find("stopped waiting for the lock on the database bayestune.db after") !=
        std::string::npos);
  CHECK(result.err.find("bayestune: interrupted while waiting for another process's lock on "
                        "bayestune.db") != std::string::npos);
  CHECK(result.err.find("when this process stopped waiting for it") != std::string::npos);
  holder.Release();

  // The two trials it ran were left ACTIVE; the next run reruns them and finishes the study.
  WriteLockStudy(dir, 2, 10);
  const auto again = RunBayestune(dir.path(), {"run", "l.yaml", "--progress", "plain"}, locks);
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("study 'l' is done: 4 trials finished (4 succeeded") != std::string::npos);
  const auto trials = RunBayestune(dir.path(), {"trials"});
  INFO(trials.out);
  CHECK(CountOccurrences(trials.out, "SUCCEEDED") == 4);
  CHECK(CountOccurrences(trials.out, "attempt 2") == 2);
}

}  // namespace bayestune::testing
