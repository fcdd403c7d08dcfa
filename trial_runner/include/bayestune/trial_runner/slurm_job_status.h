#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/trial_runner/trial_process.h"

namespace bayestune {

// A Slurm job id as sbatch --parsable prints it: "4242" (a cluster name after ';' is dropped).
using SlurmJobId = std::string;

// Where a job is, as a launcher needs to know it.
enum class SlurmJobPhase {
  kPending,   // waiting for resources, a start time, a hold, or requeued: PENDING, REQUEUED,
              // REQUEUE_HOLD, REQUEUE_FED, SPECIAL_EXIT (held after a requeue)
  kRunning,   // has its resources: RUNNING, CONFIGURING, COMPLETING, SIGNALING, SUSPENDED,
              // STOPPED, RESIZING, STAGE_OUT
  kFinished,  // ended: COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, PREEMPTED,
              // OUT_OF_MEMORY, BOOT_FAIL, DEADLINE, REVOKED
  kUnknown,   // Slurm no longer knows it (it ended more than MinJobAge ago, 300 s by default,
              // or never existed), or said a state this code does not know
};

const char* SlurmJobPhaseName(SlurmJobPhase phase);

// One job as squeue or scontrol reported it.
struct SlurmJobStatus {
  SlurmJobPhase phase = SlurmJobPhase::kUnknown;
  std::string state;   // Slurm's word: PENDING, RUNNING, COMPLETED, CANCELLED, NODE_FAIL, ...;
                       // "" when unknown
  std::string reason;  // Slurm's reason: why it pends (Resources, Priority, BeginTime,
                       // JobHeldUser, ...) or how it ended (NonZeroExitCode, ...); "None" when
                       // there is none; for kUnknown, what bayestune tried
  // How the job's batch script ended (for a finished job; nullopt before). A job that bayestune's
  // job program ran ends as its trainer did; but a job cancelled, timed out or preempted is
  // reported as Slurm killed it.
  std::optional<ProcessExit> exit;
  // When the job began to run (seconds since the Unix epoch), as Slurm says it (squeue's and
  // scontrol's StartTime), for a job that runs or ended; nullopt for a pending job (its StartTime
  // is only the scheduler's guess), one that never ran, or a time not in Slurm's standard
  // YYYY-MM-DDTHH:MM:SS (SLURM_TIME_FORMAT set to another format): no figure is claimed then.
  std::optional<double> start_time;
  // When the job ended (seconds since the Unix epoch), as Slurm says it (squeue's and scontrol's
  // EndTime), for a finished job only (a pending or running job's EndTime is the scheduler's
  // guess, from its time limit); nullopt otherwise, or for a time not in Slurm's standard format.
  std::optional<double> end_time;
  // The node its batch script runs or ran on (squeue's and scontrol's BatchHost), for messages;
  // "" before it runs, or when Slurm does not say.
  std::string node;
  std::string source;  // "squeue" or "scontrol"; "" when unknown
};

SlurmJobPhase SlurmJobPhaseOf(std::string_view state);

// squeue's format for ParseSqueueOutput:
// -O JobID:|,State:|,exit_code:|,StartTime:|,EndTime:|,BatchHost:|,Reason:| (no padding, '|'
// after each field; the reason last, so that a '|' in it is harmless).
inline constexpr const char* kSqueueFormat =
    "JobID:|,State:|,exit_code:|,StartTime:|,EndTime:|,BatchHost:|,Reason:|";

// Slurm's standard time ("2026-12-07T05:10:00", local time, as squeue and scontrol print it) as
// seconds since the Unix epoch; nullopt for anything else ("N/A", "Unknown", "None", another
// SLURM_TIME_FORMAT).
std::optional<double> ParseSlurmTime(std::string_view text);

// The lines of `squeue --noheader -O <kSqueueFormat>`, by job id. squeue's exit_code is the wait
// status (768 is exit 3, 9 is SIGKILL). Lines that do not parse are skipped.
std::map<SlurmJobId, SlurmJobStatus> ParseSqueueOutput(std::string_view output);

// `scontrol show job -o <id>`'s output (Key=Value words: JobId, JobState, Reason, ExitCode=3:0),
// or nullopt when it names no job.
std::optional<std::pair<SlurmJobId, SlurmJobStatus>> ParseScontrolJob(std::string_view output);

}  // namespace bayestune
