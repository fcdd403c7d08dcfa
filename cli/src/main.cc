// bayestune: Bayesian hyperparameter tuning from a tuning.yaml.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>

#include "bayestune/trial_runner/trial_process.h"
#include "closest_match.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"

namespace {

// One line for a command-line mistake: what is wrong and where to look. An unknown command gets
// the closest one and the list.
std::string UsageErrorText(CLI::App& app, int argc, char** argv, const CLI::ParseError& error) {
  std::vector<std::string> commands;
  for (const CLI::App* command : app.get_subcommands([](CLI::App*) { return true; }))
    commands.push_back(command->get_name());
  if (argc < 2) return "give a command; run 'bayestune --help' for the list";
  const std::string first = argv[1];
  if (!first.starts_with("-") &&
      std::find(commands.begin(), commands.end(), first) == commands.end()) {
    std::string list;
    for (const auto& command : commands)
      list += (list.empty() ? "" : ", ") + command;
    if (auto guess = bayestune::ClosestMatch(first, commands)) {
      return "unknown command '" + first + "'; did you mean '" + *guess +
             "'? The commands: " + list;
    }
    return "unknown command '" + first + "'; the commands: " + list;
  }
  // A trainer given on both sides of `--`: CLI11 refused the words after it, not those before.
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    if (auto text = bayestune::cli::TrainerAroundDoubleDashText(app, first)) return *text;
    if (auto text = bayestune::cli::UnknownOptionText(app, first)) {
      return *text + "; run 'bayestune " + first + " --help' for what they do";
    }
  }
  for (const auto& command : commands) {
    if (command == first) {
      return std::string(error.what()) + "; run 'bayestune " + command + " --help' for its options";
    }
  }
  return std::string(error.what()) + "; run 'bayestune --help'";
}

// A reader's output (status, trials, best, export, metrics, report --out -, validate) is what it
// is run for: standard output that did not take all of it, a full disk under `export >
// results.csv` or a closed descriptor (`>&-`), is a failure said as such, not exit 0 with a
// file cut short or empty. A pipe whose reader went away (`| head -1`) ends the command as it
// ends `cat`: quietly, by SIGPIPE (ignored meanwhile, for `run`). `run`, `serve` and `worker`
// write progress there, and keep their results in the database: not checked.
int CheckStandardOutput(int exit_code) {
  std::cout.flush();
  if (std::cout && std::fflush(stdout) == 0 && !std::ferror(stdout)) return exit_code;
  const int flags = ::fcntl(STDOUT_FILENO, F_GETFL);
  struct stat info {};
  if (flags >= 0 && ::fstat(STDOUT_FILENO, &info) == 0 &&
      (S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode))) {
    pollfd output{.fd = STDOUT_FILENO, .events = POLLOUT, .revents = 0};
    if (::poll(&output, 1, 0) == 1 && (output.revents & (POLLERR | POLLHUP)) != 0) {
      std::signal(SIGPIPE, SIG_DFL);
      std::raise(SIGPIPE);
    }
  }
  // Closed, SQLite puts /dev/null, read-only, in its place rather than open the database there.
  if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
    std::cerr << "bayestune: error: standard output is closed (>&-), so the output was lost; "
                 "send it to a file (> out.txt), or to /dev/null to drop it\n";
  } else {
    std::cerr << "bayestune: error: the output could not all be written to standard output (a "
                 "full disk, or a file past its size limit?); what was written is incomplete: "
                 "free some space, or write elsewhere\n";
  }
  return exit_code == bayestune::cli::kExitOk ? bayestune::cli::kExitFailure : exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bayestune::cli;
  // Output to a pipe whose reader is gone (`| tee` or `| head` after Ctrl-C) fails quietly
  // instead of killing bayestune with SIGPIPE while its trials run; the trainers get the default.
  std::signal(SIGPIPE, SIG_IGN);
  // A write past the file size limit (ulimit -f) fails with EFBIG, which the store reports (the
  // database is intact), instead of SIGXFSZ killing bayestune without a word; trainers get the
  // default.
  std::signal(SIGXFSZ, SIG_IGN);
  // Many trials at once hold many descriptors; the trainers get the user's limit back.
  bayestune::RaiseOpenFileLimit();
  CLI::App app{
      "bayestune: Bayesian hyperparameter tuning. Runs the trials of a tuning.yaml study in "
      "parallel, one per GPU, reads their metric from TensorBoard event files or "
      "cloudml-hypertune reports (CLOUD_ML_HP_METRIC_FILE), keeps every trial in SQLite.",
      "bayestune"};
  app.require_subcommand(1);
  app.footer(
      "Run 'bayestune COMMAND --help' for a command's arguments. To start:\n"
      "  bayestune run examples/book/tuning.yaml\n"
      "  bayestune status\n\n"
      "Exit codes: 0 ok, 1 failed, 2 bad usage, 3 no such database, study or trial, "
      "130 interrupted (Ctrl-C, SIGTERM or SIGHUP).");
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
  SetCommandLine(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "bayestune: error: " << ShownErrorText(UsageErrorText(app, argc, argv, e)) << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    return ReportError(e);
  }
  if (app.got_subcommand("run") || app.got_subcommand("serve") || app.got_subcommand("worker"))
    return exit_code;
  return CheckStandardOutput(exit_code);
}
