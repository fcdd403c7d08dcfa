#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace bayestune {

// The last `max_lines` lines of a text file, at most `max_bytes` bytes of it (cut at a line
// start where possible), without a trailing newline; "" when the file is missing or empty, or is
// not a regular file (a FIFO, a device).
std::string LogTail(const std::filesystem::path& path, std::size_t max_lines = 20,
                    std::size_t max_bytes = 4096);

}  // namespace bayestune
