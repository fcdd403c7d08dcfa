#include "bayestune/trial_runner/slurm_job_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bayestune/optimizer/errors.h"
#include "shell_word.h"

namespace bayestune {
namespace {

[[noreturn]] void Fail(const std::string& what, const std::filesystem::path& path) {
  throw Unavailable("cannot write '" + path.string() + "': " + what + ": " + std::strerror(errno));
}

}  // namespace

SlurmJobFiles SlurmJobFilesFor(const std::filesystem::path& attempt_dir) {
  SlurmJobFiles files;
  files.launch = attempt_dir / "slurm-launch.json";
  files.script = attempt_dir / "slurm-job.sh";
  files.status = attempt_dir / "exit_status.json";
  files.log = attempt_dir / "slurm-job.log";
  return files;
}

std::string SlurmJobScript(const std::filesystem::path& job_program,
                           const std::filesystem::path& launch_file) {
  return "#!/bin/sh\n"
         "# bayestune: runs one trial attempt as its launch file says (no shell sees the "
         "trainer's arguments)\n"
         "exec " +
         ShellQuote(job_program.string()) + " " + ShellQuote(launch_file.string()) + "\n";
}

void WriteFileAtomically(const std::filesystem::path& path, const std::string& text,
                         unsigned mode) {
  std::filesystem::path temporary = path;
  temporary += ".tmp-" + std::to_string(getpid());
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) Fail("cannot create the file", temporary);
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      close(fd);
      unlink(temporary.c_str());
      errno = e;
      Fail("writing failed", temporary);
    }
    written += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    const int e = errno;
    unlink(temporary.c_str());
    errno = e;
    Fail("flushing failed", temporary);
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    const int e = errno;
    unlink(temporary.c_str());
    errno = e;
    Fail("renaming the temporary file failed", path);
  }
  // The rename itself reaches the disk with the folder.
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
  const int dir = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
}

}  // namespace bayestune
