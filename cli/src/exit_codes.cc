#include "exit_codes.h"

#include <iostream>
#include <utility>

#include "bayestune/optimizer/errors.h"
#include "cli_errors.h"
#include "command_help.h"
#include "shown_text.h"

namespace bayestune::cli {

int ReportError(const std::exception& error) {
  if (dynamic_cast<const ReportedError*>(&error) != nullptr) return kExitFailure;
  std::string message = error.what();
  while (!message.empty() && message.back() == '\n')
    message.pop_back();
  // Messages quote what a user, a file or a trainer gave (a path, a flag's value): escaped.
  std::cerr << "bayestune: error: " << ShownErrorText(std::move(message)) << "\n";
  if (dynamic_cast<const UsageError*>(&error) != nullptr) return kExitUsage;
  if (const auto* e = dynamic_cast<const Error*>(&error)) {
    if (e->code() == ErrorCode::kNotFound) return kExitNotFound;
  }
  return kExitFailure;
}

}  // namespace bayestune::cli
