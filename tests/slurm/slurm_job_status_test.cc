#include "bayestune/trial_runner/slurm_job_status.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <ctime>

using namespace bayestune;

TEST_CASE("squeue's lines: state, phase, reason and the wait status of finished jobs",
          "[slurm][status]") {
  const auto jobs = ParseSqueueOutput(
      "1|COMPLETED|0|2026-12-07T05:00:00|2026-12-07T05:30:00|node7|None|\n"
      "4|FAILED|768|2026-12-07T05:00:00|2026-12-07T05:00:07|node7|NonZeroExitCode|\n"
      "5|FAILED|9|2026-12-07T05:00:00|2026-12-07T05:00:00|node7|JobLaunchFailure|\n"
      "8|PENDING|0|N/A|N/A|n/a|Nodes required for job are DOWN, DRAINED or reserved|\n"
      "9|PENDING|0|2026-12-07T06:00:00|2026-12-07T07:00:00|n/a|ReqNodeNotAvail, "
      "UnavailableNodes:vm|\n"
      "10|RUNNING|0|2026-12-07T05:10:00|2026-12-07T06:10:00|node7|None|\n"
      "11|CANCELLED|15|None|2026-12-07T05:01:00|(null)|a reason | with a bar|\n"
      "12|NODE_FAIL|0|2026-12-07T05:00:00|Unknown|node7|NodeDown|   \n"
      "not a line\n"
      "\n");
  REQUIRE(jobs.size() == 8);
  CHECK(jobs.at("1").phase == SlurmJobPhase::kFinished);
  REQUIRE(jobs.at("1").exit);
  CHECK(jobs.at("1").exit->succeeded());
  CHECK(jobs.at("4").exit->code == 3);
  CHECK_FALSE(jobs.at("4").exit->signaled);
  CHECK(jobs.at("4").reason == "NonZeroExitCode");
  CHECK(jobs.at("5").exit->signaled);
  CHECK(jobs.at("5").exit->code == SIGKILL);
  CHECK(jobs.at("8").phase == SlurmJobPhase::kPending);
  CHECK(jobs.at("8").reason == "Nodes required for job are DOWN, DRAINED or reserved");
  CHECK_FALSE(jobs.at("8").exit);
  CHECK(jobs.at("9").reason == "ReqNodeNotAvail, UnavailableNodes:vm");
  CHECK(jobs.at("10").phase == SlurmJobPhase::kRunning);
  CHECK_FALSE(jobs.at("10").exit);
  CHECK(jobs.at("11").reason == "a reason | with a bar");
  CHECK(jobs.at("11").exit->code == SIGTERM);
  CHECK(jobs.at("12").state == "NODE_FAIL");
  CHECK(jobs.at("12").phase == SlurmJobPhase::kFinished);
  CHECK(jobs.at("12").source == "squeue");
  // The node it ran on (BatchHost), for messages; none before it runs.
  CHECK(jobs.at("10").node == "node7");
  CHECK(jobs.at("8").node.empty());
  CHECK(jobs.at("11").node.empty());
  // When a job began to run is Slurm's StartTime; a pending job's is only the scheduler's guess.
  CHECK(jobs.at("10").start_time == ParseSlurmTime("2026-12-07T05:10:00"));
  CHECK(*jobs.at("10").start_time - *jobs.at("1").start_time == Approx(600));
  CHECK_FALSE(jobs.at("9").start_time);
  CHECK_FALSE(jobs.at("8").start_time);
  CHECK_FALSE(jobs.at("11").start_time);  // cancelled before it ran
  // When it ended is Slurm's EndTime, for a job that ended: a pending or running job's is the
  // scheduler's guess from its time limit.
  REQUIRE(jobs.at("1").end_time);
  CHECK(*jobs.at("1").end_time - *jobs.at("1").start_time == Approx(1800));
  CHECK(*jobs.at("4").end_time - *jobs.at("4").start_time == Approx(7));
  CHECK(jobs.at("11").end_time == ParseSlurmTime("2026-12-07T05:01:00"));
  CHECK_FALSE(jobs.at("10").end_time);
  CHECK_FALSE(jobs.at("9").end_time);
  CHECK_FALSE(jobs.at("8").end_time);
  CHECK_FALSE(jobs.at("12").end_time);  // "Unknown"
}

