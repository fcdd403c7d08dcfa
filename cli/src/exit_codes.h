#pragma once

#include <exception>

namespace bayestune::cli {

// What `bayestune` exits with; the README lists them.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,        // the operation failed: an invalid file, a study that could not run
  kExitUsage = 2,          // bad command-line usage: an unknown flag, a missing argument
  kExitNotFound = 3,       // an unknown study, trial or database
  kExitInterrupted = 130,  // stopped by Ctrl-C (SIGINT), state saved
};

// Maps an exception of the optimizer's error kinds to an exit code, and prints it as one line
// "bayestune: error: ..." on stderr.
int ReportError(const std::exception& error);

}  // namespace bayestune::cli
