// The runner as its own process over SQLite (runner_test_driver): killed with SIGKILL mid-study,
// interrupted with SIGINT, and run again.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_paths.h"
#include "bayestune/trial_runner/trial_process.h"
#include "test_study_yaml.h"
#include "test_support.h"

using namespace bayestune;

namespace {

struct DriverStudy {
  DriverStudy(const std::string& name, const std::string& trainer_flags, int max_trials,
              int max_parallel)
      : dir(test::MakeTempDir(name)), db((dir / "study.db").string()) {
    test::WriteFile(dir / "tuning.yaml",
                    testing::RandomSearchStudyYaml(max_trials, max_parallel,
                                                   "  command: [\"" + test::FakeTrainer() + "\", " +
                                                       trainer_flags +
                                                       "]\n"
                                                       "  jobDir: \"" +
                                                       (dir / "jobs").string() +
                                                       "\"\n"
                                                       "  gpus: [0, 1]\n"));
  }

  std::unique_ptr<test::SpawnedProgram> StartDriver(int run) const {
    return std::make_unique<test::SpawnedProgram>(
        std::vector<std::string>{BAYESTUNE_RUNNER_TEST_DRIVER, "--db=" + db,
                                 "--config=" + (dir / "tuning.yaml").string()},
        dir / ("driver-" + std::to_string(run) + ".log"),
        dir / ("driver-" + std::to_string(run) + ".err"));
  }

  // The trials as the database has them now (none before the driver made the study).
  std::vector<Trial> Trials() const {
    SqliteOpenOptions options;
    options.read_only = true;
    try {
      auto repository = SqliteStudyRepository::Open(db, options);
      auto study = repository->FindStudy("study");
      return study ? repository->ListTrials(study->id) : std::vector<Trial>{};
    } catch (const Error&) {  // no file yet, or an empty one the driver is about to fill
      return {};
    }
  }

  std::filesystem::path TrialDir(std::int64_t id, int attempt = 1) const {
    return TrialPathsFor(dir / "jobs", id, attempt).dir;
  }

  ProcessExit Finish(test::SpawnedProgram& driver) const {
    INFO(test::ReadFile(dir / "driver-1.log")
         << test::ReadFile(dir / "driver-2.log") << test::ReadFile(dir / "driver-1.err")
         << test::ReadFile(dir / "driver-2.err"));
    REQUIRE(test::WaitFor([&] { return driver.PollExit().has_value(); }, 90));
    return *driver.PollExit();
  }

  std::filesystem::path dir;
  std::string db;
};

int Count(const std::vector<Trial>& trials, TrialState state) {
  int n = 0;
  for (const Trial& t : trials)
    n += t.state == state && !t.gpus.empty();
  return n;
}

}  // namespace

TEST_CASE("a runner killed with SIGKILL mid-study loses nothing when run again",
          "[runner][resume]") {
  DriverStudy s("sigkill", "--steps=3, --sleep-ms=100, --leave-escapee", 8, 2);
  auto first = s.StartDriver(1);
  REQUIRE(test::WaitFor([&] {
    const auto trials = s.Trials();
    int succeeded = 0;
    for (const Trial& t : trials)
      succeeded += t.state == TrialState::kSucceeded;
    return succeeded >= 2 && Count(trials, TrialState::kActive) >= 1;
  }));
  kill(first->pid(), SIGKILL);
  CHECK(first->WaitExit().code == SIGKILL);

  const std::vector<Trial> before = s.Trials();
  std::map<std::int64_t, Trial> finished;
  std::set<std::int64_t> interrupted;
  for (const Trial& t : before) {
    if (t.IsFinished()) finished[t.id] = t;
    if (t.state == TrialState::kActive) interrupted.insert(t.id);
  }
  REQUIRE(finished.size() >= 2);
  REQUIRE_FALSE(interrupted.empty());
  // Their trainers died with the runner, and so did what they started in a session of their own.
  for (std::int64_t id : interrupted) {
    const auto record = test::ReadRecord(s.TrialDir(id));
    if (record.is_object()) CHECK(test::WaitFor([&] { return test::ProcessGone(record["pid"]); }));
    const std::string escapee = test::ReadFile(s.TrialDir(id) / "escapee.pid");
    if (!escapee.empty()) {
      CHECK(test::WaitFor([&] { return test::ProcessGone(std::stoi(escapee)); }));
    }
  }

  auto second = s.StartDriver(2);
  const ProcessExit exit = s.Finish(*second);
  CHECK(exit.succeeded());
  const std::vector<Trial> after = s.Trials();
  REQUIRE(after.size() == 8);
  const std::string log = test::ReadFile(s.dir / "driver-2.log");
  for (const Trial& t : after) {
    INFO("trial " << t.id << ": " << t.failure_reason);
    CHECK(t.state == TrialState::kSucceeded);
    if (finished.count(t.id)) {
      CHECK(t == finished[t.id]);  // untouched: same value, times, measurements, attempt
    } else if (interrupted.count(t.id)) {
      CHECK(t.attempt == 2);
      CHECK(t.parameters == before[static_cast<std::size_t>(t.id - 1)].parameters);
      CHECK(test::ReadRecord(s.TrialDir(t.id, 2)).is_object());
      CHECK(log.find("trial " + std::to_string(t.id) + " requeued (attempt 2)") !=
            std::string::npos);
    } else {
      CHECK(t.attempt == 1);
      CHECK_FALSE(std::filesystem::exists(s.TrialDir(t.id, 2)));
    }
  }
}

