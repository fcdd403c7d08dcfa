#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace bayestune::cli {

// The columns `text` (UTF-8) takes on a terminal: one per character, two for an East Asian wide
// character or an emoji, none for a combining mark.
std::size_t DisplayWidth(std::string_view text);

// Rows of text in aligned columns, two spaces apart, for `trials` and `best --top`.
class TextTable {
 public:
  // An empty header prints no header line.
  explicit TextTable(std::vector<std::string> header);
  void AddRow(std::vector<std::string> cells);
  // Every row under the header; a row shorter than the header leaves its last cells empty. No
  // trailing spaces.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;  // the header first
};

}  // namespace bayestune::cli
