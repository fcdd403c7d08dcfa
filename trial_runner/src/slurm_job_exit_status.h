#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/trial_runner/trial_process.h"

namespace bayestune {

// How a trial's trainer ended in a Slurm job, as bayestune's job program wrote it to
// exit_status.json when the trainer ended: the controller knows it without accounting (sacct),
// and after a restart.
struct SlurmJobExitStatus {
  std::string job_id;  // SLURM_JOB_ID ("" when not run by Slurm)
  std::string host;    // the node
  long trainer_pid = 0;
  std::optional<ProcessExit> exit;  // how the trainer ended; nullopt when it never started
  std::string launch_error;         // why the trainer could not start ("" when it did)
  // The signals the job program received and passed on to the trainer's process group, in order:
  // SIGTERM from a cancel, a time limit or a preemption; what `scancel --signal` sent.
  std::vector<int> signals_received;
  double started_at = 0;  // seconds since the epoch
  double ended_at = 0;
};

std::string SlurmJobExitStatusJson(const SlurmJobExitStatus& status);
// Throws InvalidArgument naming `where` and the field.
SlurmJobExitStatus ParseSlurmJobExitStatus(const std::string& json, const std::string& where);

// Written atomically (temporary file, fsync, rename): a reader sees all of it or nothing.
void WriteSlurmJobExitStatus(const std::filesystem::path& path, const SlurmJobExitStatus& status);
// The most an exit status file may hold (bayestune-job writes well under 1 KiB plus the trainer's
// launch error).
inline constexpr std::size_t kMaxSlurmJobExitStatusBytes = 64 * 1024;
// nullopt when the file does not exist (the job has not ended, or ended without the job program
// getting to write it: killed with SIGKILL, a node failure). Throws InvalidArgument when it is
// not a status file: not JSON of bayestune-job, or not a regular file (a FIFO, a device, a link to
// one: opened without blocking, never read), or larger than kMaxSlurmJobExitStatusBytes (not
// read).
std::optional<SlurmJobExitStatus> ReadSlurmJobExitStatus(const std::filesystem::path& path);

}  // namespace bayestune
