#include "bayestune/spec_file/diagnostic.h"

#include <algorithm>

namespace bayestune {

std::string Diagnostic::ToString() const {
  std::string text = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    text += ":" + std::to_string(line);
    if (column > 0) text += ":" + std::to_string(column);
  }
  text += IsError() ? ": error: " : ": warning: ";
  if (!field.empty()) text += field + ": ";
  text += message;
  return text;
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.IsError(); });
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics)
    text += d.ToString() + "\n";
  return text;
}

}  // namespace bayestune
