#pragma once

#include <CLI/CLI.hpp>

namespace bayestune::cli {

// Each command adds its subcommand, flags and callback to the app. The callback sets the exit code
// through `exit_code` (exit_codes.h), or throws an error of errors.h that main reports as one line.
void AddRunCommand(CLI::App& app, int& exit_code);
void AddValidateCommand(CLI::App& app, int& exit_code);
void AddStatusCommand(CLI::App& app, int& exit_code);
void AddTrialsCommand(CLI::App& app, int& exit_code);
void AddBestCommand(CLI::App& app, int& exit_code);
void AddExportCommand(CLI::App& app, int& exit_code);
void AddMetricsCommand(CLI::App& app, int& exit_code);
void AddReportCommand(CLI::App& app, int& exit_code);
void AddServeCommand(CLI::App& app, int& exit_code);
void AddWorkerCommand(CLI::App& app, int& exit_code);

}  // namespace bayestune::cli
