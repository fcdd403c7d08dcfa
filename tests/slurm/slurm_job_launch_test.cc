#include "slurm_job_launch.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "bayestune/optimizer/errors.h"
#include "slurm_job_exit_status.h"
#include "slurm_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

SlurmJobLaunch HostileLaunch(const std::filesystem::path& dir) {
  SlurmJobLaunch launch;
  launch.executable = TestTrainer();
  launch.argv = {"trainer"};
  for (const std::string& arg : HostileArguments(dir / "X"))
    launch.argv.push_back(arg);
  launch.environment = {"TF_CONFIG={\"cluster\":{},\"task\":{\"index\":0}}", "WITH_NEWLINE=a\nb",
                        "EMPTY="};
  launch.working_dir = dir / "it's here";
  launch.stdout_path = dir / "stdout.log";
  launch.stderr_path = dir / "stderr.log";
  launch.status_path = dir / "exit_status.json";
  return launch;
}

}  // namespace

TEST_CASE("a launch file reads back exactly as written", "[slurm][launch]") {
  const auto dir = MakeTempDir("slurm-launch");
  const SlurmJobLaunch launch = HostileLaunch(dir);
  WriteSlurmJobLaunch(dir / "slurm-launch.json", launch);
  CHECK(ReadSlurmJobLaunch(dir / "slurm-launch.json") == launch);
}

TEST_CASE("an argument JSON cannot carry is an error naming it", "[slurm][launch]") {
  SlurmJobLaunch launch = HostileLaunch("/tmp");
  launch.argv.push_back("--latin1=caf\xe9");
  CHECK_THROWS_WITH(SlurmJobLaunchJson(launch),
                    Catch::Contains("argument 14") && Catch::Contains("not valid UTF-8"));
}

TEST_CASE("a broken launch file is an error naming the file and the field", "[slurm][launch]") {
  CHECK_THROWS_WITH(ParseSlurmJobLaunch("{", "the launch file 'x'"),
                    Catch::Contains("the launch file 'x' is not valid JSON"));
  CHECK_THROWS_WITH(ParseSlurmJobLaunch(R"({"version":2})", "f"),
                    Catch::Contains("'version' must be 1"));
  CHECK_THROWS_WITH(
      ParseSlurmJobLaunch(R"({"version":1,"argv":[],"stdout":"o","stderr":"e","status":"s"})", "f"),
      Catch::Contains("'argv' must be a list of strings"));
  CHECK_THROWS_WITH(
      ParseSlurmJobLaunch(R"({"version":1,"argv":["t"],"stdout":"o","stderr":"e"})", "f"),
      Catch::Contains("the field 'status' is missing"));
  CHECK_THROWS_WITH(
      ParseSlurmJobLaunch(R"({"version":1,"argv":["t"],"environment":{"A":1},"stdout":"o",)"
                          R"("stderr":"e","status":"s"})",
                          "f"),
      Catch::Contains("the environment variable 'A'"));
  CHECK_THROWS_WITH(
      ReadSlurmJobLaunch("/nonexistent/slurm-launch.json"),
      Catch::Contains("cannot read the launch file '/nonexistent/slurm-launch.json'"));
}

