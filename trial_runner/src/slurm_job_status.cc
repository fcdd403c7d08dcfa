#include "bayestune/trial_runner/slurm_job_status.h"

#include <sys/wait.h>

#include <charconv>
#include <ctime>
#include <sstream>

namespace bayestune {
namespace {

std::optional<long long> ParseInteger(std::string_view text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// A wait status as ProcessExit.
ProcessExit FromWaitStatus(int status) {
  ProcessExit exit;
  if (WIFSIGNALED(status)) {
    exit.signaled = true;
    exit.code = WTERMSIG(status);
  } else {
    exit.code = WEXITSTATUS(status);
  }
  return exit;
}

// A StartTime for a job that runs or ran; a pending job's is the scheduler's guess.
std::optional<double> StartTimeOf(SlurmJobPhase phase, std::string_view text) {
  if (phase != SlurmJobPhase::kRunning && phase != SlurmJobPhase::kFinished) return std::nullopt;
  return ParseSlurmTime(text);
}

// An EndTime for a job that ended; a pending or running job's is the scheduler's guess.
std::optional<double> EndTimeOf(SlurmJobPhase phase, std::string_view text) {
  if (phase != SlurmJobPhase::kFinished) return std::nullopt;
  return ParseSlurmTime(text);
}

}  // namespace

std::optional<double> ParseSlurmTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS exactly.
  if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  const auto number = [&](std::size_t at, std::size_t length) -> std::optional<int> {
    for (std::size_t i = at; i < at + length; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    return static_cast<int>(*ParseInteger(text.substr(at, length)));
  };
  const auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  const auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *month < 1 || *month > 12 ||
      *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  tm.tm_isdst = -1;  // Slurm prints local time: mktime knows whether summer time held then
  const std::time_t time = std::mktime(&tm);
  if (time == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<double>(time);
}

const char* SlurmJobPhaseName(SlurmJobPhase phase) {
  switch (phase) {
    case SlurmJobPhase::kPending:
      return "pending";
    case SlurmJobPhase::kRunning:
      return "running";
    case SlurmJobPhase::kFinished:
      return "finished";
    case SlurmJobPhase::kUnknown:
      return "unknown";
  }
  return "unknown";
}

SlurmJobPhase SlurmJobPhaseOf(std::string_view state) {
  // scontrol may add flags after the state ("CANCELLED+"), sacct "CANCELLED by 0".
  const std::string_view base = state.substr(0, state.find_first_of("+ "));
  for (const char* s : {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "SPECIAL_EXIT"}) {
    if (base == s) return SlurmJobPhase::kPending;
  }
  for (const char* s : {"RUNNING", "CONFIGURING", "COMPLETING", "SIGNALING", "SUSPENDED", "STOPPED",
                        "RESIZING", "STAGE_OUT"}) {
    if (base == s) return SlurmJobPhase::kRunning;
  }
  for (const char* s : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                        "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED"}) {
    if (base == s) return SlurmJobPhase::kFinished;
  }
  return SlurmJobPhase::kUnknown;
}

// A BatchHost as squeue or scontrol print it; "" for none ("n/a", "(null)").
std::string NodeOf(std::string_view host) {
  if (host.empty() || host == "n/a" || host == "N/A" || host == "(null)" || host == "None") {
    return "";
  }
  return std::string(host);
}

std::map<SlurmJobId, SlurmJobStatus> ParseSqueueOutput(std::string_view output) {
  std::map<SlurmJobId, SlurmJobStatus> jobs;
  std::istringstream lines{std::string(output)};
  std::string line;
  while (std::getline(lines, line)) {
    std::string_view rest = Trim(line);
    std::string_view fields[6];
    bool complete = true;
    for (std::string_view& field : fields) {
      const auto bar = rest.find('|');
      if (bar == std::string_view::npos) {
        complete = false;
        break;
      }
      field = Trim(rest.substr(0, bar));
      rest.remove_prefix(bar + 1);
    }
    if (!complete || fields[0].empty()) continue;
    // The reason is the rest, less the '|' that ends every field.
    if (!rest.empty() && rest.back() == '|') rest.remove_suffix(1);
    SlurmJobStatus status;
    status.state = std::string(fields[1]);
    status.phase = SlurmJobPhaseOf(status.state);
    status.reason = std::string(Trim(rest));
    status.source = "squeue";
    status.start_time = StartTimeOf(status.phase, fields[3]);
    status.end_time = EndTimeOf(status.phase, fields[4]);
    status.node = NodeOf(fields[5]);
    if (status.phase == SlurmJobPhase::kFinished) {
      if (auto code = ParseInteger(fields[2]))
        status.exit = FromWaitStatus(static_cast<int>(*code));
    }
    jobs[std::string(fields[0])] = std::move(status);
  }
  return jobs;
}

std::optional<std::pair<SlurmJobId, SlurmJobStatus>> ParseScontrolJob(std::string_view output) {
  std::map<std::string, std::string> values;
  std::istringstream words{std::string(output)};
  std::string word;
  std::string* last = nullptr;  // the value a word without '=' continues
  while (words >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      // "Reason=ReqNodeNotAvail, UnavailableNodes:vm": a value with a space in it.
      if (last != nullptr) *last += " " + word;
      continue;
    }
    const auto [it, inserted] = values.emplace(word.substr(0, eq), word.substr(eq + 1));
    last = inserted ? &it->second : nullptr;  // the first of a key wins
  }
  const auto id = values.find("JobId");
  const auto state = values.find("JobState");
  if (id == values.end() || state == values.end()) return std::nullopt;
  SlurmJobStatus status;
  status.state = state->second;
  status.phase = SlurmJobPhaseOf(status.state);
  if (const auto reason = values.find("Reason"); reason != values.end()) {
    status.reason = reason->second;
  }
  status.source = "scontrol";
  if (const auto start = values.find("StartTime"); start != values.end()) {
    status.start_time = StartTimeOf(status.phase, start->second);
  }
  if (const auto end = values.find("EndTime"); end != values.end()) {
    status.end_time = EndTimeOf(status.phase, end->second);
  }
  if (const auto host = values.find("BatchHost"); host != values.end()) {
    status.node = NodeOf(host->second);
  }
  if (status.phase == SlurmJobPhase::kFinished) {
    if (const auto exit = values.find("ExitCode"); exit != values.end()) {
      const auto colon = exit->second.find(':');
      const auto code = ParseInteger(std::string_view(exit->second).substr(0, colon));
      const auto signal = colon == std::string::npos
                              ? std::optional<long long>(0)
                              : ParseInteger(std::string_view(exit->second).substr(colon + 1));
      if (code && signal) {
        ProcessExit e;
        e.signaled = *signal != 0;
        e.code = static_cast<int>(*signal != 0 ? *signal : *code);
        status.exit = e;
      }
    }
  }
  return std::make_pair(id->second, std::move(status));
}

}  // namespace bayestune
