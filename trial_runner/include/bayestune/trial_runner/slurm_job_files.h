#pragma once

#include <filesystem>
#include <string>

namespace bayestune {

// The files of one Slurm job, in the folder of the trial attempt it runs (the trainer's
// --job-dir, on a filesystem that the nodes and bayestune share).
struct SlurmJobFiles {
  std::filesystem::path launch;  // slurm-launch.json: what the job program runs (SlurmJobLaunch)
  std::filesystem::path script;  // slurm-job.sh: the script sbatch gets; it execs the job program
  std::filesystem::path status;  // exit_status.json: how the trainer ended (SlurmJobExitStatus)
  std::filesystem::path log;     // slurm-job.log: the job's own output (sbatch --output)
};

SlurmJobFiles SlurmJobFilesFor(const std::filesystem::path& attempt_dir);

// The job script: "#!/bin/sh" and one line that execs `job_program` with `launch_file`, both
// quoted for the shell (the only thing a shell ever sees; the trainer's arguments are in the
// launch file).
std::string SlurmJobScript(const std::filesystem::path& job_program,
                           const std::filesystem::path& launch_file);

// Writes `text` to `path` through a temporary file beside it that is flushed to disk and then
// renamed into place, so that a reader (on another node, over NFS) sees the whole file or none.
// `mode` is the new file's permission bits. Throws Unavailable naming the path.
void WriteFileAtomically(const std::filesystem::path& path, const std::string& text,
                         unsigned mode = 0644);

}  // namespace bayestune
