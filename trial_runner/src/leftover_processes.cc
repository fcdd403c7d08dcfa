#include "leftover_processes.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string_view>

#include "runner_identity.h"

namespace bayestune {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);  // unreadable (another user's): empty
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Calls `visit` with each process (not this one) and its environment's NUL-separated entries.
void ForEachProcess(const std::function<void(pid_t, const std::string&)>& visit) {
  const pid_t self = getpid();
  std::error_code error;
  for (const auto& dir : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = dir.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (pid == self) continue;
    const std::string environ = ReadAll(dir.path() / "environ");
    if (!environ.empty()) visit(pid, environ);
  }
}

// The value of NAME in NUL-separated NAME=VALUE entries, or "".
std::string ValueOf(const std::string& environ, std::string_view name) {
  std::size_t start = 0;
  while (start < environ.size()) {
    std::size_t end = environ.find('\0', start);
    if (end == std::string::npos) end = environ.size();
    const std::string_view entry(environ.data() + start, end - start);
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') {
      return std::string(entry.substr(name.size() + 1));
    }
    start = end + 1;
  }
  return "";
}

bool HasEntry(const std::string& environ, std::string_view wanted) {
  std::size_t start = 0;
  while (start < environ.size()) {
    std::size_t end = environ.find('\0', start);
    if (end == std::string::npos) end = environ.size();
    if (std::string_view(environ.data() + start, end - start) == wanted) return true;
    start = end + 1;
  }
  return false;
}

TrialProcessEntry Entry(pid_t pid, const std::string& environ) {
  TrialProcessEntry entry;
  entry.pid = pid;
  entry.command = ReadAll("/proc/" + std::to_string(pid) + "/comm");
  while (!entry.command.empty() && entry.command.back() == '\n')
    entry.command.pop_back();
  entry.study = ValueOf(environ, "BAYESTUNE_STUDY");
  entry.runner = ValueOf(environ, "BAYESTUNE_RUNNER");
  entry.trial = ValueOf(environ, "CLOUD_ML_TRIAL_ID");
  entry.metric_file = ValueOf(environ, "CLOUD_ML_HP_METRIC_FILE");
  return entry;
}

}  // namespace

std::string TrialProcessEntry::Describe() const {
  return "pid " + std::to_string(pid) + (command.empty() ? "" : " (" + command + ")");
}

std::string DescribeProcesses(const std::vector<TrialProcessEntry>& processes) {
  std::string text;
  for (const auto& process : processes)
    text += (text.empty() ? "" : ", ") + process.Describe();
  return text;
}

std::vector<TrialProcessEntry> FindProcessesWithEnvironmentEntry(const std::string& entry) {
  std::vector<TrialProcessEntry> found;
  ForEachProcess([&](pid_t pid, const std::string& environ) {
    if (HasEntry(environ, entry)) found.push_back(Entry(pid, environ));
  });
  return found;
}

std::vector<TrialProcessEntry> FindLeftoverTrialProcesses(const std::string& study) {
  std::vector<TrialProcessEntry> found;
  ForEachProcess([&](pid_t pid, const std::string& environ) {
    if (ValueOf(environ, "BAYESTUNE_STUDY") != study) return;
    // A Slurm job's trainer (here when this machine is also a node) outlives its runner on
    // purpose: the next run re-attaches to its job.
    if (ValueOf(environ, "BAYESTUNE_LAUNCHER") == "slurm") return;
    TrialProcessEntry entry = Entry(pid, environ);
    // The variable holds a client id prefix; a client id ends with the call count.
    const auto runner = RunnerIdentity::FromClientId(entry.runner + "0");
    if (runner && runner->Check() == RunnerIdentity::Liveness::kGone) {
      found.push_back(std::move(entry));
    }
  });
  return found;
}

std::vector<TrialProcessEntry> KillProcesses(const std::vector<TrialProcessEntry>& processes) {
  std::vector<TrialProcessEntry> killed;
  for (const auto& process : processes) {
    if (kill(process.pid, SIGKILL) == 0) killed.push_back(process);
  }
  return killed;
}

}  // namespace bayestune
