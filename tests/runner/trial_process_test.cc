#include "bayestune/trial_runner/trial_process.h"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "bayestune/trial_runner/trial_command.h"
#include "test_support.h"

using namespace bayestune;

namespace {

ProcessLaunch FakeLaunch(const std::filesystem::path& dir, std::vector<std::string> flags) {
  ProcessLaunch launch;
  launch.executable = test::FakeTrainer();
  launch.argv = {"fake_trainer", "--job-dir=" + dir.string()};
  launch.argv.insert(launch.argv.end(), flags.begin(), flags.end());
  launch.environment = CurrentEnvironment();
  launch.stdout_path = dir / "stdout.log";
  launch.stderr_path = dir / "stderr.log";
  return launch;
}

}  // namespace

TEST_CASE("a process's exit status and its logs", "[process]") {
  const auto dir = test::MakeTempDir("process");
  auto process = TrialProcess::Launch(FakeLaunch(dir, {"--mode=crash"}));
  CHECK(process.running());
  const ProcessExit exit = process.WaitExit();
  CHECK_FALSE(exit.signaled);
  CHECK(exit.code == 3);
  CHECK_FALSE(exit.succeeded());
  CHECK(exit.Describe() == "exited with status 3");
  CHECK_FALSE(process.running());
  CHECK(test::ReadFile(dir / "stderr.log").find("simulated crash") != std::string::npos);
  // Its own process group.
  const auto record = test::ReadRecord(dir);
  CHECK(record["pgid"] == record["pid"]);
  CHECK(record["pid"] == process.pid());
}

TEST_CASE("a process killed by a signal", "[process]") {
  const auto dir = test::MakeTempDir("process");
  auto process = TrialProcess::Launch(FakeLaunch(dir, {"--mode=segv"}));
  const ProcessExit exit = process.WaitExit();
  CHECK(exit.signaled);
  CHECK(exit.code == SIGSEGV);
  CHECK(exit.Describe() == "was killed by signal 11 (SIGSEGV)");
}

TEST_CASE("signals reach the process group and SIGKILL ends a trainer that ignores SIGTERM",
          "[process]") {
  const auto dir = test::MakeTempDir("process");
  auto process = TrialProcess::Launch(FakeLaunch(dir, {"--mode=hang", "--ignore-sigterm"}));
  REQUIRE(test::WaitFor(
      [&] { return test::ReadFile(dir / "stderr.log").find("hanging") != std::string::npos; }));
  process.SignalGroup(SIGTERM);
  CHECK_FALSE(test::WaitFor([&] { return process.PollExit().has_value(); }, 0.3));
  process.SignalGroup(SIGKILL);
  const ProcessExit exit = process.WaitExit();
  CHECK(exit.signaled);
  CHECK(exit.code == SIGKILL);
}

TEST_CASE("what a trainer leaves running in its group is killed when it exits", "[process]") {
  const auto dir = test::MakeTempDir("process");
  auto process = TrialProcess::Launch(FakeLaunch(dir, {"--mode=leave-child", "--steps=1"}));
  REQUIRE(test::WaitFor([&] { return !test::ReadFile(dir / "child.pid").empty(); }));
  const pid_t child = std::stoi(test::ReadFile(dir / "child.pid"));
  CHECK(process.WaitExit().succeeded());
  CHECK(test::WaitFor([&] { return test::ProcessGone(child); }));
}

TEST_CASE("what a trainer started outside its group is killed too before its exit is reported",
          "[process]") {
  const auto dir = test::MakeTempDir("process");
  auto process = TrialProcess::Launch(FakeLaunch(dir, {"--leave-escapee", "--steps=1"}));
  CHECK(process.WaitExit().succeeded());
  // The keeper reaped the whole tree before it exited: nothing to wait for.
  const pid_t escapee = std::stoi(test::ReadFile(dir / "escapee.pid"));
  CHECK(test::ProcessGone(escapee));
  CHECK(kill(escapee, 0) != 0);  // reaped, not a zombie
}

TEST_CASE("the trainer runs under a keeper that is not in its process group", "[process]") {
  const auto dir = test::MakeTempDir("process");
  auto process = TrialProcess::Launch(FakeLaunch(dir, {"--mode=hang"}));
  REQUIRE(test::WaitFor([&] { return test::ReadRecord(dir).is_object(); }));
  const auto record = test::ReadRecord(dir);
  CHECK(record["pid"] == process.pid());
  CHECK(record["pgid"] == process.pid());
  CHECK(process.keeper_pid() != process.pid());
  CHECK(getpgid(process.keeper_pid()) == process.keeper_pid());  // a group of its own
  CHECK(test::ReadFile("/proc/" + std::to_string(process.keeper_pid()) + "/comm") ==
        "bayestune-trial\n");
  process.SignalGroup(SIGTERM);  // forwarded to the trainer's group
  const ProcessExit exit = process.WaitExit();
  CHECK(exit.signaled);
  CHECK(exit.code == SIGTERM);
}

TEST_CASE("a program that cannot run is a LaunchError with the reason", "[process]") {
  const auto dir = test::MakeTempDir("process");
  test::WriteFile(dir / "bad-interpreter", "#!/nonexistent/python9 -u\n", true);
  test::WriteFile(dir / "not-executable", "#!/bin/sh\n", false);
  auto launch = FakeLaunch(dir, {});
  launch.executable = (dir / "bad-interpreter").string();
  // execve says ENOENT, as if the script were missing; the message names the interpreter.
  CHECK_THROWS_WITH(TrialProcess::Launch(launch),
                    Catch::Contains("cannot run '" + launch.executable + "'") &&
                        Catch::Contains("#!/nonexistent/python9 -u") &&
                        Catch::Contains("the interpreter '/nonexistent/python9' does not exist"));
  launch.executable = (dir / "not-executable").string();
  CHECK_THROWS_WITH(TrialProcess::Launch(launch), Catch::Contains("Permission denied"));
  launch.executable = test::FakeTrainer();
  launch.stdout_path = dir / "no-such-folder" / "stdout.log";
  CHECK_THROWS_WITH(TrialProcess::Launch(launch), Catch::Contains("cannot open the log"));
}

TEST_CASE("destroying a running process kills and reaps it", "[process]") {
  const auto dir = test::MakeTempDir("process");
  pid_t pid = 0;
  {
    auto process = TrialProcess::Launch(FakeLaunch(dir, {"--mode=hang", "--ignore-sigterm"}));
    pid = process.pid();
  }
  CHECK(kill(pid, 0) != 0);  // reaped: no zombie left
}
