// SlurmCommands and bayestune-job against a real single-node Slurm cluster (SlurmTestCluster).
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/trial_runner/slurm_commands.h"
#include "bayestune/trial_runner/slurm_job_files.h"
#include "bayestune/trial_runner/trial_command.h"
#include "slurm_job_exit_status.h"
#include "slurm_job_launch.h"
#include "slurm_test_cluster.h"
#include "slurm_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

SlurmCommands CommandsFor(const SlurmTestCluster& cluster,
                          std::vector<std::string> extra_env = {}) {
  SlurmCommandsOptions options;
  options.environment = cluster.Environment();
  options.environment.insert(options.environment.end(), extra_env.begin(), extra_env.end());
  return SlurmCommands(options);
}

// One trial attempt's folder with its launch file and job script, as a launcher would write
// them, running the test trainer with `env` (TEST_TRAINER_* settings) and `args`.
struct PreparedJob {
  std::filesystem::path dir;
  SlurmJobFiles files;
  SlurmJobLaunch launch;
  SlurmJobRequest request;
};

PreparedJob PrepareJob(const std::filesystem::path& dir, std::vector<std::string> env = {},
                       std::vector<std::string> args = {}, int gpus = 1) {
  std::filesystem::create_directories(dir);
  PreparedJob job;
  job.dir = dir;
  job.files = SlurmJobFilesFor(dir);
  job.launch.executable = TestTrainer();
  job.launch.argv = {"slurm_test_trainer"};
  job.launch.argv.insert(job.launch.argv.end(), args.begin(), args.end());
  job.launch.environment = {"TEST_TRAINER_DIR=" + dir.string()};
  job.launch.environment.insert(job.launch.environment.end(), env.begin(), env.end());
  job.launch.working_dir = dir;
  job.launch.stdout_path = dir / "stdout.log";
  job.launch.stderr_path = dir / "stderr.log";
  job.launch.status_path = job.files.status;
  WriteSlurmJobLaunch(job.files.launch, job.launch);
  WriteFileAtomically(job.files.script, SlurmJobScript(JobProgram(), job.files.launch), 0755);
  job.request.script = job.files.script;
  job.request.job_name = "bayestune-test";
  job.request.gpus = gpus;
  job.request.output_file = job.files.log;
  job.request.working_dir = dir;
  return job;
}

SlurmJobStatus QueryOne(SlurmCommands& commands, const SlurmJobId& id) {
  return commands.Query({id}).at(id);
}

// Waits until the job is in `phase` (Query every 50 ms, at most 60 s).
SlurmJobStatus WaitForPhase(SlurmCommands& commands, const SlurmJobId& id, SlurmJobPhase phase) {
  SlurmJobStatus status;
  WaitFor(
      [&] {
        status = QueryOne(commands, id);
        return status.phase == phase;
      },
      60);
  return status;
}

}  // namespace

