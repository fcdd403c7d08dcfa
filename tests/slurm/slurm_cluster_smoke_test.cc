// The test cluster itself: it starts, Slurm isolates its fake GPUs, and it leaves nothing behind.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <set>

#include "slurm_test_cluster.h"
#include "slurm_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// A job script that writes its GPUs to <dir>/gpus-<name> and waits (at most 30 s) until
// <dir>/gpus-<other> exists, so that both jobs hold their GPU at the same time.
std::string GpuScript(const std::filesystem::path& dir, const std::string& name,
                      const std::string& other) {
  return "#!/bin/sh\n"
         "echo \"$CUDA_VISIBLE_DEVICES\" > '" +
         (dir / ("gpus-" + name + ".tmp")).string() +
         "'\n"
         "mv '" +
         (dir / ("gpus-" + name + ".tmp")).string() + "' '" + (dir / ("gpus-" + name)).string() +
         "'\n"
         "i=0; while [ ! -e '" +
         (dir / ("gpus-" + other)).string() +
         "' ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done\n";
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("the test cluster runs two GPU jobs at once on different GPUs and leaves nothing",
          "[slurm][cluster]") {
  const auto dir = MakeTempDir("slurm-smoke");
  std::vector<pid_t> daemons;
  std::filesystem::path cluster_dir;
  {
    SlurmTestCluster cluster;
    std::printf("the Slurm test cluster started in %.2f s\n", cluster.start_seconds());
    daemons = cluster.DaemonPids();
    cluster_dir = cluster.dir();
    CHECK(daemons.size() == 3);
    WriteFile(dir / "a.sh", GpuScript(dir, "a", "b"), true);
    WriteFile(dir / "b.sh", GpuScript(dir, "b", "a"), true);
    for (const char* name : {"a", "b"}) {
      const auto submitted = cluster.Run(
          "sbatch", {"--parsable", "--gres=gpu:1", "--output=/dev/null", "--chdir=" + dir.string(),
                     (dir / (std::string(name) + ".sh")).string()});
      INFO(submitted.err);
      REQUIRE(submitted.exit.succeeded());
    }
    REQUIRE(WaitFor([&] {
      return std::filesystem::exists(dir / "gpus-a") && std::filesystem::exists(dir / "gpus-b");
    }));
    const std::string a = Trim(ReadFile(dir / "gpus-a"));
    const std::string b = Trim(ReadFile(dir / "gpus-b"));
    const std::set<std::string> gpus{"0", "1", "2", "3"};
    CHECK(gpus.count(a) == 1);  // exactly one GPU each
    CHECK(gpus.count(b) == 1);
    CHECK(a != b);
    cluster.Stop();
    CHECK(cluster.ProcessesOfCluster().empty());
  }
  for (pid_t pid : daemons)
    CHECK(ProcessGone(pid));
  CHECK_FALSE(std::filesystem::exists(cluster_dir));
}

TEST_CASE("a test that fails with a job running leaves no daemon and no job behind",
          "[slurm][cluster]") {
  const auto dir = MakeTempDir("slurm-smoke");
  std::vector<pid_t> left;
  std::vector<pid_t> daemons;
  pid_t job = 0;
  try {
    SlurmTestCluster cluster;
    daemons = cluster.DaemonPids();
    WriteFile(dir / "job.sh",
              "#!/bin/sh\necho $$ > '" + (dir / "job.pid").string() + "'\nsleep 300\n", true);
    REQUIRE(
        cluster.Run("sbatch", {"--output=/dev/null", (dir / "job.sh").string()}).exit.succeeded());
    REQUIRE(WaitFor([&] { return !ReadFile(dir / "job.pid").empty(); }));
    job = std::stoi(ReadFile(dir / "job.pid"));
    throw std::runtime_error("a failing test");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "a failing test");
  }
  REQUIRE(job > 0);
  CHECK(WaitFor([&] { return ProcessGone(job); }, 5));
  for (pid_t pid : daemons)
    CHECK(ProcessGone(pid));
}

TEST_CASE(
    "a test process killed outright: its daemons and their jobs die with it, and the next "
    "cluster finds nothing left",
    "[slurm][cluster]") {
  const auto dir = MakeTempDir("slurm-smoke");
  WriteFile(dir / "job.sh",
            "#!/bin/sh\necho $$ > '" + (dir / "job.pid").string() + "'\nsleep 300\n", true);
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t holder = fork();
  if (holder == 0) {
    // A test process that starts a cluster and a job, then is killed with SIGKILL.
    close(ready[0]);
    try {
      auto* cluster = new SlurmTestCluster();  // never destroyed: SIGKILL comes first
      std::string pids;
      for (pid_t pid : cluster->DaemonPids())
        pids += std::to_string(pid) + " ";
      WriteFile(dir / "daemons", pids);
      cluster->Run("sbatch", {"--output=/dev/null", (dir / "job.sh").string()});
      while (ReadFile(dir / "job.pid").empty())
        usleep(10000);
    } catch (...) {
      _exit(1);
    }
    (void)!write(ready[1], "r", 1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char byte = 0;
  const bool started = read(ready[0], &byte, 1) == 1;
  close(ready[0]);
  kill(holder, SIGKILL);
  waitpid(holder, nullptr, 0);
  REQUIRE(started);
  std::vector<pid_t> daemons;
  for (const std::string& pid : {ReadFile(dir / "daemons")}) {
    std::size_t start = 0;
    while (start < pid.size()) {
      const std::size_t end = pid.find(' ', start);
      daemons.push_back(std::stoi(pid.substr(start, end - start)));
      start = end + 1;
    }
  }
  REQUIRE(daemons.size() == 3);
  for (pid_t pid : daemons)
    CHECK(WaitFor([&] { return ProcessGone(pid); }, 5));
  // slurmstepd and the job live in a session of their own, but below the daemons' keeper (a
  // subreaper), which kills whatever is left under it when the test process dies.
  const pid_t job = std::stoi(ReadFile(dir / "job.pid"));
  CHECK(WaitFor([&] { return ProcessGone(job); }, 5));
  SlurmTestCluster next;  // and a new cluster starts on the same machine
  CHECK(next.DaemonPids().size() == 3);
}
