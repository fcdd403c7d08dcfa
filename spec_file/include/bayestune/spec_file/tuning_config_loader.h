#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/spec_file/diagnostic.h"

namespace bayestune {

// A place in a file: 1-based line and column.
struct FilePosition {
  int line = 0;
  int column = 0;
};

struct TuningConfigLoadResult {
  TuningConfig config;                  // meaningful only when ok()
  std::vector<Diagnostic> diagnostics;  // every error and warning found, in file order
  // Where the value of each field given in the file starts, by its name in diagnostics
  // ("runner.command", "runner.command[0]", "trainingInput.hyperparameters.maxTrials").
  std::map<std::string, FilePosition> positions;
  // trainingInput.pythonModule (AI Platform's way to name the trainer, which bayestune ignores):
  // the module, for the advice on a missing runner.command; empty when the file gives none.
  std::string python_module;
  bool ok() const { return !HasErrors(diagnostics); }

  // Adds a finding about `field` that only a later check can make (the trainer of runner.command
  // cannot be run), at the field's position (none when the file does not give the field), and
  // keeps the diagnostics in file order.
  void Add(Diagnostic::Severity severity, const std::string& field, const std::string& message);
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
