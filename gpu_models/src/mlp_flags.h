#pragma once

#include <optional>
#include <string>

#include "mlp_options.h"

namespace bayestune {

// What the command line asked for: options to train with, or text to print and exit 0 (--help).
struct ParsedMlpFlags {
  MlpOptions options;
  std::optional<std::string> help;
};

// Parses bayestune-mlp's flags, given as `--name=value` (as the runner passes them) or
// `--name value`. Throws TrainerError(kBadFlags) for an unknown, repeated, malformed or
// out-of-range flag, with a message that names it and says what is valid.
ParsedMlpFlags ParseMlpFlags(int argc, const char* const* argv);

}  // namespace bayestune
