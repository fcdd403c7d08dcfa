#include "bayestune/trial_runner/slurm_job_request.h"

#include <catch2/catch.hpp>

#include "bayestune/optimizer/errors.h"

using namespace bayestune;

TEST_CASE("sbatch gets every option asked for, --no-requeue, then extra arguments and the script",
          "[slurm][request]") {
  SlurmJobRequest request;
  request.script = "/jobs/trial-3/slurm-job.sh";
  request.job_name = "bayestune study/3";
  request.partition = "gpu";
  request.account = "acme";
  request.qos = "normal";
  request.time = "2:00:00";
  request.cpus_per_task = 4;
  request.memory = "16G";
  request.constraint = "a100|h100";
  request.gpus = 2;
  request.output_file = "/jobs/trial-3/slurm-job.log";
  request.error_file = "/jobs/trial-3/slurm-job.err";
  request.working_dir = "/home/me/project";
  request.extra_args = {"--exclusive", "--nice=10"};
  CHECK(SbatchArguments(request) ==
        std::vector<std::string>{
            "--parsable", "--job-name=bayestune study/3", "--partition=gpu", "--account=acme",
            "--qos=normal", "--time=2:00:00", "--cpus-per-task=4", "--mem=16G",
            "--constraint=a100|h100", "--gres=gpu:2", "--output=/jobs/trial-3/slurm-job.log",
            "--error=/jobs/trial-3/slurm-job.err", "--chdir=/home/me/project", "--no-requeue",
            "--exclusive", "--nice=10", "/jobs/trial-3/slurm-job.sh"});
}

TEST_CASE("options left empty are left to Slurm", "[slurm][request]") {
  SlurmJobRequest request;
  request.script = "job.sh";
  request.requeue = true;
  CHECK(SbatchArguments(request) == std::vector<std::string>{"--parsable", "job.sh"});
}

TEST_CASE("a '%' in a log path is doubled, since sbatch would replace %j and the like",
          "[slurm][request]") {
  CHECK(SbatchLiteralFilename("/jobs/100%/a%jb.log") == "/jobs/100%%/a%%jb.log");
  CHECK(SbatchLiteralFilename("/jobs/plain.log") == "/jobs/plain.log");
}

TEST_CASE("a request that cannot be a job is an error saying what is valid", "[slurm][request]") {
  SlurmJobRequest request;
  CHECK_THROWS_AS(SbatchArguments(request), InvalidArgument);
  request.script = "job.sh";
  request.gpus = -1;
  CHECK_THROWS_WITH(SbatchArguments(request), Catch::Contains("give 0 or more"));
  request.gpus = 0;
  request.cpus_per_task = -2;
  CHECK_THROWS_WITH(SbatchArguments(request), Catch::Contains("give 1 or more"));
}