TEST_CASE("SIGINT: once finishes the running trials, twice kills them for a rerun",
          "[runner][interrupt]") {
  SECTION("once") {
    DriverStudy s("sigint1", "--steps=3, --sleep-ms=100", 6, 2);
    auto driver = s.StartDriver(1);
    REQUIRE(test::WaitFor([&] { return Count(s.Trials(), TrialState::kActive) == 2; }));
    kill(driver->pid(), SIGINT);
    CHECK(s.Finish(*driver).code == 3);
    const auto trials = s.Trials();
    CHECK(trials.size() < 6);
    for (const Trial& t : trials)
      CHECK(t.state == TrialState::kSucceeded);
    CHECK(test::ReadFile(s.dir / "driver-1.log").find("interrupt: waiting for") !=
          std::string::npos);
  }
  SECTION("twice") {
    DriverStudy s("sigint2", "--force-mode=hang", 6, 2);
    auto driver = s.StartDriver(1);
    REQUIRE(test::WaitFor([&] { return Count(s.Trials(), TrialState::kActive) == 2; }));
    kill(driver->pid(), SIGINT);
    REQUIRE(test::WaitFor([&] {
      return test::ReadFile(s.dir / "driver-1.log").find("interrupt: waiting") != std::string::npos;
    }));
    kill(driver->pid(), SIGINT);
    CHECK(s.Finish(*driver).code == 4);
    const auto trials = s.Trials();
    REQUIRE(trials.size() == 2);
    for (const Trial& t : trials) {
      CHECK(t.state == TrialState::kRequested);
      CHECK(t.attempt == 2);
    }
  }
}

TEST_CASE("two runners resuming a killed study at once never run one trial twice",
          "[runner][resume][race]") {
  // Each trainer holds a lock named after its trial for as long as it lives: a second live
  // process of the same trial finds it taken and says so in doubles.log.
  DriverStudy s("double-run", "--steps=4, --sleep-ms=120, --exclusive-dir=LOCKS", 16, 4);
  {
    std::string yaml = test::ReadFile(s.dir / "tuning.yaml");
    yaml.replace(yaml.find("LOCKS"), 5, (s.dir / "locks").string());
    yaml.replace(yaml.find("gpus: [0, 1]"), 12, "gpus: [0, 1, 2, 3]");
    test::WriteFile(s.dir / "tuning.yaml", yaml);
  }
  const auto active = [&] { return Count(s.Trials(), TrialState::kActive); };
  auto first = s.StartDriver(1);
  REQUIRE(test::WaitFor([&] { return active() >= 2; }));
  kill(first->pid(), SIGKILL);
  first->WaitExit();
  // Rounds of two runners started together on the crashed study, killed again mid-run.
  int run = 2;
  for (int round = 0; round < 4; ++round) {
    auto a = s.StartDriver(run++);
    auto b = s.StartDriver(run++);
    REQUIRE(test::WaitFor([&] {
      int succeeded = 0;
      for (const Trial& t : s.Trials())
        succeeded += t.state == TrialState::kSucceeded;
      return active() >= 2 || succeeded == 16;
    }));
    kill(a->pid(), SIGKILL);
    kill(b->pid(), SIGKILL);
    a->WaitExit();
    b->WaitExit();
  }
  auto a = s.StartDriver(run++);
  auto b = s.StartDriver(run++);
  REQUIRE(
      test::WaitFor([&] { return a->PollExit().has_value() && b->PollExit().has_value(); }, 120));
  CHECK_FALSE(std::filesystem::exists(s.dir / "locks" / "doubles.log"));
  INFO(test::ReadFile(s.dir / "locks" / "doubles.log"));
  const std::vector<Trial> trials = s.Trials();
  REQUIRE(trials.size() == 16);
  for (const Trial& t : trials) {
    INFO("trial " << t.id << " attempt " << t.attempt << ": " << t.failure_reason);
    CHECK(t.state == TrialState::kSucceeded);
    // The value comes from the final attempt's own measurements: 4 steps of it, no more.
    CHECK(t.MeasurementsOf("accuracy").size() == 4);
    for (const Measurement& m : t.measurements)
      CHECK(m.attempt <= t.attempt);
  }
}

