#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace bayestune {

// What ReadRegularFile found at a path.
enum class RegularFileRead {
  kRead,        // `content` holds the whole file
  kAbsent,      // nothing there (or it cannot be opened)
  kNotRegular,  // a FIFO, a device, a socket or a folder (or a link to one): not read
  kTooLarge,    // larger than the limit: not read
};

struct RegularFileContent {
  RegularFileRead status = RegularFileRead::kAbsent;
  std::string content;
  // Why it was not read, as the end of a sentence that starts with the file's name ("is not a
  // regular file ..."); "" when read or absent.
  std::string refusal;
};

// A small file that someone else (a trainer, a job on another node) may have replaced with
// anything: opened without blocking (a FIFO in its place would otherwise wait for a writer for
// good), read only when it is a regular file, and only up to `max_bytes` (a link to /dev/zero
// or a huge file is refused, not read into memory).
RegularFileContent ReadRegularFile(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace bayestune
