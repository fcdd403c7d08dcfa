// bayestune-job run directly, without Slurm: what it gives the trainer, what it passes on, and
// what it writes. The same program under a real slurmd is in slurm_cluster_test.cc.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "bayestune/trial_runner/slurm_job_files.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_process.h"
#include "slurm_job_exit_status.h"
#include "slurm_job_launch.h"
#include "slurm_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

SlurmJobLaunch TrainerLaunch(const std::filesystem::path& dir, std::vector<std::string> env = {}) {
  SlurmJobLaunch launch;
  launch.executable = TestTrainer();
  launch.argv = {"trainer", "--lr=0.1"};
  launch.environment = {"TEST_TRAINER_DIR=" + dir.string()};
  launch.environment.insert(launch.environment.end(), env.begin(), env.end());
  launch.working_dir = dir;
  launch.stdout_path = dir / "stdout.log";
  launch.stderr_path = dir / "stderr.log";
  launch.status_path = SlurmJobFilesFor(dir).status;
  return launch;
}

// Runs bayestune-job on `launch` as a TrialProcess (its own group, like a batch step).
TrialProcess StartJob(const std::filesystem::path& dir, const SlurmJobLaunch& launch,
                      std::vector<std::string> extra_env = {}) {
  const SlurmJobFiles files = SlurmJobFilesFor(dir);
  WriteSlurmJobLaunch(files.launch, launch);
  ProcessLaunch job;
  job.executable = JobProgram();
  job.argv = {"bayestune-job", files.launch.string()};
  job.environment = CurrentEnvironment();
  job.environment.insert(job.environment.end(), extra_env.begin(), extra_env.end());
  job.stdout_path = files.log;
  job.stderr_path = files.log;
  return TrialProcess::Launch(job);
}

}  // namespace

TEST_CASE("the trainer gets its argv byte for byte, with no shell in between", "[slurm][job]") {
  const auto dir = MakeTempDir("slurm-job");
  SlurmJobLaunch launch = TrainerLaunch(dir);
  for (const std::string& arg : HostileArguments(dir / "X"))
    launch.argv.push_back(arg);
  auto job = StartJob(dir, launch);
  CHECK(job.WaitExit().succeeded());
  CHECK(SplitNul(ReadFile(dir / "argv")) == launch.argv);
  CHECK_FALSE(std::filesystem::exists(dir / "X"));
}

TEST_CASE("the trainer's environment is the job's with the launch file's variables on top",
          "[slurm][job]") {
  const auto dir = MakeTempDir("slurm-job");
  const SlurmJobLaunch launch =
      TrainerLaunch(dir, {"CLOUD_ML_TRIAL_ID=7", "SHARED=from the launch file", "MULTI=a\nb"});
  auto job =
      StartJob(dir, launch, {"SHARED=from the job", "CUDA_VISIBLE_DEVICES=2", "SLURM_JOB_ID=4242"});
  CHECK(job.WaitExit().succeeded());
  const std::vector<std::string> environment = SplitNul(ReadFile(dir / "environ"));
  CHECK(EnvironmentValue(environment, "CLOUD_ML_TRIAL_ID") == "7");
  CHECK(EnvironmentValue(environment, "SHARED") == "from the launch file");
  CHECK(EnvironmentValue(environment, "MULTI") == "a\nb");
  CHECK(EnvironmentValue(environment, "CUDA_VISIBLE_DEVICES") == "2");  // Slurm's, untouched
  CHECK(std::count_if(environment.begin(), environment.end(),
                      [](const std::string& e) { return e.rfind("SHARED=", 0) == 0; }) == 1);
  CHECK(ReadFile(dir / "cwd") == dir.string());
  const auto status = ReadSlurmJobExitStatus(SlurmJobFilesFor(dir).status);
  REQUIRE(status);
  CHECK(status->job_id == "4242");
  CHECK(status->exit->Describe() == "exited with status 0");
  CHECK(status->launch_error.empty());
  CHECK(status->signals_received.empty());
  CHECK(status->ended_at >= status->started_at);
}

TEST_CASE("the job ends as its trainer did, and says so in exit_status.json", "[slurm][job]") {
  const auto dir = MakeTempDir("slurm-job");
  SECTION("an exit status") {
    auto job = StartJob(dir, TrainerLaunch(dir, {"TEST_TRAINER_EXIT=3"}));
    CHECK(job.WaitExit().Describe() == "exited with status 3");
    CHECK(ReadSlurmJobExitStatus(SlurmJobFilesFor(dir).status)->exit->Describe() ==
          "exited with status 3");
  }
  SECTION("a signal") {
    auto job = StartJob(dir, TrainerLaunch(dir, {"TEST_TRAINER_SIGNAL=11"}));
    CHECK(job.WaitExit().Describe() == "was killed by signal 11 (SIGSEGV)");
    CHECK(ReadSlurmJobExitStatus(SlurmJobFilesFor(dir).status)->exit->Describe() ==
          "was killed by signal 11 (SIGSEGV)");
  }
}

