#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/trial_runner/trial_paths.h"

namespace bayestune {

// What one trial runs: a program, its arguments and its whole environment, for execve (no shell
// ever sees them, so values with spaces, quotes or shell characters arrive unchanged).
struct TrialCommand {
  std::string executable;                // the resolved program (a path)
  std::vector<std::string> argv;         // argv[0] as the user wrote it
  std::vector<std::string> environment;  // NAME=VALUE
};

// The variables the runner sets for every trial; runner.env cannot override them. The last two
// (the study's name and the runner's client id prefix, set by the runner itself) let a later run
// or `bayestune status` find what a trial left running after its runner died.
inline constexpr const char* kReservedTrialEnvironment[] = {
    "CUDA_DEVICE_ORDER", "CUDA_VISIBLE_DEVICES", "TF_CONFIG",       "CLOUD_ML_HP_METRIC_FILE",
    "CLOUD_ML_TRIAL_ID", "BAYESTUNE_STUDY",      "BAYESTUNE_RUNNER"};

// The trainer's flags for a trial's hyperparameters: `--<name>=<value>` each, in name order, the
// value exact (ParameterValue::ToString). The one place that says what a trainer gets; `best`
// shows these same words.
std::vector<std::string> TrialParameterFlags(const Trial& trial);

// argv: runner.command, runner.args, TrialParameterFlags(trial), then
// `--job-dir=<paths.dir>`. Environment: `base_environment` (NAME=VALUE entries, normally the
// runner's own), then runner.env, then CUDA_DEVICE_ORDER=PCI_BUS_ID, CUDA_VISIBLE_DEVICES (the
// trial's GPUs, comma separated; empty for a CPU trial), TF_CONFIG, CLOUD_ML_HP_METRIC_FILE and
// CLOUD_ML_TRIAL_ID. A later entry replaces an earlier one of the same name.
TrialCommand BuildTrialCommand(const RunnerSpec& runner, const std::string& executable,
                               const Trial& trial, const std::vector<int>& gpus,
                               const TrialPaths& paths,
                               const std::vector<std::string>& base_environment);

// TF_CONFIG for a local single-worker trial, as TensorFlow accepts it without a cluster:
// {"cluster":{},"task":{"index":0,"trial":"<id>","type":"worker"}}.
std::string TfConfigJson(std::int64_t trial_id);

// This process's environment as NAME=VALUE entries.
std::vector<std::string> CurrentEnvironment();

// Sets NAME=VALUE in NAME=VALUE entries: replaces every entry of NAME by one, or appends it.
void SetEnvironmentValue(std::vector<std::string>& environment, std::string_view name,
                         const std::string& value);

// The value of NAME in NAME=VALUE entries (the last one wins), or nullopt.
std::optional<std::string> EnvironmentValue(const std::vector<std::string>& environment,
                                            std::string_view name);

// The PATH that a program's lookup in `environment` searches, as execvp takes it: its PATH entry,
// or, with none (a trainer started by `env -i`, a cron job), the system's default search path
// (confstr's _CS_PATH: /bin:/usr/bin), not nothing.
std::string SearchPath(const std::vector<std::string>& environment);

// The program that runs `command` (runner.command[0]) as execvp would find it: a path containing
// '/' as is, else the first executable file of that name in `path_variable`. Throws
// InvalidArgument naming runner.command when there is none, it is not an executable file, or it
// is a script whose #! interpreter is missing (ScriptInterpreterProblem).
std::string ResolveExecutable(const std::string& command, const std::string& path_variable);

}  // namespace bayestune
