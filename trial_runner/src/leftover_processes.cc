#include "bayestune/trial_runner/leftover_processes.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace bayestune {

int KillProcessesWithEnvironmentEntry(const std::string& entry) {
  int killed = 0;
  const pid_t self = getpid();
  std::error_code error;
  for (const auto& dir : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = dir.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == self) continue;
    std::ifstream in(dir.path() / "environ", std::ios::binary);  // unreadable: not ours
    if (!in) continue;
    const std::string environ((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    std::size_t start = 0;
    while (start < environ.size()) {
      std::size_t end = environ.find('\0', start);
      if (end == std::string::npos) end = environ.size();
      if (environ.compare(start, end - start, entry) == 0) {
        if (kill(pid, SIGKILL) == 0) ++killed;
        break;
      }
      start = end + 1;
    }
  }
  return killed;
}

}  // namespace bayestune
