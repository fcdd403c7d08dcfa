// bayestune: Bayesian hyperparameter tuning from a tuning.yaml.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "commands.h"
#include "exit_codes.h"

int main(int argc, char** argv) {
  using namespace bayestune::cli;
  CLI::App app{
      "bayestune: Bayesian hyperparameter tuning. Runs the trials of a tuning.yaml study in "
      "parallel, one per GPU, reads their metric from TensorBoard event files, keeps every trial "
      "in SQLite.",
      "bayestune"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("bayestune ") + BAYESTUNE_VERSION);
  int exit_code = kExitOk;
  AddValidateCommand(app, exit_code);
  AddMetricsCommand(app, exit_code);
  AddReportCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    return ReportError(e);
  }
  return exit_code;
}
