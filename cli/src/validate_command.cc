// `bayestune validate tuning.yaml [-- trainer args...]`: every error and warning of the file that
// `run` would meet, at once, each with its line and column.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "bayestune/spec_file/tuning_config_loader.h"
#include "bayestune/trial_runner/trial_command.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "run_plan.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

struct ValidateArguments {
  std::string config_path;
  std::vector<std::string> trainer;  // after `--`: replaces runner.command, as for run
};

// What `run` checks beyond the file's own rules: that there is a trainer and that it can be
// started (from the YAML file's folder, as run starts it).
void CheckRunner(TuningConfigLoadResult& result, const ValidateArguments& arguments) {
  using Severity = Diagnostic::Severity;
  RunnerSpec runner = result.config.runner;
  // As run warns at its start: variables that every trial gets from the runner itself.
  for (const char* name : kReservedTrialEnvironment) {
    if (runner.env.count(name) != 0) {
      result.Add(Severity::kWarning, std::string("runner.env.") + name,
                 "is ignored: the runner sets it for each trial (docs/runner.md, Environment); "
                 "remove it");
    }
  }
  const auto relative = ResolveRunnerPaths(
      runner, std::filesystem::absolute(arguments.config_path).lexically_normal().parent_path());
  if (!arguments.trainer.empty()) {
    runner.command = arguments.trainer;
    if (std::string problem = TrainerProblem(runner, /*after_dashes=*/true); !problem.empty()) {
      result.Add(Severity::kError, "the trainer command after --", problem);
    }
    return;
  }
  if (runner.command.empty()) {
    if (result.positions.count("runner.command") != 0) return;  // reported as empty already
    // trainingInput.pythonModule (AI Platform's way to name it): that module, as run says.
    const ExampleTrainer example = ExampleTrainerFor(result.python_module);
    result.Add(Severity::kError, "runner.command",
               "missing: run needs the trainer; add it to the runner block (runner: {command: " +
                   example.yaml_list + "}), or give it after -- (bayestune run " +
                   arguments.config_path + " -- " + example.command_line + ")");
    return;
  }
  if (std::string problem = TrainerProblem(runner, /*after_dashes=*/false, relative);
      !problem.empty()) {
    result.Add(
        Severity::kError,
        result.positions.count("runner.command[0]") != 0 ? "runner.command[0]" : "runner.command",
        problem);
  }
}

int Validate(const ValidateArguments& arguments) {
  auto result = LoadTuningConfigFile(arguments.config_path);
  // A file that cannot be read, is not YAML or not a mapping has only that error (no field).
  const bool whole_file_error =
      std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                  [](const Diagnostic& d) { return d.IsError() && d.field.empty(); });
  if (!whole_file_error) CheckRunner(result, arguments);
  std::cerr << FormatDiagnostics(result.diagnostics);
  if (!result.ok()) {
    int errors = 0;
    for (const auto& d : result.diagnostics)
      errors += d.IsError() ? 1 : 0;
    std::cerr << arguments.config_path << ": " << CountOf(errors, "error") << "\n";
    return kExitFailure;
  }
  const StudySpec& spec = result.config.study;
  std::string objectives;  // MAXIMIZE 'accuracy' (and MINIMIZE 'param_count' ...)
  for (const MetricSpec& m : Objectives(spec)) {
    objectives += (objectives.empty() ? "" : " and ") + std::string(GoalName(m.goal)) + " '" +
                  m.metric_id + "'";
  }
  std::cout << arguments.config_path
            << ": ok: " << CountOf(static_cast<long long>(spec.parameters.size()), "parameter")
            << ", " << objectives << ", " << CountOf(spec.max_trials, "trial") << ", "
            << spec.max_parallel_trials << " in parallel, " << DescribeAlgorithm(spec.algorithm)
            << "\n";
  return kExitOk;
}

}  // namespace

void AddValidateCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "validate", "Check a tuning.yaml",
      "Prints every error and warning at once, each with the file, line and column, the field, "
      "and what would be valid: the file's own rules, and what run needs besides (a trainer "
      "command that can be started).\n\nExamples:\n  bayestune validate "
      "examples/book/tuning.yaml\n  bayestune validate tuning.yaml -- python3 train.py",
      "0 valid (warnings allowed), 1 an error, or the file cannot be read, 2 bad usage");
  auto arguments = std::make_shared<ValidateArguments>();
  command->add_option("tuning.yaml", arguments->config_path, "the study file")
      ->check(NotEmpty())
      ->required();
  command->add_option("trainer", arguments->trainer,
                      "after --: the trainer run would be given, instead of runner.command");
  command->callback([arguments, &exit_code] {
    CheckTrainerAfterDoubleDash(arguments->trainer, "validate", "tuning.yaml");
    exit_code = Validate(*arguments);
  });
}

}  // namespace bayestune::cli