TEST_CASE("a job's trainer gets its hostile argv byte for byte through sbatch and bayestune-job",
          "[slurm][cluster]") {
  SlurmTestCluster cluster;
  // The controller's own CUDA_VISIBLE_DEVICES goes to the job with the rest of its environment;
  // Slurm must replace it with the job's GPU.
  SlurmCommands commands = CommandsFor(cluster, {"CUDA_VISIBLE_DEVICES=3,2"});
  const auto dir = MakeTempDir("slurm-argv");
  const auto marker = dir / "X";
  const PreparedJob job =
      PrepareJob(dir / "it's a trial; $(x)",
                 {"CLOUD_ML_TRIAL_ID=7", "TF_CONFIG={\"task\":{\"trial\":\"7\"}}",
                  "CUDA_DEVICE_ORDER=PCI_BUS_ID"},
                 HostileArguments(marker));
  const SlurmJobId id = commands.Submit(job.request);
  const SlurmJobStatus end = WaitForPhase(commands, id, SlurmJobPhase::kFinished);
  INFO(ReadFile(job.files.log));
  CHECK(end.state == "COMPLETED");
  REQUIRE(end.exit);
  CHECK(end.exit->succeeded());
  CHECK(SplitNul(ReadFile(job.dir / "argv")) == job.launch.argv);
  CHECK_FALSE(std::filesystem::exists(marker));
  const std::vector<std::string> environment = SplitNul(ReadFile(job.dir / "environ"));
  CHECK(EnvironmentValue(environment, "CLOUD_ML_TRIAL_ID") == "7");
  CHECK(EnvironmentValue(environment, "TF_CONFIG") == "{\"task\":{\"trial\":\"7\"}}");
  CHECK(EnvironmentValue(environment, "CUDA_DEVICE_ORDER") == "PCI_BUS_ID");
  CHECK(EnvironmentValue(environment, "SLURM_JOB_ID") == id);
  const auto gpu = EnvironmentValue(environment, "CUDA_VISIBLE_DEVICES");
  CHECK(std::set<std::string>{"0", "1", "2", "3"}.count(gpu.value_or("none")) == 1);
  CHECK(ReadFile(job.dir / "cwd") == job.dir.string());
  const auto status = ReadSlurmJobExitStatus(job.files.status);
  REQUIRE(status);
  CHECK(status->job_id == id);
  CHECK(status->host.rfind(cluster.node(), 0) == 0);  // the node name is the short host name
  CHECK(status->exit->succeeded());
}

TEST_CASE("one squeue call reports pending, running and finished jobs", "[slurm][cluster]") {
  SlurmTestCluster cluster;
  SlurmCommands commands = CommandsFor(cluster);
  const auto dir = MakeTempDir("slurm-query");
  const auto release = dir / "release";
  // Four jobs hold the four GPUs until `release` exists; a fifth waits for a GPU; two ended.
  std::vector<SlurmJobId> running;
  for (int i = 0; i < 4; ++i) {
    running.push_back(commands.Submit(
        PrepareJob(dir / ("run-" + std::to_string(i)), {"TEST_TRAINER_UNTIL=" + release.string()})
            .request));
  }
  const SlurmJobId done = commands.Submit(PrepareJob(dir / "done", {}, {}, 0).request);
  const SlurmJobId failed =
      commands.Submit(PrepareJob(dir / "failed", {"TEST_TRAINER_EXIT=3"}, {}, 0).request);
  REQUIRE(WaitFor(
      [&] {
        for (int i = 0; i < 4; ++i) {
          if (!std::filesystem::exists(dir / ("run-" + std::to_string(i)) / "started"))
            return false;
        }
        return true;
      },
      60));
  const SlurmJobId waiting = commands.Submit(PrepareJob(dir / "waiting").request);
  WaitForPhase(commands, done, SlurmJobPhase::kFinished);
  WaitForPhase(commands, failed, SlurmJobPhase::kFinished);
  // A job just submitted pends with reason "None" until the scheduler has looked at it.
  WaitFor([&] { return QueryOne(commands, waiting).reason != "None"; }, 60);

  const SlurmCallCounts before = commands.calls();
  std::vector<SlurmJobId> all = running;
  all.insert(all.end(), {done, failed, waiting, "999999"});
  const auto jobs = commands.Query(all);
  CHECK(commands.calls().squeue == before.squeue + 1);
  CHECK(commands.calls().scontrol == before.scontrol + 1);  // for 999999 alone
  REQUIRE(jobs.size() == all.size());
  for (const SlurmJobId& id : running) {
    CHECK(jobs.at(id).phase == SlurmJobPhase::kRunning);
    CHECK(jobs.at(id).state == "RUNNING");
  }
  CHECK(jobs.at(waiting).phase == SlurmJobPhase::kPending);
  CHECK(jobs.at(waiting).state == "PENDING");
  CHECK(jobs.at(waiting).reason == "Resources");
  CHECK(jobs.at(done).state == "COMPLETED");
  CHECK(jobs.at(done).exit->succeeded());
  CHECK(jobs.at(failed).state == "FAILED");
  CHECK(jobs.at(failed).reason == "NonZeroExitCode");
  CHECK(jobs.at(failed).exit->Describe() == "exited with status 3");
  CHECK(ReadSlurmJobExitStatus(SlurmJobFilesFor(dir / "failed").status)->exit->Describe() ==
        "exited with status 3");
  CHECK(jobs.at("999999").phase == SlurmJobPhase::kUnknown);

  WriteFile(release, "");
  for (const SlurmJobId& id : running) {
    CHECK(WaitForPhase(commands, id, SlurmJobPhase::kFinished).state == "COMPLETED");
  }
  CHECK(WaitForPhase(commands, waiting, SlurmJobPhase::kFinished).state == "COMPLETED");
}

