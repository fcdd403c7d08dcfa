#include <iostream>

#include "bayestune/optimizer/tuning_config_loader.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "trial_formatting.h"

namespace bayestune::cli {

void AddValidateCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "validate", "Check a tuning.yaml",
      "Prints every error and warning at once, each with the file, line and column, the field, "
      "and what would be valid.\n\nExample:\n  bayestune validate examples/book/tuning.yaml",
      "0 valid (warnings allowed), 1 an error, or the file cannot be read, 2 bad usage");
  auto path = std::make_shared<std::string>();
  command->add_option("tuning.yaml", *path, "the study file")->required();
  command->callback([path, &exit_code] {
    const auto result = LoadTuningConfigFile(*path);
    std::cerr << FormatDiagnostics(result.diagnostics);
    if (!result.ok()) {
      int errors = 0;
      for (const auto& d : result.diagnostics)
        errors += d.IsError() ? 1 : 0;
      std::cerr << *path << ": " << errors << (errors == 1 ? " error" : " errors") << "\n";
      exit_code = kExitFailure;
      return;
    }
    const StudySpec& spec = result.config.study;
    std::cout << *path
              << ": ok: " << CountOf(static_cast<long long>(spec.parameters.size()), "parameter")
              << ", " << GoalName(spec.goal) << " '" << spec.metric_tag << "', "
              << CountOf(spec.max_trials, "trial") << ", " << spec.max_parallel_trials
              << " in parallel, " << AlgorithmName(spec.algorithm) << "\n";
    exit_code = kExitOk;
  });
}

}  // namespace bayestune::cli
