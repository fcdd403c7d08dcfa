#include "small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bayestune/optimizer/errors.h"

namespace bayestune::proto {

std::string ReadSmallFile(const std::string& what, const std::string& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw NotFound(what + ": cannot read it: " + std::strerror(errno));
    throw InvalidArgument(what + ": cannot read it: " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat status {};
  if (::fstat(fd, &status) == 0 && S_ISDIR(status.st_mode)) {
    throw InvalidArgument(what + " is a folder; give the path of a file");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string text;
  char buffer[65536];
  while (text.size() <= max_bytes) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw InvalidArgument(what + ": cannot read it: " + std::strerror(errno));
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
  }
  if (text.size() > max_bytes) {
    throw InvalidArgument(what + " is larger than " + std::to_string(max_bytes >> 20) +
                          " MiB; give the PEM file itself (a few KB)");
  }
  if (text.empty() && S_ISFIFO(status.st_mode)) {
    throw InvalidArgument(what + " is a named pipe (FIFO) that no program writes to; give the " +
                          "path of a file");
  }
  return text;
}

}  // namespace bayestune::proto
