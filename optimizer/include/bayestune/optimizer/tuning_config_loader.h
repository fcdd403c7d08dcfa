#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/diagnostic.h"
#include "bayestune/optimizer/study_spec.h"

namespace bayestune {

struct TuningConfigLoadResult {
  TuningConfig config;                  // meaningful only when ok()
  std::vector<Diagnostic> diagnostics;  // every error and warning found, in file order
  bool ok() const { return !HasErrors(diagnostics); }
};

// Reads a tuning.yaml: AI Platform's `trainingInput.hyperparameters` (loaded unchanged, with its
// defaults) and bayestune's top-level `runner:` block. Never throws for bad input: every problem
// becomes a Diagnostic naming the file, line, column and field, and what would be valid.
TuningConfigLoadResult LoadTuningConfigFile(const std::string& path);
TuningConfigLoadResult ParseTuningConfig(std::string_view yaml_text, const std::string& file_name);

// As above, but throws InvalidArgument with every error (one a line) when there is any.
TuningConfig LoadTuningConfigOrThrow(const std::string& path);
TuningConfig ParseTuningConfigOrThrow(std::string_view yaml_text, const std::string& file_name);

}  // namespace bayestune
