#include "small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "bayestune/optimizer/errors.h"

namespace bayestune::proto {

FlagFile::FlagFile(std::string what, const std::string& path, const std::string& folder_hint)
    : what_(std::move(what)) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    if (errno == ENOENT) throw NotFound(what_ + ": cannot read it: " + std::strerror(errno));
    throw InvalidArgument(what_ + ": cannot read it: " + std::strerror(errno));
  }
  struct stat status {};
  if (::fstat(fd_, &status) == 0 && S_ISDIR(status.st_mode)) {
    ::close(fd_);
    throw InvalidArgument(what_ + " is a folder; " + folder_hint);
  }
  fifo_ = S_ISFIFO(status.st_mode);
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
}

FlagFile::~FlagFile() {
  ::close(fd_);
}

std::string FlagFile::Read(std::size_t max_bytes, bool first_line) {
  std::string text;
  char buffer[65536];
  bool ended = false;
  while (!ended && text.size() <= max_bytes) {
    const ssize_t got = ::read(fd_, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw InvalidArgument(what_ + ": cannot read it: " + std::strerror(errno));
    if (got == 0) break;
    std::string_view chunk(buffer, static_cast<std::size_t>(got));
    if (first_line) {
      const auto newline = chunk.find('\n');
      ended = newline != std::string_view::npos;
      chunk = chunk.substr(0, newline);
    }
    text.append(chunk);
  }
  return text;
}

std::string ReadSmallFile(const std::string& what, const std::string& path, std::size_t max_bytes) {
  FlagFile file(what, path, "give the path of a file");
  std::string text = file.Read(max_bytes, /*first_line=*/false);
  if (text.size() > max_bytes) {
    throw InvalidArgument(what + " is larger than " + std::to_string(max_bytes >> 20) +
                          " MiB; give the PEM file itself (a few KB)");
  }
  if (text.empty() && file.fifo()) {
    throw InvalidArgument(what + " is a named pipe (FIFO) that no program writes to; give the " +
                          "path of a file");
  }
  return text;
}

}  // namespace bayestune::proto
