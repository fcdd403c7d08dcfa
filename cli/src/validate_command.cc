#include <iostream>

#include "bayestune/optimizer/tuning_config_loader.h"
#include "commands.h"
#include "exit_codes.h"

namespace bayestune::cli {

void AddValidateCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "validate",
      "Check a tuning.yaml: prints every error and warning with its line, exits 1 if "
      "there is any error.");
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
    std::cout << *path << ": ok: " << spec.parameters.size() << " parameters, "
              << GoalName(spec.goal) << " '" << spec.metric_tag << "', " << spec.max_trials
              << " trials, " << spec.max_parallel_trials << " in parallel, "
              << AlgorithmName(spec.algorithm) << "\n";
    exit_code = kExitOk;
  });
}

}  // namespace bayestune::cli
