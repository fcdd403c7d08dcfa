#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_paths.h"

namespace bayestune {

// What bayestune's job program (bayestune-job) runs on the node: written as JSON by the
// controller next to the trial, read by the job. No shell is involved: argv reaches the trainer
// byte for byte.
struct SlurmJobLaunch {
  // The trainer's path; empty: argv[0], looked up on the node in the PATH of the trainer's
  // environment.
  std::string executable;
  std::vector<std::string> argv;
  // NAME=VALUE entries set on top of the job's environment (which is sbatch's, plus Slurm's
  // SLURM_* and, for a job with GPUs, CUDA_VISIBLE_DEVICES); a later entry of a name wins.
  std::vector<std::string> environment;
  std::filesystem::path working_dir;  // where the trainer runs; empty: the job's folder
  std::filesystem::path stdout_path;  // the trainer's output, appended to
  std::filesystem::path stderr_path;
  std::filesystem::path status_path;  // where the job program writes exit_status.json

  bool operator==(const SlurmJobLaunch&) const = default;
};

// The launch file's "version"; a job program refuses other versions.
inline constexpr int kSlurmJobLaunchVersion = 1;

// As JSON. Throws InvalidArgument naming the argument or variable when one is not valid UTF-8
// (JSON cannot carry it).
std::string SlurmJobLaunchJson(const SlurmJobLaunch& launch);
// Throws InvalidArgument naming `where` and the field that is missing or wrong.
SlurmJobLaunch ParseSlurmJobLaunch(const std::string& json, const std::string& where);

void WriteSlurmJobLaunch(const std::filesystem::path& path, const SlurmJobLaunch& launch);
SlurmJobLaunch ReadSlurmJobLaunch(const std::filesystem::path& path);

// A trial's launch under Slurm, from its local command (BuildTrialCommand with an empty base
// environment, so that `command.environment` holds only runner.env and the variables bayestune
// sets): the same argv and variables, except CUDA_VISIBLE_DEVICES, which Slurm sets for a job
// with GPUs (for a CPU trial, gpus == 0, it stays empty as with the local launcher, so that a
// value inherited from sbatch's environment does not leak in). The trainer runs in
// `working_dir` (the controller's, as local trainers do), its output goes to the trial's logs.
SlurmJobLaunch SlurmJobLaunchFor(const TrialCommand& command, const TrialPaths& paths,
                                 const std::filesystem::path& status_path, int gpus,
                                 const std::filesystem::path& working_dir);

}  // namespace bayestune
