#include "runner_identity.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

using namespace bayestune;

TEST_CASE("a runner's client ids carry who it is", "[identity]") {
  const RunnerIdentity me = RunnerIdentity::Current();
  CHECK(me.pid == getpid());
  CHECK(me.start_ticks > 0);
  CHECK(me.boot_id.size() == 8);
  const std::string id = me.ClientId(12);
  CHECK(id.rfind(me.ClientIdPrefix(), 0) == 0);
  CHECK(id.rfind("runner@" + HostName() + "/", 0) == 0);
  CHECK(RunnerIdentity::FromClientId(id) == me);
  CHECK(me.Check() == RunnerIdentity::Liveness::kAlive);
}

TEST_CASE("a runner that is gone is told apart from a live one", "[identity]") {
  const RunnerIdentity me = RunnerIdentity::Current();
  RunnerIdentity restarted = me;  // the same pid, another start: a reused pid
  restarted.start_ticks += 1;
  CHECK(restarted.Check() == RunnerIdentity::Liveness::kGone);

  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  RunnerIdentity dead = me;
  dead.pid = child;
  CHECK(dead.Check() == RunnerIdentity::Liveness::kGone);

  RunnerIdentity rebooted = me;
  rebooted.boot_id = "00000000";
  CHECK(rebooted.Check() == RunnerIdentity::Liveness::kGone);

  RunnerIdentity elsewhere = me;
  elsewhere.host = "another-host.example";
  CHECK(elsewhere.Check() == RunnerIdentity::Liveness::kUnknown);
}

TEST_CASE("a runner that has ended but is not reaped yet (a zombie) is gone", "[identity]") {
  // Under a container's init that never reaps, a killed runner stays a zombie with its pid and
  // start time for as long as the container lives; its trials must not wait for it.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  RunnerIdentity zombie = RunnerIdentity::Current();
  zombie.pid = child;
  // Its start time, read while it still runs or once it is a zombie (the same either way).
  std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
  std::string text;
  std::getline(stat, text);
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i)
    fields >> field;
  zombie.start_ticks = std::stoull(field);
  // Wait for the child to exit without reaping it.
  siginfo_t info{};
  REQUIRE(waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) == 0);
  CHECK(zombie.Check() == RunnerIdentity::Liveness::kGone);
  waitpid(child, nullptr, 0);
  CHECK(zombie.Check() == RunnerIdentity::Liveness::kGone);
}

TEST_CASE("other client ids are not runners", "[identity]") {
  for (const char* id : {"", "worker-a", "runner@", "runner@h/1.2/3", "runner@h/x.2.b/3",
                         "runner@/1.2.b/3", "runner@h/1.2.b"}) {
    CHECK_FALSE(RunnerIdentity::FromClientId(id));
  }
  const auto parsed = RunnerIdentity::FromClientId("runner@gpu-box.lan/4242.777.abcd1234/9");
  REQUIRE(parsed);
  CHECK(parsed->host == "gpu-box.lan");
  CHECK(parsed->pid == 4242);
  CHECK(parsed->start_ticks == 777);
  CHECK(parsed->boot_id == "abcd1234");
}
