// SlurmCommands against stand-ins for Slurm's programs (small shell scripts first in PATH), so
// that parsing, call counts and errors are tested where no Slurm can start. The same against a
// real cluster is in slurm_cluster_test.cc.
#include "bayestune/trial_runner/slurm_commands.h"

#include <signal.h>

#include <catch2/catch.hpp>

#include "bayestune/optimizer/errors.h"
#include "bayestune/trial_runner/trial_command.h"
#include "slurm_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// A folder of stand-in programs; each records its arguments (NUL-terminated) in <name>.args.
class FakeSlurm {
 public:
  FakeSlurm() : dir_(MakeTempDir("fake-slurm")) {}

  // `body` runs after the arguments are recorded.
  void Program(const std::string& name, const std::string& body) {
    WriteFile(dir_ / name,
              "#!/bin/sh\nprintf '%s\\0' \"$@\" > '" + (dir_ / (name + ".args")).string() + "'\n" +
                  body + "\n",
              true);
  }
  std::vector<std::string> Args(const std::string& name) const {
    return SplitNul(ReadFile(dir_ / (name + ".args")));
  }
  // `with_system_path`: the system's folders after the stand-ins (where Slurm may be installed).
  SlurmCommands Commands(double timeout_seconds = 30, bool with_system_path = true) const {
    SlurmCommandsOptions options;
    options.environment = {"PATH=" + dir_.string() + (with_system_path ? ":/usr/bin:/bin" : "")};
    options.timeout_seconds = timeout_seconds;
    return SlurmCommands(options);
  }

 private:
  std::filesystem::path dir_;
};

SlurmJobRequest Request() {
  SlurmJobRequest request;
  request.script = "/jobs/trial-1/slurm-job.sh";
  request.partition = "gpu";
  request.gpus = 1;
  return request;
}

}  // namespace

TEST_CASE("Submit runs sbatch with the request's arguments and returns the job id",
          "[slurm][commands]") {
  FakeSlurm slurm;
  slurm.Program("sbatch", "echo '4242;cluster-a'");
  SlurmCommands commands = slurm.Commands();
  CHECK(commands.Submit(Request()) == "4242");
  std::vector<std::string> expected = SbatchArguments(Request());
  CHECK(slurm.Args("sbatch") == expected);
  CHECK(commands.calls().sbatch == 1);
  CHECK(commands.calls().total() == 1);
}

TEST_CASE("Submit reads the job id from sbatch's last line, after notices a site's sbatch prints",
          "[slurm][commands]") {
  // A wrapper in PATH (a site's, or a user's) that says something on stdout before the id: until
  // this change the first line was taken for the id, and the job, made, was taken for a lost
  // answer (Unavailable: looked for by its name and followed after a wait).
  FakeSlurm slurm;
  slurm.Program("sbatch", "echo 'Note: jobs over 24h go to the long partition'\necho 4242\necho");
  SlurmCommands commands = slurm.Commands();
  CHECK(commands.Submit(Request()) == "4242");
}

