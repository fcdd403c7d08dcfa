#pragma once

#include <string>
#include <string_view>

namespace bayestune {

// Whether ShownText keeps line breaks: kMultiLine keeps newline and tab (a log's tail), kOneLine
// escapes them too (a table cell, one line of a progress view).
enum class ShownLines { kOneLine, kMultiLine };

// Text a trainer, a spec or a study supplied, as bayestune prints it to a terminal or a log: valid
// UTF-8 as it is; each control character (C0, DEL, and C1 as U+0080..U+009F) and each byte of
// invalid UTF-8 written as a visible "\x1b", so that the text cannot clear the screen, move the
// cursor, set the window title or overwrite a line with a carriage return; each invisible format
// character that reorders or hides text (bidi overrides such as U+202E, zero-width space, BOM)
// written byte by byte too ("\xe2\x80\xae"). A backslash stays as it is. The database and the
// exports keep the text unchanged.
std::string ShownText(std::string_view text, ShownLines lines = ShownLines::kOneLine);

// `text` as valid UTF-8 for a file that other tools read as UTF-8 (the CSV export): each byte that
// is not part of a valid UTF-8 sequence becomes U+FFFD, as the JSON export and the report have it;
// the rest, control characters included, unchanged.
std::string ValidUtf8(std::string_view text);

}  // namespace bayestune
