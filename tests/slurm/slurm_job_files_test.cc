#include "bayestune/trial_runner/slurm_job_files.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "slurm_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

TEST_CASE("the job's files live in the attempt's folder", "[slurm][files]") {
  const SlurmJobFiles files = SlurmJobFilesFor("/jobs/study/trial-3/attempt-2");
  CHECK(files.launch == "/jobs/study/trial-3/attempt-2/slurm-launch.json");
  CHECK(files.script == "/jobs/study/trial-3/attempt-2/slurm-job.sh");
  CHECK(files.status == "/jobs/study/trial-3/attempt-2/exit_status.json");
  CHECK(files.log == "/jobs/study/trial-3/attempt-2/slurm-job.log");
}

TEST_CASE("the job script execs the job program with the launch file, whatever their paths",
          "[slurm][files]") {
  const auto dir = MakeTempDir("slurm-script");
  const auto marker = dir / "created-by-a-shell";
  // A job program and a launch file whose paths a shell would split, expand or run.
  const auto odd = dir / "it's a $(touch created-by-a-shell) `x`; folder";
  std::filesystem::create_directories(odd);
  const auto program = odd / "job program";
  std::filesystem::create_symlink(TestTrainer(), program);
  const auto launch = odd / "launch\nfile \"$HOME\".json";
  const auto script = dir / "slurm-job.sh";
  WriteFile(script, SlurmJobScript(program, launch), true);
  CHECK(ReadFile(script).rfind("#!/bin/sh\n", 0) == 0);

  const pid_t pid = fork();
  if (pid == 0) {
    setenv("TEST_TRAINER_DIR", dir.c_str(), 1);
    chdir(dir.c_str());
    execl(script.c_str(), script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(SplitNul(ReadFile(dir / "argv")) ==
        std::vector<std::string>{program.string(), launch.string()});
  CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE("WriteFileAtomically replaces a file whole and leaves no temporary file",
          "[slurm][files]") {
  const auto dir = MakeTempDir("slurm-atomic");
  WriteFileAtomically(dir / "status.json", "old");
  WriteFileAtomically(dir / "status.json", "new contents");
  CHECK(ReadFile(dir / "status.json") == "new contents");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  CHECK(files == 1);
  CHECK_THROWS_WITH(WriteFileAtomically(dir / "missing-folder" / "x.json", "x"),
                    Catch::Contains("missing-folder"));
}