TEST_CASE("what sbatch refuses is an error with its words and the command line",
          "[slurm][commands]") {
  FakeSlurm slurm;
  SECTION("a bad partition: InvalidArgument") {
    slurm.Program("sbatch",
                  "echo 'sbatch: error: invalid partition specified: nope' >&2\n"
                  "echo 'sbatch: error: Batch job submission failed: Invalid partition name "
                  "specified' >&2\nexit 1");
    SlurmCommands commands = slurm.Commands();
    CHECK_THROWS_MATCHES(
        commands.Submit(Request()), InvalidArgument,
        Catch::Matchers::Message(
            "Slurm refused the job: sbatch: error: invalid partition specified: nope; sbatch: "
            "error: Batch job submission failed: Invalid partition name specified (exited with "
            "status 1; command: sbatch --parsable --partition=gpu --gres=gpu:1 --no-requeue "
            "/jobs/trial-1/slurm-job.sh)"));
  }
  SECTION("an unreachable controller: Unavailable") {
    slurm.Program("sbatch",
                  "echo 'sbatch: error: Batch job submission failed: Unable to contact slurm "
                  "controller (connect failure)' >&2\nexit 1");
    SlurmCommands commands = slurm.Commands();
    // Not said as a refusal (until this change "Slurm refused the job": the run's last line
    // blamed the job for a controller that was down).
    CHECK_THROWS_AS_WITH(commands.Submit(Request()), Unavailable,
                         Catch::StartsWith("Slurm could not take the job now: sbatch: error: "
                                           "Batch job submission failed: Unable to contact") &&
                             !Catch::Contains("refused"));
  }
  SECTION("a submit limit: Unavailable") {
    slurm.Program("sbatch",
                  "echo 'sbatch: error: QOSMaxSubmitJobPerUserLimit' >&2\n"
                  "echo 'sbatch: error: Batch job submission failed: Job violates accounting/QOS "
                  "policy (job submit limit, user'\"'\"'s size and/or time limits)' >&2\nexit 1");
    SlurmCommands commands = slurm.Commands();
    CHECK_THROWS_WITH(commands.Submit(Request()), Catch::Contains("QOSMaxSubmitJobPerUserLimit"));
    CHECK_THROWS_AS(commands.Submit(Request()), Unavailable);
  }
  SECTION("a QOS limit on each job's size or time: InvalidArgument, naming the limit") {
    // Worded by Slurm as a submit limit, but Slurm names the limit on the line before: a job
    // over it can never start (until this change it was waited on for 10 minutes).
    for (const char* limit : {"QOSMaxWallDurationPerJobLimit", "QOSMaxCpuPerJobLimit",
                              "AssocMaxGRESPerJob", "QOSGrpMemLimit"}) {
      slurm.Program("sbatch",
                    std::string("echo 'sbatch: error: ") + limit +
                        "' >&2\n"
                        "echo 'sbatch: error: Batch job submission failed: Job violates "
                        "accounting/QOS policy (job submit limit, user'\"'\"'s size and/or time "
                        "limits)' >&2\nexit 1");
      SlurmCommands commands = slurm.Commands();
      INFO(limit);
      CHECK_THROWS_AS_WITH(
          commands.Submit(Request()), InvalidArgument,
          Catch::StartsWith("Slurm refused the job: sbatch: error: " + std::string(limit)));
    }
    CHECK(SlurmLimitOfRefusal("sbatch: error: QOSMaxSubmitJobPerUserLimit; sbatch: error: Batch "
                              "job submission failed: Job violates accounting/QOS policy") ==
          "QOSMaxSubmitJobPerUserLimit");
    // Slurm before 22.05 named no limit; the policy's own words name none either.
    CHECK(SlurmLimitOfRefusal("sbatch: error: Batch job submission failed: Job violates "
                              "accounting/QOS policy (job submit limit, user's size and/or time "
                              "limits)") == "");
    CHECK(SlurmLimitOfRefusal("sbatch: error: Invalid account or account/partition combination "
                              "specified; /home/QOSMaxCpuPerJobLimit/x") == "");
  }
  SECTION("no job id printed") {
    slurm.Program("sbatch", "echo 'Submitted batch job'");
    SlurmCommands commands = slurm.Commands();
    CHECK_THROWS_AS_WITH(commands.Submit(Request()), Unavailable,
                         Catch::Contains("sbatch printed no job id"));
  }
  SECTION("sbatch hanging past the timeout") {
    slurm.Program("sbatch", "exec sleep 30");
    SlurmCommands commands = slurm.Commands(0.3);
    CHECK_THROWS_AS_WITH(commands.Submit(Request()), Unavailable,
                         Catch::Contains("did not answer within 0.3 s"));
  }
}

TEST_CASE("a Slurm command missing from PATH is Unavailable, naming PATH and the package",
          "[slurm][commands]") {
  FakeSlurm slurm;
  SlurmCommands commands = slurm.Commands(30, false);
  CHECK_THROWS_AS_WITH(
      commands.Submit(Request()), Unavailable,
      Catch::Contains("'sbatch' was not found in PATH") && Catch::Contains("slurm-client"));
  CHECK_THROWS_AS(commands.Query({"1"}), Unavailable);
}