TEST_CASE(
    "a job that cannot start stays PENDING with Slurm's reason until it is cancelled, "
    "CancelPending cancelling it and not a running one",
    "[slurm][cluster]") {
  SlurmTestCluster cluster;
  SlurmCommands commands = CommandsFor(cluster);
  const auto dir = MakeTempDir("slurm-pending");
  const auto release = dir / "release";
  const SlurmJobId holder = commands.Submit(
      PrepareJob(dir / "holder", {"TEST_TRAINER_UNTIL=" + release.string()}, {}, 4).request);
  WaitForPhase(commands, holder, SlurmJobPhase::kRunning);
  const PreparedJob stuck = PrepareJob(dir / "stuck");
  const SlurmJobId id = commands.Submit(stuck.request);
  // Right after sbatch its reason is "None", until the scheduler has looked at it; then, past a
  // launcher's (short) timeout, it still waits and says why.
  SlurmJobStatus status;
  WaitFor(
      [&] {
        status = QueryOne(commands, id);
        return status.reason != "None";
      },
      60);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  status = QueryOne(commands, id);
  CHECK(status.phase == SlurmJobPhase::kPending);
  CHECK(status.reason == "Resources");
  CHECK_FALSE(std::filesystem::exists(stuck.dir / "started"));

  // CancelPending (the first Ctrl-C of a run) leaves a running job alone, cancels a pending one.
  CHECK_FALSE(commands.CancelPending(holder));
  CHECK(commands.CancelPending(id));
  const SlurmJobStatus cancelled = WaitForPhase(commands, id, SlurmJobPhase::kFinished);
  CHECK(cancelled.state == "CANCELLED");
  CHECK_FALSE(ReadSlurmJobExitStatus(stuck.files.status));  // it never ran
  CHECK_FALSE(commands.Signal(id, SIGTERM));                // ended: nothing to signal
  CHECK_FALSE(commands.CancelPending(id));                  // nor to cancel
  CHECK(QueryOne(commands, holder).phase == SlurmJobPhase::kRunning);
  WriteFile(release, "");
}

TEST_CASE(
    "SIGTERM through scancel --batch reaches the trainer once and exit_status.json records it",
    "[slurm][cluster]") {
  SlurmTestCluster cluster;
  SlurmCommands commands = CommandsFor(cluster);
  const auto dir = MakeTempDir("slurm-sigterm");
  const PreparedJob job = PrepareJob(dir / "trial", {"TEST_TRAINER_SLEEP=120"});
  const SlurmJobId id = commands.Submit(job.request);
  REQUIRE(WaitFor([&] { return std::filesystem::exists(job.dir / "started"); }, 60));
  // A job still pending gets no signal (and scancel does not wait for it to start).
  const SlurmJobId pending = commands.Submit(PrepareJob(dir / "other", {}, {}, 4).request);
  const SlurmJobStatus before = QueryOne(commands, pending);
  INFO("state " << before.state << " reason " << before.reason);
  CHECK_FALSE(commands.Signal(pending, SIGTERM));
  CHECK(QueryOne(commands, pending).phase == SlurmJobPhase::kPending);
  CHECK(commands.Signal(id, SIGTERM));
  const SlurmJobStatus end = WaitForPhase(commands, id, SlurmJobPhase::kFinished);
  INFO(ReadFile(job.files.log));
  CHECK(ReadFile(job.dir / "sigterm-count") == "1\n");
  const auto status = ReadSlurmJobExitStatus(job.files.status);
  REQUIRE(status);
  CHECK(status->exit->Describe() == "was killed by signal 15 (SIGTERM)");
  CHECK(status->signals_received == std::vector<int>{SIGTERM});
  // Slurm's own record: the job program ended as its trainer did.
  CHECK(end.state == "FAILED");
  REQUIRE(end.exit);
  CHECK(end.exit->Describe() == "was killed by signal 15 (SIGTERM)");
}

