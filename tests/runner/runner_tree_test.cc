// A runner's trials as whole process trees: a kill -9 of `bayestune run` leaves nothing of them
// running, and `bayestune status` names what a runner that died some other way left behind.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/trial_command.h"
#include "leftover_processes.h"
#include "runner_identity.h"
#include "test_study_yaml.h"
#include "test_support.h"

using namespace bayestune;

namespace {

// A wrapper script as the trainer, as people write them: bash or sh starting the real work. One
// child stays in the trainer's process group and ignores SIGTERM, SIGHUP and SIGINT; another
// leaves the group and the session (setsid) and ignores them too. Each writes its pid.
constexpr const char* kWrapper = R"(#!/bin/sh
for arg in "$@"; do case "$arg" in --job-dir=*) dir="${arg#--job-dir=}" ;; esac; done
mkdir -p "$dir"
sh -c 'trap "" TERM HUP INT; echo $$ > "$1/child.tmp"; mv "$1/child.tmp" "$1/child.pid"; exec sleep 100000' sh "$dir" &
setsid sh -c 'trap "" TERM HUP INT; echo $$ > "$1/escapee.tmp"; mv "$1/escapee.tmp" "$1/escapee.pid"; exec sleep 100000' sh "$dir" &
wait
)";

std::string TuningYaml(const std::filesystem::path& dir) {
  return testing::RandomSearchStudyYaml(4, 2,
                                        "  command: [\"" + (dir / "train.sh").string() +
                                            "\"]\n"
                                            "  jobDir: \"" +
                                            (dir / "jobs").string() +
                                            "\"\n"
                                            "  gpusPerTrial: 0\n"
                                            "  cpuTrials: 2\n");
}

pid_t PidIn(const std::filesystem::path& file) {
  const std::string text = test::ReadFile(file);
  return text.empty() ? 0 : static_cast<pid_t>(std::stol(text));
}

// A three-trial random-search study of one DOUBLE, as `bayestune status` tests need one.
StudySpec ThreeTrialSpec() {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = 3;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
  return spec;
}

}  // namespace

TEST_CASE("a kill -9 of `bayestune run` takes its trials' whole process trees with it",
          "[runner][tree]") {
  if (std::string(BAYESTUNE_CLI).empty()) {
    WARN("skipped: the bayestune command is not part of this build");
    return;
  }
  const auto dir = test::MakeTempDir("tree-kill");
  test::WriteFile(dir / "train.sh", kWrapper, true);
  test::WriteFile(dir / "tree.yaml", TuningYaml(dir));
  test::SpawnedProgram run(
      {BAYESTUNE_CLI, "run", (dir / "tree.yaml").string(), "--db", (dir / "study.db").string(),
       "--study", "treekill", "--progress", "plain"},
      dir / "run.log", dir / "run.err");
  // Both trials running, each with its two children.
  std::vector<pid_t> pids;
  const bool started = test::WaitFor(
      [&] {
        pids.clear();
        for (int trial : {1, 2}) {
          for (const char* name : {"child.pid", "escapee.pid"}) {
            const pid_t pid = PidIn(dir / "jobs" / ("trial-" + std::to_string(trial)) / name);
            if (pid > 0) pids.push_back(pid);
          }
        }
        return pids.size() == 4;
      },
      60);
  INFO(test::ReadFile(dir / "run.log") << test::ReadFile(dir / "run.err"));
  REQUIRE(started);
  for (pid_t pid : pids)
    REQUIRE_FALSE(test::ProcessGone(pid));

  kill(run.pid(), SIGKILL);
  CHECK(run.WaitExit().code == SIGKILL);
  for (pid_t pid : pids) {
    INFO("pid " << pid);
    CHECK(test::WaitFor([&] { return test::ProcessGone(pid); }, 30));
  }
  // Nothing at all of the trials: the wrappers, their children, the sleeps.
  CHECK(test::WaitFor([] { return FindLeftoverTrialProcesses("treekill").empty(); }, 30));
}