TEST_CASE("a trial's Slurm launch: the local command's argv and variables, Slurm's GPUs",
          "[slurm][launch]") {
  RunnerSpec runner;
  runner.command = {"python3", "train.py"};
  runner.args = {"--epochs=3"};
  runner.env = {{"MY_SETTING", "a b"}};
  Trial trial;
  trial.id = 7;
  trial.parameters["lr"] = ParameterValue(0.1);
  const TrialPaths paths = TrialPathsFor("/jobs/s", 7, 1);
  // The environment bayestune adds, without the controller's own (sbatch passes that on).
  const TrialCommand command = BuildTrialCommand(runner, "/usr/bin/python3", trial, {2}, paths, {});

  const SlurmJobLaunch gpu =
      SlurmJobLaunchFor(command, paths, "/jobs/s/trial-7/exit_status.json", 1, "/home/me/project");
  CHECK(gpu.executable == "/usr/bin/python3");
  CHECK(gpu.argv == command.argv);
  CHECK(gpu.working_dir == "/home/me/project");
  CHECK(gpu.stdout_path == paths.stdout_log);
  CHECK(gpu.stderr_path == paths.stderr_log);
  CHECK(EnvironmentValue(gpu.environment, "MY_SETTING") == "a b");
  CHECK(EnvironmentValue(gpu.environment, "CLOUD_ML_HP_METRIC_FILE") == paths.metric_file.string());
  CHECK(EnvironmentValue(gpu.environment, "CLOUD_ML_TRIAL_ID") == "7");
  CHECK(EnvironmentValue(gpu.environment, "TF_CONFIG") == TfConfigJson(7));
  CHECK(EnvironmentValue(gpu.environment, "CUDA_DEVICE_ORDER") == "PCI_BUS_ID");
  CHECK_FALSE(EnvironmentValue(gpu.environment, "CUDA_VISIBLE_DEVICES"));

  const SlurmJobLaunch cpu = SlurmJobLaunchFor(command, paths, "s", 0, "/");
  CHECK(EnvironmentValue(cpu.environment, "CUDA_VISIBLE_DEVICES") == "");
}

TEST_CASE("an exit status file reads back as written", "[slurm][launch]") {
  const auto dir = MakeTempDir("slurm-status");
  SlurmJobExitStatus status;
  status.job_id = "42";
  status.host = "node7";
  status.trainer_pid = 1234;
  status.exit = ProcessExit{true, 15, false};
  status.signals_received = {15, 10};
  status.started_at = 1700000000.25;
  status.ended_at = 1700000010.5;
  WriteSlurmJobExitStatus(dir / "exit_status.json", status);
  CHECK(SlurmJobExitStatusJson(*ReadSlurmJobExitStatus(dir / "exit_status.json")) ==
        SlurmJobExitStatusJson(status));
  CHECK(ReadFile(dir / "exit_status.json").find("was killed by signal 15 (SIGTERM)") !=
        std::string::npos);

  SlurmJobExitStatus failed;
  failed.launch_error = "cannot run '/x': No such file or directory";
  WriteSlurmJobExitStatus(dir / "failed.json", failed);
  CHECK(SlurmJobExitStatusJson(*ReadSlurmJobExitStatus(dir / "failed.json")) ==
        SlurmJobExitStatusJson(failed));

  CHECK_FALSE(ReadSlurmJobExitStatus(dir / "missing.json"));
  WriteFile(dir / "bad.json", "{}");
  CHECK_THROWS_WITH(ReadSlurmJobExitStatus(dir / "bad.json"),
                    Catch::Contains("is not an exit status file"));
}

// A trainer can write in its trial folder: what it puts in the place of exit_status.json (or a
// launch file) is refused without blocking in open() or reading more than the limit.
TEST_CASE("an exit status or launch file that is a FIFO, a device or huge is refused, unread",
          "[slurm][launch]") {
  const auto dir = MakeTempDir("slurm-status-hostile");
  REQUIRE(mkfifo((dir / "fifo.json").c_str(), 0644) == 0);
  CHECK_THROWS_AS_WITH(ReadSlurmJobExitStatus(dir / "fifo.json"), InvalidArgument,
                       Catch::Contains("fifo.json' is not a regular file"));
  CHECK_THROWS_AS_WITH(ReadSlurmJobLaunch(dir / "fifo.json"), InvalidArgument,
                       Catch::Contains("fifo.json' is not a regular file"));
  std::filesystem::create_symlink("/dev/zero", dir / "zero.json");
  CHECK_THROWS_AS_WITH(ReadSlurmJobExitStatus(dir / "zero.json"), InvalidArgument,
                       Catch::Contains("is not a regular file"));
  { std::ofstream huge(dir / "huge.json"); }
  std::filesystem::resize_file(dir / "huge.json", std::uintmax_t{1} << 30);  // sparse
  CHECK_THROWS_AS_WITH(ReadSlurmJobExitStatus(dir / "huge.json"), InvalidArgument,
                       Catch::Contains("is larger than 65536 bytes"));
}
