#pragma once

#include <string>
#include <string_view>

namespace bayestune {

// Checks for text a user names things with (study names, categorical values), which ends up in
// argv, file names, SQLite and protobuf strings (which must be UTF-8).

// "is not valid UTF-8", "holds a NUL byte" or "holds a control character" (C0, DEL or C1; a tab
// too unless `allow_tab`); empty when `text` is UTF-8 without control characters.
std::string ControlOrEncodingProblem(std::string_view text, bool allow_tab = false);

// `text` with control characters and bytes that are not UTF-8 written as \xNN, so that it can be
// quoted in a one-line message.
std::string EscapeForMessage(std::string_view text);

}  // namespace bayestune
