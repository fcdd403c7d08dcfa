#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/study_spec.h"

namespace bayestune::cli {

// What `bayestune run` was given on its command line.
struct RunArguments {
  std::string config_path;  // the tuning.yaml
  std::string database = "bayestune.db";
  std::string study;                 // empty: DefaultStudyName(config_path)
  std::string gpus;                  // empty: runner.gpus; else "auto", "none" or "0,1,3"
  std::string job_dir;               // empty: runner.jobDir, else DefaultJobDir
  std::string progress = "auto";     // auto, live or plain
  bool retry_failed = false;         // --retry-failed: FAILED trials run again
  std::string launcher;              // --launcher: empty: runner.launcher; else local or slurm
  double lock_notice_seconds = 60;   // --lock-notice: between warnings while the db is locked
  std::vector<std::string> trainer;  // after `--`: replaces runner.command
};

// A relative runner.command[0] as the YAML file wrote it, before ResolveRunnerPaths made it
// absolute from the file's folder: for the error when it is not there, which says where it was
// looked for and, when the path is there from the current folder, how to write it.
struct RelativeTrainer {
  std::string written;                  // trainers/train.sh; empty: runner.command[0] as it is
  std::filesystem::path config_folder;  // absolute
};

// A run with every default decided and every path resolved.
struct RunPlan {
  TuningConfig config;  // runner.command, job_dir and gpus final
  std::string study;
  std::filesystem::path database;  // absolute
  std::filesystem::path job_dir;   // absolute
  // What chose job_dir, for errors: "--job-dir", "runner.jobDir" (or trainingInput.jobDir), or
  // "the default trial folder" (bayestune-jobs/<study> beside the database).
  std::string job_dir_source;
  bool trainer_from_command_line = false;
  std::optional<RelativeTrainer> relative_trainer;  // runner.command[0] as the YAML wrote it
};

// The study name `run` uses when --study is not given: the YAML file's name without its extension
// (mnist.yaml -> mnist), or, for the generic names tuning, hptuning_config and config, the name of
// the folder the file is in (examples/book/tuning.yaml -> book). Characters other than letters,
// digits, '.', '_' and '-' become '-', and leading '.' and '-' are dropped, so that the name is
// always a valid study name (bayestune/optimizer/study_name.h): ".hidden.yaml" gives "hidden".
std::string DefaultStudyName(const std::filesystem::path& config_path);

// --study NAME of run and worker: throws UsageError naming --study unless NAME is a valid study
// name (a name, not a path: ValidateStudyName).
void CheckStudyFlag(const std::string& name);

// Where trial folders go when neither --job-dir nor runner.jobDir says: bayestune-jobs/<study>
// in the database's folder, so that a study's database and logs stay together.
std::filesystem::path DefaultJobDir(const std::filesystem::path& database,
                                    const std::string& study);

// --gpus: "auto" (detect; nullopt), "none" or "cpu" (no GPU: an empty list), or GPU ids "0,1,3".
// Throws UsageError naming --gpus for anything else or an id listed twice.
std::optional<std::vector<int>> ParseGpuList(const std::string& text);

// A trainer command for advice on a file that gives none: `python3 -m MODULE` for the file's
// trainingInput.pythonModule (AI Platform's way to name the trainer, which bayestune ignores),
// else `python3 train.py`; as a YAML list ([python3, -m, MODULE]) and as a command line.
struct ExampleTrainer {
  std::string yaml_list;
  std::string command_line;
};
ExampleTrainer ExampleTrainerFor(const std::string& python_module);

// The tuning.yaml at `path`, its warnings and errors printed on stderr (one a line, with its line
// and column). Throws InvalidArgument when it has errors. `python_module`, when given, gets the
// file's trainingInput.pythonModule (TuningConfigLoadResult::python_module).
TuningConfig LoadConfig(const std::string& path, std::string* python_module = nullptr);

// Makes the runner block's paths absolute as the YAML file means them: runner.command[0], when it
// holds a '/' and is relative, and a relative runner.jobDir are relative to `config_folder`, the
// YAML file's folder (so that the file works from any current folder). Returns, for a
// runner.command, the folder and runner.command[0] as written when it made it absolute.
std::optional<RelativeTrainer> ResolveRunnerPaths(RunnerSpec& runner,
                                                  const std::filesystem::path& config_folder);

// Why the trainer, runner.command[0], cannot be started (it does not exist, is not an executable
// file, or is not in PATH: runner.env's PATH when it sets one, else bayestune's), in
// ResolveExecutable's words without its field name), or why the script an interpreter would run
// is missing (python3 train.py with no train.py in the working folder, nor, for bash, which
// looks there too, in PATH); empty when it can.
// runner.command must not be empty. With `after_dashes` (the trainer was given after --), the
// advice is written as a command line (such as -- python3 train.py), not as a YAML list.
// `relative`: what ResolveRunnerPaths made of a relative runner.command[0], so that a trainer not
// found there is said to have been looked for beside the YAML file, not in the current folder.
std::string TrainerProblem(const RunnerSpec& runner, bool after_dashes = false,
                           const std::optional<RelativeTrainer>& relative = std::nullopt);

// Applies the command line to a loaded tuning.yaml:
// - the trainer after `--` replaces runner.command (a relative path stays relative to the current
//   folder, as a shell would run it); runner.command[0] from the YAML, when it holds a '/' and is
//   relative, is relative to the YAML file's folder;
// - a relative runner.jobDir (or trainingInput.jobDir) is relative to the YAML file's folder,
//   --job-dir to the current folder;
// - --gpus replaces runner.gpus.
// Throws UsageError when there is no trainer command at all, its example `python3 -m MODULE` for
// a file that names its trainingInput.pythonModule (`python_module`).
RunPlan PlanRun(const RunArguments& arguments, TuningConfig config,
                const std::string& python_module = "");

}  // namespace bayestune::cli
