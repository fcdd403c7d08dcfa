#include "runner_identity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace bayestune {
namespace {

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id.substr(0, 8);
}

// Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot; nullopt when there is
// no such process, or when it has ended and only waits to be reaped (state Z or X: a runner killed
// under a container's init that never reaps keeps its /proc entry, and its pid and start time,
// for as long as the container lives).
std::optional<std::uint64_t> StartTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));  // from field 3 (state) on
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return std::nullopt;
    if (i == 3 && (field == "Z" || field == "X")) return std::nullopt;
  }
  try {
    return std::stoull(field);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, separator))
    parts.push_back(part);
  return parts;
}

}  // namespace

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

RunnerIdentity RunnerIdentity::Current() {
  RunnerIdentity identity;
  identity.host = HostName();
  identity.boot_id = BootId();
  identity.pid = getpid();
  identity.start_ticks = StartTicks(identity.pid).value_or(0);
  return identity;
}

std::string RunnerIdentity::ClientIdPrefix() const {
  return "runner@" + host + "/" + std::to_string(pid) + "." + std::to_string(start_ticks) + "." +
         boot_id + "/";
}

std::optional<RunnerIdentity> RunnerIdentity::FromClientId(const std::string& client_id) {
  static const std::string kPrefix = "runner@";
  if (client_id.rfind(kPrefix, 0) != 0) return std::nullopt;
  const std::vector<std::string> parts = Split(client_id.substr(kPrefix.size()), '/');
  if (parts.size() != 3 || parts[0].empty()) return std::nullopt;
  const std::vector<std::string> process = Split(parts[1], '.');
  if (process.size() != 3) return std::nullopt;
  RunnerIdentity identity;
  identity.host = parts[0];
  identity.boot_id = process[2];
  try {
    std::size_t used = 0;
    identity.pid = static_cast<pid_t>(std::stol(process[0], &used));
    if (used != process[0].size() || identity.pid <= 0) return std::nullopt;
    identity.start_ticks = std::stoull(process[1], &used);
    if (used != process[1].size()) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return identity;
}

RunnerIdentity::Liveness RunnerIdentity::Check() const {
  if (host != HostName()) return Liveness::kUnknown;
  if (boot_id != BootId()) return Liveness::kGone;
  const auto ticks = StartTicks(pid);
  return ticks && *ticks == start_ticks ? Liveness::kAlive : Liveness::kGone;
}

}  // namespace bayestune