TEST_CASE("Query asks squeue once for every job, and scontrol for those it did not list",
          "[slurm][commands]") {
  FakeSlurm slurm;
  slurm.Program("squeue",
                "echo '11|RUNNING|0|2026-12-07T05:10:00|2026-12-07T06:10:00|node1|None|'\n"
                "echo '12|PENDING|0|2026-12-07T06:00:00|2026-12-07T07:00:00|n/a|Resources|'\n"
                "echo '13|COMPLETED|0|2026-12-07T05:00:00|2026-12-07T05:00:30|node1|None|'\n"
                "echo '99|RUNNING|0|N/A|N/A|node1|None|'");
  slurm.Program("scontrol",
                "case \"$4\" in 14) echo 'JobId=14 JobState=TIMEOUT Reason=TimeLimit "
                "ExitCode=0:15';; *) echo 'slurm_load_jobs error: Invalid job id specified' >&2; "
                "exit 1;; esac");
  SlurmCommands commands = slurm.Commands();
  const auto jobs = commands.Query({"11", "12", "13", "14", "15"});
  CHECK(slurm.Args("squeue") == std::vector<std::string>{"--noheader", "--all", "--states=all",
                                                         "--jobs=11,12,13,14,15", "-O",
                                                         kSqueueFormat});
  CHECK(commands.calls().squeue == 1);
  CHECK(commands.calls().scontrol == 2);
  REQUIRE(jobs.size() == 5);  // 99 was not asked about
  CHECK(jobs.at("11").phase == SlurmJobPhase::kRunning);
  CHECK(jobs.at("12").reason == "Resources");
  CHECK(jobs.at("13").exit->succeeded());
  REQUIRE(jobs.at("13").end_time);
  CHECK(*jobs.at("13").end_time - *jobs.at("13").start_time == Approx(30));
  CHECK_FALSE(jobs.at("11").end_time);  // runs: its EndTime is only its time limit's end
  CHECK(jobs.at("14").state == "TIMEOUT");
  CHECK(jobs.at("14").source == "scontrol");
  CHECK(jobs.at("14").exit->Describe() == "was killed by signal 15 (SIGTERM)");
  CHECK(jobs.at("15").phase == SlurmJobPhase::kUnknown);
  CHECK_THAT(jobs.at("15").reason, Catch::Contains("neither squeue nor scontrol knows job 15"));
}

TEST_CASE("Query of one job squeue does not know falls back to scontrol", "[slurm][commands]") {
  FakeSlurm slurm;
  slurm.Program("squeue", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1");
  slurm.Program("scontrol", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1");
  SlurmCommands commands = slurm.Commands();
  CHECK(commands.Query({"7"}).at("7").phase == SlurmJobPhase::kUnknown);
  CHECK(commands.Query({}).empty());
  CHECK(commands.calls().squeue == 1);  // none for no job
}

TEST_CASE("Query when squeue fails otherwise is Unavailable with its words", "[slurm][commands]") {
  FakeSlurm slurm;
  slurm.Program("squeue",
                "echo 'slurm_load_jobs error: Unable to contact slurm controller (connect "
                "failure)' >&2; exit 1");
  SlurmCommands commands = slurm.Commands();
  CHECK_THROWS_AS_WITH(commands.Query({"1", "2"}), Unavailable,
                       Catch::StartsWith("squeue failed: slurm_load_jobs "
                                         "error: Unable to contact"));
  CHECK_THROWS_WITH(commands.Query({"1,2"}), Catch::Contains("'1,2' is not a Slurm job id"));
}

TEST_CASE("Cancel and Signal run scancel, and a job already ended is no error",
          "[slurm][commands]") {
  FakeSlurm slurm;
  slurm.Program("scancel", "exit 0");
  SlurmCommands commands = slurm.Commands();
  CHECK(commands.Cancel("5"));
  CHECK(slurm.Args("scancel") == std::vector<std::string>{"5"});
  CHECK(commands.Signal("5", SIGTERM));
  CHECK(slurm.Args("scancel") ==
        std::vector<std::string>{"--verbose", "--state=RUNNING", "--signal=TERM", "--batch", "5"});
  CHECK(commands.Signal("5", SIGUSR1, SlurmSignalScope::kAllProcesses));
  CHECK(slurm.Args("scancel") ==
        std::vector<std::string>{"--verbose", "--state=RUNNING", "--signal=USR1", "--full", "5"});
  CHECK(commands.calls().scancel == 3);

  slurm.Program("scancel",
                "echo 'scancel: error: Kill job error on job id 5: Job/step already completing "
                "or completed' >&2; exit 0");
  CHECK_FALSE(commands.Cancel("5"));
  slurm.Program("scancel",
                "echo 'scancel: error: No active jobs match ALL job filters, including: "
                "state=RUNNING' >&2; exit 0");
  CHECK_FALSE(commands.Signal("5", SIGTERM));
  slurm.Program("scancel",
                "echo 'scancel: error: Kill job error on job id 5: Invalid job id specified' >&2; "
                "exit 1");
  CHECK_FALSE(commands.Signal("5", SIGTERM));
  slurm.Program("scancel", "echo 'scancel: error: Unable to contact slurm controller' >&2; exit 1");
  CHECK_THROWS_WITH(commands.Cancel("5"), Catch::StartsWith("scancel failed: scancel: error: "
                                                            "Unable to contact"));
}
