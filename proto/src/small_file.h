#pragma once

#include <cstddef>
#include <string>

namespace bayestune::proto {

// A file a flag names (a token, a PEM certificate, key or CA bundle), open for reading: opened
// without waiting on a named pipe (FIFO) that no program writes to (O_NONBLOCK, cleared once open,
// so a pipe with a writer, bash's <(...), is read), a folder refused. `serve --tls-cert /dev/zero`
// read until the kernel's OOM killer ended it (24 GB), `--token-file /dev/zero` grew for ever,
// and a FIFO without a writer blocked for ever. Errors start with `what` ("--tls-cert:
// '/dev/zero'"): NotFound for a missing file, InvalidArgument for the rest, a folder's ending with
// `folder_hint` ("give the path of a file").
class FlagFile {
 public:
  FlagFile(std::string what, const std::string& path, const std::string& folder_hint);
  ~FlagFile();
  FlagFile(const FlagFile&) = delete;
  FlagFile& operator=(const FlagFile&) = delete;

  // Reads the file, or with `first_line` its first line (the newline left out), stopping once
  // past `max_bytes`: a result longer than `max_bytes` means the file (or line) was too long.
  std::string Read(std::size_t max_bytes, bool first_line);
  // Whether it is a named pipe (FIFO): empty, it had no writer.
  bool fifo() const { return fifo_; }

 private:
  std::string what_;
  int fd_ = -1;
  bool fifo_ = false;
};

// The whole of a small file that a flag names, read no further than `max_bytes` (FlagFile): an
// InvalidArgument for a file past it or a silent pipe.
std::string ReadSmallFile(const std::string& what, const std::string& path, std::size_t max_bytes);

}  // namespace bayestune::proto
