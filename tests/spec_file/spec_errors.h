#pragma once

// What the spec-file tests assert about a bad tuning.yaml: its errors, and one of them at a line.
#include <catch2/catch.hpp>
#include <initializer_list>
#include <string>
#include <vector>

#include "bayestune/spec_file/tuning_config_loader.h"

namespace bayestune::testing {

// The file name the tests parse their text as.
inline constexpr const char* kBadFile = "bad.yaml";

// Parses `text` as kBadFile and returns its errors; fails the test when there are none.
inline std::vector<Diagnostic> Errors(const std::string& text) {
  auto result = ParseTuningConfig(text, kBadFile);
  std::vector<Diagnostic> errors;
  for (const auto& d : result.diagnostics) {
    if (d.IsError()) errors.push_back(d);
  }
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE_FALSE(result.ok());
  return errors;
}

// Asserts that one of the errors is at `line` (0: no line) of kBadFile, with a column, and a
// message containing every fragment.
inline void ExpectError(const std::vector<Diagnostic>& errors, int line,
                        std::initializer_list<std::string> fragments) {
  INFO(FormatDiagnostics(errors));
  bool found = false;
  for (const auto& d : errors) {
    const std::string text = d.ToString();
    bool all = d.line == line;
    for (const auto& f : fragments)
      all = all && text.find(f) != std::string::npos;
    if (all) {
      CHECK(d.file == kBadFile);
      if (line > 0) CHECK(d.column > 0);
      found = true;
    }
  }
  CHECK(found);
}

}  // namespace bayestune::testing
