#pragma once

#include "bayestune/optimizer/errors.h"

namespace bayestune::cli {

// A command line that cannot be carried out as given (a study name is needed, no trainer
// command): exits with kExitUsage rather than kExitFailure.
class UsageError : public InvalidArgument {
 public:
  explicit UsageError(const std::string& message) : InvalidArgument(message) {}
};

// A failure whose explanation is already on stderr (the diagnostics of a tuning.yaml, each with
// its line): exits with kExitFailure and prints nothing more.
class ReportedError : public InvalidArgument {
 public:
  ReportedError() : InvalidArgument("reported above") {}
};

}  // namespace bayestune::cli