TEST_CASE("scancel ends a running job as CANCELLED after SIGTERM to its trainer",
          "[slurm][cluster]") {
  SlurmTestCluster cluster;
  SlurmCommands commands = CommandsFor(cluster);
  const auto dir = MakeTempDir("slurm-cancel");
  const PreparedJob job = PrepareJob(dir / "trial", {"TEST_TRAINER_SLEEP=120"});
  const SlurmJobId id = commands.Submit(job.request);
  REQUIRE(WaitFor([&] { return std::filesystem::exists(job.dir / "started"); }, 60));
  CHECK(commands.Cancel(id));
  const SlurmJobStatus end = WaitForPhase(commands, id, SlurmJobPhase::kFinished);
  CHECK(end.state == "CANCELLED");
  REQUIRE(WaitFor([&] { return !ReadFile(job.dir / "sigterm-count").empty(); }, 10));
  // Slurm signals every process of the job, and bayestune-job and the trial's keeper pass SIGTERM
  // on as well: the trainer may see it up to three times (what a plain scancel, a time limit or a
  // preemption do).
  const int count = std::stoi(ReadFile(job.dir / "sigterm-count"));
  CHECK(count >= 1);
  CHECK(count <= 3);
  std::printf("a plain scancel delivered SIGTERM to the trainer %d time(s)\n", count);
  const auto status = ReadSlurmJobExitStatus(job.files.status);
  if (status) CHECK(status->signals_received.front() == SIGTERM);
}

TEST_CASE("what sbatch refuses is an error with Slurm's words", "[slurm][cluster]") {
  SlurmTestCluster cluster;
  SlurmCommands commands = CommandsFor(cluster);
  const auto dir = MakeTempDir("slurm-errors");
  PreparedJob job = PrepareJob(dir / "trial");
  SECTION("an unknown partition") {
    job.request.partition = "no-such-partition";
    CHECK_THROWS_AS_WITH(commands.Submit(job.request), InvalidArgument,
                         Catch::Contains("Invalid partition name specified") &&
                             Catch::Contains("--partition=no-such-partition"));
  }
  SECTION("more GPUs than the node has") {
    job.request.gpus = 9;
    CHECK_THROWS_AS_WITH(commands.Submit(job.request), InvalidArgument,
                         Catch::Contains("Requested node configuration is not available") &&
                             Catch::Contains("--gres=gpu:9"));
  }
  SECTION("a bad time limit") {
    job.request.time = "soon";
    CHECK_THROWS_AS_WITH(commands.Submit(job.request), InvalidArgument,
                         Catch::Contains("Invalid --time specification"));
  }
  SECTION("the controller is down") {
    cluster.Stop();
    SlurmCommandsOptions options;
    options.environment = cluster.Environment();
    options.timeout_seconds = 5;
    SlurmCommands down(options);
    CHECK_THROWS_AS(down.Submit(job.request), Unavailable);
    CHECK_THROWS_AS(down.Query({"1", "2"}), Unavailable);
  }
}

TEST_CASE("the job's log goes to a literal path, even with '%' and spaces in it",
          "[slurm][cluster]") {
  SlurmTestCluster cluster;
  SlurmCommands commands = CommandsFor(cluster);
  const auto dir = MakeTempDir("slurm-log");
  PreparedJob job = PrepareJob(dir / "100% done %j", {}, {}, 0);
  WriteFile(job.dir / "slurm-launch.json", "not json");  // bayestune-job complains in the log
  const SlurmJobId id = commands.Submit(job.request);
  const SlurmJobStatus end = WaitForPhase(commands, id, SlurmJobPhase::kFinished);
  CHECK(end.exit->Describe() == "exited with status 2");
  CHECK_THAT(ReadFile(job.files.log), Catch::Contains("is not valid JSON"));
}
