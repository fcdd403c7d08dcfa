#pragma once

#include <string>

namespace bayestune {

// `word` as one word of a POSIX shell command line: as it is when it holds only characters no
// shell treats specially (letters, digits, _ - . / = : , + @ %), else in single quotes (a quote
// inside written '\''). For command lines shown to people, to copy and paste.
std::string ShellWord(const std::string& word);

// `text` always in single quotes, as ShellWord quotes: for generated scripts.
std::string ShellQuote(const std::string& text);

}  // namespace bayestune