TEST_CASE("Slurm's times: local YYYY-MM-DDTHH:MM:SS, nothing else", "[slurm][status]") {
  const auto time = ParseSlurmTime("2026-12-07T05:10:00");
  REQUIRE(time);
  std::tm tm{};
  tm.tm_year = 126;
  tm.tm_mon = 11;
  tm.tm_mday = 7;
  tm.tm_hour = 5;
  tm.tm_min = 10;
  tm.tm_isdst = -1;
  CHECK(*time == static_cast<double>(std::mktime(&tm)));
  for (const char* bad :
       {"N/A", "Unknown", "None", "", "2026-12-07 05:10:00", "2026-13-07T05:10:00",
        "2026-12-07T05:10", "12/07-05:10:00", "2026-12-07T05:1x:00"}) {
    CHECK_FALSE(ParseSlurmTime(bad));
  }
}

TEST_CASE("every Slurm job state has its phase", "[slurm][status]") {
  for (const char* s : {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "SPECIAL_EXIT"})
    CHECK(SlurmJobPhaseOf(s) == SlurmJobPhase::kPending);
  for (const char* s : {"RUNNING", "CONFIGURING", "COMPLETING", "SIGNALING", "SUSPENDED", "STOPPED",
                        "RESIZING", "STAGE_OUT"})
    CHECK(SlurmJobPhaseOf(s) == SlurmJobPhase::kRunning);
  for (const char* s :
       {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY",
        "BOOT_FAIL", "DEADLINE", "REVOKED", "CANCELLED+", "CANCELLED by 0"})
    CHECK(SlurmJobPhaseOf(s) == SlurmJobPhase::kFinished);
  CHECK(SlurmJobPhaseOf("") == SlurmJobPhase::kUnknown);
  CHECK(SlurmJobPhaseOf("SOMETHING_NEW") == SlurmJobPhase::kUnknown);
  CHECK(std::string(SlurmJobPhaseName(SlurmJobPhase::kPending)) == "pending");
}

TEST_CASE("scontrol show job --oneliner: state, a reason with a space, ExitCode code:signal",
          "[slurm][status]") {
  const auto killed = ParseScontrolJob(
      "JobId=5 JobName=wrap UserId=root(0) JobState=FAILED Reason=JobLaunchFailure "
      "Dependency=(null) Requeue=1 ExitCode=0:9 RunTime=00:00:00 StartTime=2026-12-07T05:00:00 "
      "EndTime=2026-12-07T05:00:02 BatchHost=node7 Command=(null)\n");
  REQUIRE(killed);
  CHECK(killed->first == "5");
  CHECK(killed->second.state == "FAILED");
  CHECK(killed->second.phase == SlurmJobPhase::kFinished);
  REQUIRE(killed->second.exit);
  CHECK(killed->second.exit->signaled);
  CHECK(killed->second.exit->code == 9);
  CHECK(killed->second.source == "scontrol");
  CHECK(killed->second.start_time == ParseSlurmTime("2026-12-07T05:00:00"));
  CHECK(killed->second.end_time == ParseSlurmTime("2026-12-07T05:00:02"));
  CHECK(killed->second.node == "node7");

  const auto failed =
      ParseScontrolJob("JobId=4 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0");
  CHECK(failed->second.exit->code == 3);
  CHECK_FALSE(failed->second.exit->signaled);

  const auto pending = ParseScontrolJob(
      "JobId=9 JobState=PENDING Reason=ReqNodeNotAvail, UnavailableNodes:vm Dependency=(null) "
      "ExitCode=0:0");
  CHECK(pending->second.phase == SlurmJobPhase::kPending);
  CHECK(pending->second.reason == "ReqNodeNotAvail, UnavailableNodes:vm");
  CHECK_FALSE(pending->second.exit);

  CHECK_FALSE(ParseScontrolJob("slurm_load_jobs error: Invalid job id specified"));
  CHECK_FALSE(ParseScontrolJob(""));
}
