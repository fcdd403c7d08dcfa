// `bayestune run` whose database's disk fills up: the run waits for space as it waits for another
// process's lock, its trials going on, and writes what it held back once there is space; Ctrl-C
// twice stops it while it waits. It used to end at the first write that failed ("database or disk
// is full"), killing its trials, which ran again at the next run.
//
// The database is on a 1 MiB tmpfs in a mount namespace of the test's own (unshare -rm), which a
// file fills; the script that runs `bayestune run` in it frees the space when the run has said
// the disk is full, and copies the database out before the namespace (and the tmpfs) goes.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "cli_test_support.h"
#include "test_study_yaml.h"

namespace bayestune::testing {

namespace {

namespace fs = std::filesystem;

// f.yaml in `dir`: 4 random-search trials, 2 at once on the CPU, each writing `steps` steps
// `sleep_ms` apart.
void WriteFullDiskStudy(const TempFolder& dir, int steps, int sleep_ms) {
  WriteTextFile(
      dir.File("f.yaml"),
      RandomSearchStudyYaml(
          4, 2,
          "  command: [" BAYESTUNE_FAKE_TRAINER ", --steps=" + std::to_string(steps) +
              ", --sleep-ms=" + std::to_string(sleep_ms) + "]\n  gpus: []\n  cpuTrials: 2\n"));
}

// Whether this test can make a mount namespace with a tmpfs of its own.
bool CanMountTmpfs(const TempFolder& dir) {
  fs::create_directories(dir.File("probe"));
  const auto probe = RunInFolder(
      dir.path(), {"unshare", "-rm", "/bin/sh", "-c", "mount -t tmpfs -o size=64k tmpfs probe"});
  if (probe.exit_code != 0) {
    WARN("no mount namespace with a tmpfs here (unshare -rm: " << probe.err << "); not tested");
    return false;
  }
  return true;
}

// Runs `script` in `dir` under `unshare -rm` after mounting a 1 MiB tmpfs over db/; $BT is
// `exec bayestune run f.yaml --db db/s.db --job-dir jobs --progress plain --lock-notice 0.5`, with
// stdout and stderr to run.out and run.err.
ChildResult RunWithDatabaseOnTmpfs(const TempFolder& dir, const std::string& script) {
  fs::create_directories(dir.File("db"));
  fs::create_directories(dir.File("out"));
  const std::string bt = "exec " + BayestunePath() +
                         " run f.yaml --db db/s.db --job-dir jobs --progress plain "
                         "--lock-notice 0.5 >run.out 2>run.err";
  return RunInFolder(dir.path(),
                     {"unshare", "-rm", "/bin/sh", "-c",
                      "mount -t tmpfs -o size=1m tmpfs db || exit 99\n" + script},
                     {"BT=" + bt, "BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
}

}  // namespace

TEST_CASE(
    "run: a full disk under the database is waited for, with warnings, the trials going on, and "
    "everything is written once there is space",
    "[cli][run][lock][disk]") {
  TempFolder dir;
  if (!CanMountTmpfs(dir)) return;
  WriteFullDiskStudy(dir, 10, 150);  // about 1.5 s a trial
  // The disk fills once trials 1 and 2 run; it stays full for 4 s (past their end), then the
  // filler goes (when it went: freed-at) and the run goes on.
  const auto result =
      RunWithDatabaseOnTmpfs(dir,
                             "eval \"$BT\" & pid=$!\n"
                             "until grep -q 'trial 2 started' run.out; do sleep 0.05; done\n"
                             "dd if=/dev/zero of=db/filler bs=4k 2>/dev/null\n"
                             "until grep -q 'its disk is full' run.out; do sleep 0.05; "
                             "  kill -0 $pid 2>/dev/null || break; done\n"
                             "sleep 4\n"
                             "date +%s.%N >freed-at\n"
                             "rm db/filler\n"
                             "wait $pid; echo $? >rc\n"
                             "cp db/s.db* out/\n");
  const std::string out = ReadTextFile(dir.File("run.out"));
  INFO(result.out << result.err << out << ReadTextFile(dir.File("run.err")));
  REQUIRE(result.exit_code == 0);
  CHECK(ReadTextFile(dir.File("rc")) == "0\n");
  CHECK(out.find("study 'f' is done: 4 trials finished (4 succeeded") != std::string::npos);
  CHECK(out.find("warning: the database db/s.db cannot be written: its disk is full (") !=
        std::string::npos);
  CHECK(out.find("Free some space on its file system") != std::string::npos);
  CHECK(out.find("warning: the disk of the database db/s.db is still full: waited ") !=
        std::string::npos);
  const auto written = out.find("warning: the database db/s.db could be written again after ");
  REQUIRE(written != std::string::npos);
  // Trials that ended while the disk was full were collected then, and said so.
  const auto held = out.find(
      "while the study's database could not be written (its disk is full); it is recorded once "
      "there is space");
  CHECK(held < written);
  // Each trial ran once (none was killed or requeued), and ended when it ended, not when it
  // could be written.
  const double freed_at = std::stod(ReadTextFile(dir.File("freed-at")));
  const auto study =
      Study::Open(SqliteStudyRepository::Open(dir.File("out/s.db"), {.read_only = true}), "f");
  const std::vector<Trial> trials = study->Trials();
  REQUIRE(trials.size() == 4);
  int ended_while_full = 0;
  for (const Trial& t : trials) {
    INFO("trial " << t.id << ": " << t.failure_reason);
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(t.attempt == 1);
    CHECK(t.MeasurementsOf("accuracy").size() == 10);
    REQUIRE(t.end_time);
    if (*t.end_time < freed_at - 1) ++ended_while_full;
  }
  CHECK(ended_while_full >= 2);
}

TEST_CASE(
    "run: Ctrl-C twice while the database's disk is full stops the run, and run again finishes",
    "[cli][run][lock][disk][interrupt]") {
  TempFolder dir;
  if (!CanMountTmpfs(dir)) return;
  WriteFullDiskStudy(dir, 2000, 100);  // far too long to finish
  const auto result = RunWithDatabaseOnTmpfs(
      dir,
      "eval \"$BT\" & pid=$!\n"
      "until grep -q 'trial 2 started' run.out; do sleep 0.05; done\n"
      "dd if=/dev/zero of=db/filler bs=4k 2>/dev/null\n"
      "until grep -q 'its disk is full' run.out; do sleep 0.05; "
      "  kill -0 $pid 2>/dev/null || break; done\n"
      "kill -INT $pid\n"
      "until grep -q 'interrupted while waiting for space' run.out; do sleep 0.05; "
      "  kill -0 $pid 2>/dev/null || break; done\n"
      "kill -INT $pid\n"
      "wait $pid; echo $? >rc\n"
      "rm db/filler\n"
      "cp db/s.db* out/\n");
  const std::string out = ReadTextFile(dir.File("run.out"));
  const std::string err = ReadTextFile(dir.File("run.err"));
  INFO(result.out << result.err << out << err);
  REQUIRE(result.exit_code == 0);
  CHECK(ReadTextFile(dir.File("rc")) == "130\n");
  CHECK(out.find("interrupted while waiting for space on the disk of the database db/s.db: no new "
                 "trial will start; still waiting, to record the running trials") !=
        std::string::npos);
  CHECK(out.find("stopped waiting for space on the disk of the database db/s.db after") !=
        std::string::npos);
  CHECK(err.find("bayestune: interrupted while waiting for space on the disk of db/s.db (") !=
        std::string::npos);

  // The two trials it ran were left ACTIVE; the next run (space again) reruns them and finishes.
  WriteFullDiskStudy(dir, 2, 10);
  const auto again = RunBayestune(
      dir.path(), {"run", "f.yaml", "--db", "out/s.db", "--job-dir", "jobs", "--progress", "plain"},
      {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("study 'f' is done: 4 trials finished (4 succeeded") != std::string::npos);
}

}  // namespace bayestune::testing