TEST_CASE("`bayestune status` names what a dead runner's trials left running", "[runner][tree]") {
  if (std::string(BAYESTUNE_CLI).empty()) {
    WARN("skipped: the bayestune command is not part of this build");
    return;
  }
  const auto dir = test::MakeTempDir("tree-status");
  const std::string db = (dir / "study.db").string();
  Study::Open(SqliteStudyRepository::Open(db), "leftovers",
              {.create_if_missing = true, .spec = ThreeTrialSpec()});
  // What a runner that died with its trials' keepers (a kill -9 of every bayestune process) left.
  RunnerIdentity dead = RunnerIdentity::Current();
  dead.start_ticks += 1;
  std::vector<std::string> environment = CurrentEnvironment();
  SetEnvironmentValue(environment, "BAYESTUNE_STUDY", "leftovers");
  SetEnvironmentValue(environment, "BAYESTUNE_RUNNER", dead.ClientIdPrefix());
  SetEnvironmentValue(environment, "CLOUD_ML_TRIAL_ID", "3");
  test::SpawnedProgram leftover({"/bin/sleep", "100000"}, dir / "sleep.log", dir / "sleep.err",
                                environment);
  REQUIRE(test::WaitFor([&] { return !FindLeftoverTrialProcesses("leftovers").empty(); }));

  test::SpawnedProgram status({BAYESTUNE_CLI, "status", "leftovers", "--db", db},
                              dir / "status.log", dir / "status.err");
  CHECK(status.WaitExit().code == 0);
  const std::string out = test::ReadFile(dir / "status.log");
  INFO(out << test::ReadFile(dir / "status.err"));
  CHECK_THAT(out, Catch::Contains("leftover   pid " + std::to_string(leftover.pid()) +
                                  " (sleep) of trial 3") &&
                      Catch::Contains("its runner is gone"));
  CHECK_THAT(out, Catch::Contains("maxParallelTrials 1"));
  CHECK(out.find("at once") == std::string::npos);
}

// A runner's trial and a worker's look alike in the database (both TrialRunners, client ids
// "runner@host/..."), and either command takes the trials of a dead one back at its start on
// that machine: the status says so for both, not just `bayestune run`.
TEST_CASE("`bayestune status` says a dead runner's trial runs again on the next run or worker",
          "[runner][tree]") {
  if (std::string(BAYESTUNE_CLI).empty()) {
    WARN("skipped: the bayestune command is not part of this build");
    return;
  }
  const auto dir = test::MakeTempDir("tree-status-gone");
  const std::string db = (dir / "study.db").string();
  auto study = Study::Open(SqliteStudyRepository::Open(db), "gone",
                           {.create_if_missing = true, .spec = ThreeTrialSpec()});
  RunnerIdentity dead = RunnerIdentity::Current();
  dead.start_ticks += 1;
  REQUIRE(study->Suggest(1, dead.ClientId(1)).size() == 1);

  test::SpawnedProgram status({BAYESTUNE_CLI, "status", "gone", "--db", db}, dir / "status.log",
                              dir / "status.err");
  CHECK(status.WaitExit().code == 0);
  const std::string out = test::ReadFile(dir / "status.log");
  INFO(out << test::ReadFile(dir / "status.err"));
  CHECK_THAT(out, Catch::Contains("trial 1") &&
                      Catch::Contains("but its runner is gone (it runs again when `bayestune "
                                      "run` or `bayestune worker` of this study next starts on "
                                      "this machine)"));
}

TEST_CASE("a leftover process killed at start is gone before the run goes on", "[runner][tree]") {
  // KillProcesses only sent SIGKILL: a process with much memory (a trainer's data loader, with
  // its GPU's memory) was still exiting when the runner reran its trial on the same GPU, and the
  // per-trial sweep that follows found it again and named it a second time.
  const auto dir = test::MakeTempDir("leftover-exit");
  const std::string marker = "FAKE_EXTRA=leftover-exit-" + std::to_string(getpid());
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string trainer = test::FakeTrainer();
    const std::string job_dir = "--job-dir=" + dir.string();
    char* argv[] = {const_cast<char*>(trainer.c_str()), const_cast<char*>(job_dir.c_str()),
                    const_cast<char*>("--hold-mb=512"), const_cast<char*>("--mode=hang"), nullptr};
    char* envp[] = {const_cast<char*>(marker.c_str()), nullptr};
    execve(argv[0], argv, envp);
    _exit(127);
  }
  REQUIRE(pid > 0);
  for (int i = 0; i < 3000 && !std::filesystem::exists(dir / "held"); ++i)
    usleep(10'000);
  REQUIRE(std::filesystem::exists(dir / "held"));
  std::vector<TrialProcessEntry> stuck;
  const auto killed = KillProcesses(FindProcessesWithEnvironmentEntry(marker), 10, &stuck);
  // Read at once: a zombie (it is this test's child, not reaped yet), nothing else.
  const std::string stat = test::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  REQUIRE(killed.size() == 1);
  CHECK(killed[0].pid == pid);
  CHECK(stuck.empty());
  INFO(stat);
  CHECK(stat.substr(stat.rfind(')') + 2, 1) == "Z");
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
}
