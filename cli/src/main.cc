// bayestune: Bayesian hyperparameter tuning from a tuning.yaml.
#include <CLI/CLI.hpp>
#include <csignal>
#include <exception>
#include <iostream>

#include "commands.h"
#include "exit_codes.h"

int main(int argc, char** argv) {
  using namespace bayestune::cli;
  // Output to a pipe whose reader is gone (`| tee` or `| head` after Ctrl-C) fails quietly
  // instead of killing bayestune with SIGPIPE while its trials run; the trainers get the default.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "bayestune: Bayesian hyperparameter tuning. Runs the trials of a tuning.yaml study in "
      "parallel, one per GPU, reads their metric from TensorBoard event files, keeps every trial "
      "in SQLite.",
      "bayestune"};
  app.require_subcommand(1);
  app.footer(
      "Run 'bayestune COMMAND --help' for a command's arguments. To start:\n"
      "  bayestune run examples/book/tuning.yaml\n"
      "  bayestune status\n\n"
      "Exit codes: 0 ok, 1 failed, 2 bad usage, 3 no such database, study or trial, "
      "130 interrupted by Ctrl-C.");
  app.set_version_flag("--version", std::string("bayestune ") + BAYESTUNE_VERSION);
  int exit_code = kExitOk;
  AddRunCommand(app, exit_code);
  AddValidateCommand(app, exit_code);
  AddStatusCommand(app, exit_code);
  AddTrialsCommand(app, exit_code);
  AddBestCommand(app, exit_code);
  AddExportCommand(app, exit_code);
  AddMetricsCommand(app, exit_code);
  AddReportCommand(app, exit_code);
  AddServeCommand(app, exit_code);
  AddWorkerCommand(app, exit_code);
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
