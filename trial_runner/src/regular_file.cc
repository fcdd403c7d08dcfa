#include "regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace bayestune {

RegularFileContent ReadRegularFile(const std::filesystem::path& path, std::size_t max_bytes) {
  RegularFileContent result;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return result;
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return result;
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    result.status = RegularFileRead::kNotRegular;
    result.refusal =
        "is not a regular file (a FIFO, a device, a folder, or a link to one): not read";
    return result;
  }
  const auto too_large = [&] {
    result.status = RegularFileRead::kTooLarge;
    result.content.clear();
    result.refusal = "is larger than " + std::to_string(max_bytes) + " bytes: not read";
    return result;
  };
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes) {
    ::close(fd);
    return too_large();
  }
  // One byte more than allowed: a file that grew since fstat is noticed, not cut.
  char buffer[16384];
  while (result.content.size() <= max_bytes) {
    const std::size_t want = std::min(sizeof(buffer), max_bytes + 1 - result.content.size());
    const ssize_t got = ::read(fd, buffer, want);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    result.content.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  if (result.content.size() > max_bytes) return too_large();
  result.status = RegularFileRead::kRead;
  return result;
}

}  // namespace bayestune
