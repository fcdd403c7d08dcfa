#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <filesystem>
#include <string>

namespace bayestune {

// An open file descriptor that closes itself; -1 when none.
class OwnedDescriptor {
 public:
  OwnedDescriptor() = default;
  explicit OwnedDescriptor(int fd) : fd_(fd) {}
  ~OwnedDescriptor();
  OwnedDescriptor(OwnedDescriptor&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  OwnedDescriptor& operator=(OwnedDescriptor&& other) noexcept;
  OwnedDescriptor(const OwnedDescriptor&) = delete;
  OwnedDescriptor& operator=(const OwnedDescriptor&) = delete;

  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// What OpenRegularFile found at a path.
enum class RegularFileOpen {
  kOpen,        // `fd` is open on a regular file, `info` is its fstat
  kAbsent,      // nothing there, or it cannot be opened or fstat'ed (`error` says why)
  kNotRegular,  // a FIFO, a device, a socket or a folder (or a link to one): closed again
};

struct OpenedRegularFile {
  RegularFileOpen status = RegularFileOpen::kAbsent;
  OwnedDescriptor fd;
  struct stat info {};
  int error = 0;  // errno of the failed open or fstat (kAbsent)
};

// Opens a file that someone else (a trainer, a job on another node) may have replaced with
// anything, for reading: without blocking (a FIFO in its place would otherwise wait for a writer
// for good), and keeps it open only when it is a regular file (a device such as /dev/zero never
// ends; a FIFO may never send).
OpenedRegularFile OpenRegularFile(const std::filesystem::path& path);

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
