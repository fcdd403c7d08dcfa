#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bayestune/trial_runner/trial_process.h"

namespace bayestune {

// What one Slurm command printed, and how it ended.
struct SlurmCommandOutput {
  ProcessExit exit;
  std::string out;           // its standard output
  std::string err;           // its standard error
  std::string command_line;  // "sbatch --parsable --partition=gpu /jobs/trial-3/slurm-job.sh", for
                             // messages (arguments with spaces or quotes are quoted)
};

// Runs Slurm's command-line programs (sbatch, squeue, scancel, scontrol, sinfo) without a shell:
// each is a TrialProcess (fork + execve with an argv, its own process group, stdin from
// /dev/null, no descriptor of this process), its output captured in files of a private scratch
// folder and read back when it exits. A command that does not end within the timeout is killed
// (SIGKILL to its group).
class SlurmCommandRunner {
 public:
  // `environment`: the whole environment of the commands (NAME=VALUE), which is also what sbatch
  // passes on to the jobs; its PATH finds the programs. `scratch_parent`: where the scratch
  // folder goes; empty: $TMPDIR, else /tmp.
  SlurmCommandRunner(std::vector<std::string> environment, double timeout_seconds,
                     const std::filesystem::path& scratch_parent = {});
  ~SlurmCommandRunner();
  SlurmCommandRunner(const SlurmCommandRunner&) = delete;
  SlurmCommandRunner& operator=(const SlurmCommandRunner&) = delete;

  // Runs `program` (looked up in the environment's PATH) with `args`. Throws Unavailable when the
  // program is not in PATH (naming PATH and the package that has it), cannot be started, or runs
  // past the timeout. A non-zero exit is not an error here: the caller reads `err`.
  SlurmCommandOutput Run(const std::string& program, const std::vector<std::string>& args);

  const std::vector<std::string>& environment() const { return environment_; }

 private:
  std::vector<std::string> environment_;
  double timeout_seconds_;
  std::filesystem::path scratch_;
  unsigned long calls_ = 0;
};

// `args` as one line a person can paste into a shell: arguments with spaces, quotes or other
// shell characters in single quotes.
std::string QuoteCommandLine(const std::vector<std::string>& args);

}  // namespace bayestune
