#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bayestune {

// One job for sbatch. Empty fields are left to Slurm (its defaults, and SBATCH_* variables of the
// environment sbatch runs in).
struct SlurmJobRequest {
  std::filesystem::path script;       // the job script: a file starting with #!
  std::string job_name;               // --job-name
  std::string partition;              // --partition
  std::string account;                // --account
  std::string qos;                    // --qos
  std::string time;                   // --time, in Slurm's form: "30", "2:00:00", "1-12"
  int cpus_per_task = 0;              // --cpus-per-task; 0: Slurm's default
  std::string memory;                 // --mem, such as "16G"
  std::string constraint;             // --constraint, such as "a100|h100"
  int gpus = 0;                       // --gres=gpu:N; 0: asks for no GPU
  std::filesystem::path output_file;  // --output, a literal path ('%' is escaped); empty: Slurm's
                                      // slurm-<id>.out in the working folder
  std::filesystem::path error_file;   // --error, a literal path; empty: with the output
  std::filesystem::path working_dir;  // --chdir; empty: the folder sbatch runs in
  // false: --no-requeue. Slurm would otherwise rerun a job that a node failure or a preemption
  // ended under the same job id and in the same trial folder; bayestune reruns such a trial
  // itself, as a new attempt.
  bool requeue = false;
  std::vector<std::string> extra_args;  // passed verbatim before the script ("--exclusive")
};

// sbatch's arguments for `request`, after "sbatch": --parsable, the options set, extra_args, then
// the script. Throws InvalidArgument for a negative count or an empty script.
std::vector<std::string> SbatchArguments(const SlurmJobRequest& request);

// A path as sbatch's --output/--error take it: sbatch replaces %j, %x... in these, so each '%'
// is doubled; a path with a backslash is given as is (sbatch then replaces nothing).
std::string SbatchLiteralFilename(const std::filesystem::path& path);

}  // namespace bayestune