TEST_CASE("SIGTERM to the job reaches the trainer's group once and is recorded", "[slurm][job]") {
  const auto dir = MakeTempDir("slurm-job");
  auto job = StartJob(dir, TrainerLaunch(dir, {"TEST_TRAINER_SLEEP=60"}));
  REQUIRE(WaitFor([&] { return !ReadFile(dir / "started").empty(); }));
  kill(job.pid(), SIGTERM);  // the job program alone, as `scancel --batch` does
  CHECK(job.WaitExit().Describe() == "was killed by signal 15 (SIGTERM)");
  CHECK(ReadFile(dir / "sigterm-count") == "1\n");
  const auto status = ReadSlurmJobExitStatus(SlurmJobFilesFor(dir).status);
  REQUIRE(status);
  CHECK(status->exit->Describe() == "was killed by signal 15 (SIGTERM)");
  CHECK(status->signals_received == std::vector<int>{SIGTERM});
}

TEST_CASE("a trainer that cannot start: launch_error in exit_status.json and status 127",
          "[slurm][job]") {
  const auto dir = MakeTempDir("slurm-job");
  SECTION("a missing program") {
    SlurmJobLaunch launch = TrainerLaunch(dir);
    launch.executable = (dir / "no-such-trainer").string();
    auto job = StartJob(dir, launch);
    CHECK(job.WaitExit().Describe() == "exited with status 127");
    const auto status = ReadSlurmJobExitStatus(SlurmJobFilesFor(dir).status);
    REQUIRE(status);
    CHECK_FALSE(status->exit);
    CHECK_THAT(status->launch_error,
               Catch::Contains("no-such-trainer") && Catch::Contains("No such file or directory"));
  }
  SECTION("a program looked up in PATH on the node, not there") {
    SlurmJobLaunch launch = TrainerLaunch(dir, {"PATH=" + dir.string()});
    launch.executable.clear();
    launch.argv = {"python-that-is-not-here", "train.py"};
    auto job = StartJob(dir, launch);
    CHECK(job.WaitExit().Describe() == "exited with status 127");
    CHECK_THAT(ReadSlurmJobExitStatus(SlurmJobFilesFor(dir).status)->launch_error,
               Catch::Contains("python-that-is-not-here") && Catch::Contains("not found in PATH"));
  }
  SECTION("a working folder that does not exist on the node") {
    SlurmJobLaunch launch = TrainerLaunch(dir);
    launch.working_dir = dir / "gone";
    auto job = StartJob(dir, launch);
    CHECK(job.WaitExit().Describe() == "exited with status 127");
    CHECK_THAT(ReadSlurmJobExitStatus(SlurmJobFilesFor(dir).status)->launch_error,
               Catch::Contains("cannot enter the working folder"));
  }
}

TEST_CASE("a program looked up in the trainer's PATH on the node runs", "[slurm][job]") {
  const auto dir = MakeTempDir("slurm-job");
  std::filesystem::create_directories(dir / "bin");
  std::filesystem::create_symlink(TestTrainer(), dir / "bin" / "my-trainer");
  SlurmJobLaunch launch = TrainerLaunch(dir, {"PATH=" + (dir / "bin").string()});
  launch.executable.clear();
  launch.argv = {"my-trainer", "--x=1"};
  auto job = StartJob(dir, launch);
  CHECK(job.WaitExit().succeeded());
  CHECK(SplitNul(ReadFile(dir / "argv")) == launch.argv);
}

TEST_CASE("a launch file that cannot be read: a message in the job's log and status 2",
          "[slurm][job]") {
  const auto dir = MakeTempDir("slurm-job");
  WriteFile(dir / "slurm-launch.json", "{\"version\": 9}");
  ProcessLaunch job;
  job.executable = JobProgram();
  job.argv = {"bayestune-job", (dir / "slurm-launch.json").string()};
  job.environment = CurrentEnvironment();
  job.stdout_path = dir / "slurm-job.log";
  job.stderr_path = dir / "slurm-job.log";
  CHECK(TrialProcess::Launch(job).WaitExit().Describe() == "exited with status 2");
  CHECK_THAT(ReadFile(dir / "slurm-job.log"), Catch::Contains("'version' must be 1"));

  job.argv = {"bayestune-job"};
  CHECK(TrialProcess::Launch(job).WaitExit().Describe() == "exited with status 2");
  CHECK_THAT(ReadFile(dir / "slurm-job.log"), Catch::Contains("usage: bayestune-job LAUNCH_FILE"));
}
