#include "leftover_processes.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

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

struct ProcessState {
  char state = '?';               // R, S, D, Z, ... (/proc/<pid>/stat's third field)
  std::uint64_t start_ticks = 0;  // its start time since boot (the 22nd field)
};

std::optional<ProcessState> StateOf(pid_t pid) {
  const std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  const auto name_end = stat.rfind(')');  // the name may hold spaces and parentheses
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(name_end + 1));
  ProcessState state;
  std::string skipped;
  fields >> state.state;
  for (int field = 4; field < 22; ++field)
    fields >> skipped;
  fields >> state.start_ticks;
  if (!fields) return std::nullopt;
  return state;
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

std::vector<TrialProcessEntry> KillProcesses(const std::vector<TrialProcessEntry>& processes,
                                             double wait_seconds,
                                             std::vector<TrialProcessEntry>* still_running) {
  std::vector<TrialProcessEntry> killed;
  std::vector<std::pair<pid_t, std::uint64_t>> dying;  // pid, start time
  for (const auto& process : processes) {
    const auto before = StateOf(process.pid);
    if (kill(process.pid, SIGKILL) != 0) continue;
    killed.push_back(process);
    if (before) dying.emplace_back(process.pid, before->start_ticks);
  }
  // Gone: no such process, a zombie (its memory and files are freed), or another process that
  // took the pid since.
  const auto gone = [](const std::pair<pid_t, std::uint64_t>& process) {
    const auto now = StateOf(process.first);
    return !now || now->state == 'Z' || now->state == 'X' || now->start_ticks != process.second;
  };
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  while (true) {
    std::erase_if(dying, gone);
    if (dying.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (still_running) {
    for (const auto& process : killed) {
      if (std::any_of(dying.begin(), dying.end(),
                      [&](const auto& left) { return left.first == process.pid; })) {
        still_running->push_back(process);
      }
    }
  }
  return killed;
}

}  // namespace bayestune
