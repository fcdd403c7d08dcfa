#pragma once

#include "bayestune/optimizer/errors.h"

namespace bayestune::cli {

// A command line that cannot be carried out as given (a study name is needed, no trainer
// command): exits with kExitUsage rather than kExitFailure.
class UsageError : public InvalidArgument {
 public:
  explicit UsageError(const std::string& message) : InvalidArgument(message) {}
};

}  // namespace bayestune::cli
