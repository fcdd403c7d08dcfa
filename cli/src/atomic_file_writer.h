#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace bayestune::cli {

// Writes a file through a temporary file beside it, renamed into place when `write` is done, so
// that a failure (a full disk, an error while writing, Ctrl-C) never leaves half a file where the
// result should be and never damages an earlier one. Errors name `flag` and the path and say what
// to do: InvalidArgument for a missing folder, a folder given as the file, or a folder this user
// may not write; Unavailable when writing fails. A path that exists and is no regular file (a
// named pipe, /dev/stdout, bash's >(...)) is written into instead, as a shell's `>` would; one
// that no program reads is an error. As with `>`, a symbolic link is written through, a file
// replaced keeps its mode (and, for root, its owner), and a read-only file (no write permission
// bit, or none for this user) is refused: InvalidArgument. `before_file`, when given, is called
// once these checks passed and a regular file is about to be written (not for a pipe or device),
// for the caller's own checks of the name; what it throws goes through. Returns the size written
// in bytes.
std::uintmax_t WriteFileAtomically(const std::string& path, const std::string& flag,
                                   const std::function<void(std::ostream&)>& write,
                                   const std::function<void()>& before_file = {});

}  // namespace bayestune::cli
