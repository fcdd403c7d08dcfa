#pragma once

#include <CLI/CLI.hpp>

namespace bayestune::cli {

// Each command adds its subcommand, flags and callback to the app. The callback sets the exit code
// through `exit_code`.
void AddValidateCommand(CLI::App& app, int& exit_code);
void AddMetricsCommand(CLI::App& app, int& exit_code);
void AddReportCommand(CLI::App& app, int& exit_code);

}  // namespace bayestune::cli
