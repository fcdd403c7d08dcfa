#include "log_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "regular_file.h"

namespace bayestune {

std::string LogTail(const std::filesystem::path& path, std::size_t max_lines,
                    std::size_t max_bytes) {
  if (max_lines == 0) return "";
  // Without blocking and only a regular file: a trainer that put a FIFO in its log's place would
  // make a blocking open wait for a writer for good (the runner reads the tail when a trial fails).
  const OpenedRegularFile file = OpenRegularFile(path);
  if (file.status != RegularFileOpen::kOpen) return "";
  const int fd = file.fd.get();
  const struct stat& status = file.info;
  const std::uint64_t size = static_cast<std::uint64_t>(status.st_size);
  const std::uint64_t start = size > max_bytes ? size - max_bytes : 0;
  std::string text(static_cast<std::size_t>(size - start), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n =
        ::pread(fd, text.data() + got, text.size() - got, static_cast<off_t>(start + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (start > 0) {  // drop the partial first line when a whole one follows
    if (auto newline = text.find('\n'); newline != std::string::npos) text.erase(0, newline + 1);
  }
  std::size_t lines = 0;
  std::size_t cut = text.size();
  while (cut > 0) {
    const auto newline = text.rfind('\n', cut - 1);
    if (newline == std::string::npos) break;
    if (++lines == max_lines) {
      text.erase(0, newline + 1);
      break;
    }
    cut = newline;
  }
  return text;
}

}  // namespace bayestune