namespace {

// Every trial of `s` succeeded, the ones `interrupted` with a second attempt.
void CheckAllSucceeded(const DriverStudy& s, int max_trials,
                       const std::set<std::int64_t>& interrupted) {
  const std::vector<Trial> after = s.Trials();
  REQUIRE(after.size() == static_cast<std::size_t>(max_trials));
  for (const Trial& t : after) {
    INFO("trial " << t.id << " attempt " << t.attempt << ": " << t.failure_reason);
    CHECK(t.state == TrialState::kSucceeded);
    if (interrupted.count(t.id)) CHECK(t.attempt == 2);
  }
}

std::set<std::int64_t> ActiveTrials(const DriverStudy& s) {
  std::set<std::int64_t> active;
  for (const Trial& t : s.Trials())
    if (t.state == TrialState::kActive) active.insert(t.id);
  return active;
}

}  // namespace

TEST_CASE("a runner killed but not reaped yet (a zombie) is gone: a new run reruns its trials",
          "[runner][resume]") {
  // A container whose init never reaps keeps a killed runner as a zombie, with its pid and start
  // time, for as long as the container lives; the next run used to leave its trials to it and
  // end with them held by nobody.
  DriverStudy s("zombie", "--steps=3, --sleep-ms=100", 6, 2);
  auto first = s.StartDriver(1);
  REQUIRE(test::WaitFor([&] { return Count(s.Trials(), TrialState::kActive) == 2; }));
  kill(first->pid(), SIGKILL);
  REQUIRE(test::WaitFor([&] {  // it has ended, and nobody has reaped it
    std::ifstream stat("/proc/" + std::to_string(first->pid()) + "/stat");
    std::string text;
    std::getline(stat, text);
    return text.find(") Z ") != std::string::npos;
  }));
  const std::set<std::int64_t> interrupted = ActiveTrials(s);
  REQUIRE_FALSE(interrupted.empty());

  auto second = s.StartDriver(2);
  CHECK(s.Finish(*second).succeeded());
  CheckAllSucceeded(s, 6, interrupted);
  CHECK(first->WaitExit().code == SIGKILL);
}

TEST_CASE("a runner that dies while another runs the study: the other reruns its trials",
          "[runner][resume]") {
  // Both runs share GPUs 0 and 1, so the second waits for the first's GPUs; the first is killed
  // with two trials running, which the second used to leave to it, ending 'held by other runners'.
  DriverStudy s("peer-dies", "--steps=3, --sleep-ms=150", 8, 2);
  auto first = s.StartDriver(1);
  REQUIRE(test::WaitFor([&] { return Count(s.Trials(), TrialState::kActive) == 2; }));
  auto second = s.StartDriver(2);
  REQUIRE(test::WaitFor([&] {
    return test::ReadFile(s.dir / "driver-2.log").find("is running trial(s)") != std::string::npos;
  }));
  const std::set<std::int64_t> interrupted = ActiveTrials(s);
  kill(first->pid(), SIGKILL);
  CHECK(first->WaitExit().code == SIGKILL);
  REQUIRE_FALSE(interrupted.empty());

  CHECK(s.Finish(*second).succeeded());
  CheckAllSucceeded(s, 8, interrupted);
  const std::string log = test::ReadFile(s.dir / "driver-2.log");
  for (std::int64_t id : interrupted)
    CHECK(log.find("trial " + std::to_string(id) + " requeued (attempt 2)") != std::string::npos);
}
