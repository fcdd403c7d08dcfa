#include "regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace bayestune {

OwnedDescriptor::~OwnedDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

OwnedDescriptor& OwnedDescriptor::operator=(OwnedDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

OpenedRegularFile OpenRegularFile(const std::filesystem::path& path) {
  OpenedRegularFile file;
  OwnedDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0 || ::fstat(fd.get(), &file.info) != 0) {
    file.error = errno;
    return file;
  }
  if (!S_ISREG(file.info.st_mode)) {
    file.status = RegularFileOpen::kNotRegular;
    return file;
  }
  file.status = RegularFileOpen::kOpen;
  file.fd = std::move(fd);
  return file;
}

RegularFileContent ReadRegularFile(const std::filesystem::path& path, std::size_t max_bytes) {
  RegularFileContent result;
  OpenedRegularFile file = OpenRegularFile(path);
  if (file.status == RegularFileOpen::kAbsent) return result;
  if (file.status == RegularFileOpen::kNotRegular) {
    result.status = RegularFileRead::kNotRegular;
    result.refusal =
        "is not a regular file (a FIFO, a device, a folder, or a link to one): not read";
    return result;
  }
  const int fd = file.fd.get();
  const struct stat& info = file.info;
  const auto too_large = [&] {
    result.status = RegularFileRead::kTooLarge;
    result.content.clear();
    result.refusal = "is larger than " + std::to_string(max_bytes) + " bytes: not read";
    return result;
  };
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes) return too_large();
  // One byte more than allowed: a file that grew since fstat is noticed, not cut.
  char buffer[16384];
  while (result.content.size() <= max_bytes) {
    const std::size_t want = std::min(sizeof(buffer), max_bytes + 1 - result.content.size());
    const ssize_t got = ::read(fd, buffer, want);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    result.content.append(buffer, static_cast<std::size_t>(got));
  }
  if (result.content.size() > max_bytes) return too_large();
  result.status = RegularFileRead::kRead;
  return result;
}

}  // namespace bayestune
