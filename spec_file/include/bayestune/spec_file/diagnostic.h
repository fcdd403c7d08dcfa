#pragma once

#include <string>
#include <vector>

namespace bayestune {

// One finding about a file a user wrote: where it is and what would be valid.
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;   // path as given
  int line = 0;       // 1-based; 0 when not known
  int column = 0;     // 1-based; 0 when not known
  std::string field;  // e.g. "trainingInput.hyperparameters.params[1].minValue"
  std::string message;

  bool IsError() const { return severity == Severity::kError; }
  // "tuning.yaml:12:7: error: trainingInput.hyperparameters.maxTrials: must be at least 1, got 0"
  std::string ToString() const;
};

bool HasErrors(const std::vector<Diagnostic>& diagnostics);
// One diagnostic a line, in ToString form.
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace bayestune
