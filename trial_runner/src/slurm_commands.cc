#include "bayestune/trial_runner/slurm_commands.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "bayestune/optimizer/errors.h"
#include "bayestune/trial_runner/trial_command.h"

namespace bayestune {
namespace {

bool Contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// A command's standard error on one line: its lines joined with "; ", without the blank ones.
std::string OneLine(const std::string& text) {
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\r'))
      part.pop_back();
    if (!part.empty()) {
      if (!line.empty()) line += "; ";
      line += part;
    }
    start = end + 1;
  }
  return line;
}

std::string Said(const SlurmCommandOutput& output) {
  std::string said = OneLine(output.err);
  if (said.empty()) said = OneLine(output.out);
  if (said.empty()) said = "nothing";
  return said + " (" + output.exit.Describe() + "; command: " + output.command_line + ")";
}

// Slurm's words for a refusal that may pass: the controller is busy or unreachable, or a limit
// on jobs in the queue was reached. A limit of the QOS or account on the job itself (its size or
// time, DenyOnLimit) is worded the same way ("Job violates accounting/QOS policy (job submit
// limit, user's size and/or time limits)"), but Slurm names it on a line before
// (QOSMaxWallDurationPerJobLimit): such a job can never start, and is refused.
bool IsPassing(const std::string& err) {
  if (const std::string limit = SlurmLimitOfRefusal(err);
      !limit.empty() && limit.find("Submit") == std::string::npos) {
    return false;
  }
  for (const char* part :
       {"Unable to contact slurm controller", "Socket timed out", "temporarily unable",
        "Zero Bytes were transmitted", "Connection refused", "Communication connection failure",
        "MaxSubmitJob", "job submit limit", "Resource temporarily unavailable"}) {
    if (Contains(err, part)) return true;
  }
  return false;
}

void CheckJobId(const SlurmJobId& id) {
  const auto underscore = id.find('_');
  const std::string digits_only =
      underscore == std::string::npos ? id : id.substr(0, underscore) + id.substr(underscore + 1);
  if (id.empty() || digits_only.empty() ||
      digits_only.find_first_not_of("0123456789") != std::string::npos) {
    throw InvalidArgument("'" + id + "' is not a Slurm job id (digits, such as 4242)");
  }
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  if (abbrev == nullptr)
    throw InvalidArgument("no signal has the number " + std::to_string(signal));
  return abbrev;
}

}  // namespace

std::string SlurmLimitOfRefusal(const std::string& said) {
  // Slurm 22.05 and later print the reason of an accounting refusal on a line of its own
  // ("sbatch: error: QOSMaxCpuPerJobLimit"), as squeue shows a pending job's reason: a word that
  // begins with QOS or Assoc.
  std::size_t start = 0;
  while (start < said.size()) {
    while (start < said.size() && !std::isalpha(static_cast<unsigned char>(said[start])))
      ++start;
    std::size_t end = start;
    while (end < said.size() && std::isalnum(static_cast<unsigned char>(said[end])))
      ++end;
    const std::string word = said.substr(start, end - start);
    const bool after_letter =
        start > 0 && (std::isalnum(static_cast<unsigned char>(said[start - 1])) ||
                      said[start - 1] == '/' || said[start - 1] == '_');
    if (!after_letter && word.size() > 5 &&
        (word.rfind("QOS", 0) == 0 || word.rfind("Assoc", 0) == 0) && word != "Association") {
      return word;
    }
    start = end;
  }
  return "";
}

SlurmCommands::SlurmCommands(SlurmCommandsOptions options)
    : runner_(options.environment.empty() ? CurrentEnvironment() : std::move(options.environment),
              options.timeout_seconds, options.scratch_parent) {}

SlurmJobId SlurmCommands::Submit(const SlurmJobRequest& request) {
  const std::vector<std::string> args = SbatchArguments(request);
  ++calls_.sbatch;
  const SlurmCommandOutput output = runner_.Run("sbatch", args);
  if (!output.exit.succeeded()) {
    // A controller down or busy, a submit limit: nothing wrong with the job.
    if (IsPassing(output.err))
      throw Unavailable("Slurm could not take the job now: " + Said(output));
    throw InvalidArgument("Slurm refused the job: " + Said(output));
  }
  // "4242\n", or "4242;cluster\n" on a federation: the last such line, as a site's sbatch (a
  // wrapper in PATH) may print notices before it. Until this change only the first line was read:
  // each job so submitted was taken for a lost answer, looked for and followed after a wait.
  SlurmJobId found;
  std::size_t start = 0;
  while (start < output.out.size()) {
    std::size_t end = output.out.find('\n', start);
    if (end == std::string::npos) end = output.out.size();
    const std::string line = output.out.substr(start, end - start);
    start = end + 1;
    std::string id = line.substr(0, line.find(';'));
    while (!id.empty() && (id.back() == ' ' || id.back() == '\r'))
      id.pop_back();
    try {
      CheckJobId(id);
      found = id;
    } catch (const InvalidArgument&) {
    }
  }
  if (found.empty()) throw Unavailable("sbatch printed no job id: " + Said(output));
  return found;
}

std::map<SlurmJobId, SlurmJobStatus> SlurmCommands::Query(const std::vector<SlurmJobId>& ids) {
  std::map<SlurmJobId, SlurmJobStatus> jobs;
  if (ids.empty()) return jobs;
  std::string list;
  for (const SlurmJobId& id : ids) {
    CheckJobId(id);
    if (!list.empty()) list += ',';
    list += id;
  }
  ++calls_.squeue;
  // --all: jobs in hidden partitions too; --states=all: finished jobs too, while slurmctld still
  // holds them.
  const SlurmCommandOutput output = runner_.Run(
      "squeue", {"--noheader", "--all", "--states=all", "--jobs=" + list, "-O", kSqueueFormat});
  if (!output.exit.succeeded()) {
    // With a single id, squeue fails for a job it does not know; with several it lists the rest.
    if (!Contains(output.err, "Invalid job id")) {
      throw Unavailable("squeue failed: " + Said(output));
    }
  } else {
    jobs = ParseSqueueOutput(output.out);
  }
  for (const SlurmJobId& id : ids) {
    if (jobs.count(id) != 0) continue;
    ++calls_.scontrol;
    const SlurmCommandOutput shown = runner_.Run("scontrol", {"show", "job", "--oneliner", id});
    if (shown.exit.succeeded()) {
      if (auto job = ParseScontrolJob(shown.out); job && job->first == id) {
        jobs[id] = std::move(job->second);
        continue;
      }
    } else if (!Contains(shown.err, "Invalid job id")) {
      throw Unavailable("scontrol failed: " + Said(shown));
    }
    SlurmJobStatus unknown;
    unknown.reason =
        "neither squeue nor scontrol knows job " + id +
        ": it ended more than MinJobAge ago (300 s by default), or never existed on this cluster";
    jobs[id] = std::move(unknown);
  }
  // squeue lists only what was asked; drop anything else it may have added.
  for (auto it = jobs.begin(); it != jobs.end();) {
    bool asked = false;
    for (const SlurmJobId& id : ids)
      asked = asked || id == it->first;
    it = asked ? std::next(it) : jobs.erase(it);
  }
  return jobs;
}

std::vector<SlurmJobId> SlurmCommands::FindJobs(const std::string& job_name,
                                                const std::filesystem::path& working_dir) {
  ++calls_.squeue;
  // The folder last: a '|' in it is harmless.
  const SlurmCommandOutput output = runner_.Run(
      "squeue",
      {"--noheader", "--all", "--states=all", "--name=" + job_name, "-O", "JobID:|,WorkDir:|"});
  if (!output.exit.succeeded()) throw Unavailable("squeue failed: " + Said(output));
  std::vector<SlurmJobId> found;
  std::size_t start = 0;
  while (start < output.out.size()) {
    std::size_t end = output.out.find('\n', start);
    if (end == std::string::npos) end = output.out.size();
    std::string line = output.out.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
      line.pop_back();
    const auto bar = line.find('|');
    if (bar == std::string::npos || line.size() < bar + 2 || line.back() != '|') continue;
    SlurmJobId id = line.substr(0, bar);
    const std::string folder = line.substr(bar + 1, line.size() - bar - 2);
    try {
      CheckJobId(id);
    } catch (const InvalidArgument&) {
      continue;
    }
    if (std::filesystem::path(folder) == working_dir) found.push_back(std::move(id));
  }
  std::sort(found.begin(), found.end(), [](const SlurmJobId& a, const SlurmJobId& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return found;
}

bool SlurmCommands::RunScancel(const SlurmJobId& id, const std::vector<std::string>& args,
                               std::string* err) {
  CheckJobId(id);
  ++calls_.scancel;
  std::vector<std::string> all = args;
  all.push_back(id);
  const SlurmCommandOutput output = runner_.Run("scancel", all);
  if (err != nullptr) *err = output.err;
  // "No active jobs match": Signal's --state=RUNNING filtered the job out (pending or ending).
  for (const char* gone :
       {"already completing or completed", "Invalid job id", "No active jobs match"}) {
    if (Contains(output.err, gone)) return false;
  }
  if (!output.exit.succeeded() || Contains(output.err, "error")) {
    throw Unavailable("scancel failed: " + Said(output));
  }
  return true;
}

std::string SlurmCommands::NodeState(const std::string& node) {
  ++calls_.scontrol;
  const SlurmCommandOutput output = runner_.Run("scontrol", {"show", "node", node, "--oneliner"});
  if (!output.exit.succeeded()) {
    if (output.err.find("not found") != std::string::npos) return "";
    throw Unavailable("scontrol failed: " + Said(output));
  }
  // "... State=IDLE+DRAIN ThreadsPerCore=1 ... Reason=Prolog error [root@2026-12-07T22:47:25]".
  const auto field = [&](const std::string& name, const std::string& until) {
    const auto at = output.out.find(" " + name + "=");
    if (at == std::string::npos) return std::string();
    const auto from = at + name.size() + 2;
    auto end = output.out.find(until, from);
    if (end == std::string::npos) end = output.out.find('\n', from);
    std::string value = output.out.substr(from, end == std::string::npos ? end : end - from);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\n'))
      value.pop_back();
    return value;
  };
  const std::string state = field("State", " ");
  const std::string reason = field("Reason", " [");
  return reason.empty() ? state : state + ": " + reason;
}

bool SlurmCommands::Cancel(const SlurmJobId& id) {
  return RunScancel(id, {});
}

bool SlurmCommands::CancelPending(const SlurmJobId& id) {
  // A running job left out by the filter: scancel exits 0 and says nothing (Slurm 22.05), so
  // only its --verbose "Terminating job <id>" tells that it cancelled the job.
  std::string said;
  return RunScancel(id, {"--verbose", "--state=PENDING"}, &said) &&
         said.find("Terminating job " + id) != std::string::npos;
}

bool SlurmCommands::Signal(const SlurmJobId& id, int signal, SlurmSignalScope scope) {
  // --state=RUNNING: for a pending job, scancel --signal would retry ("Job is in transitional
  // state") until it is killed; with it, scancel says at once that no running job matches, but
  // only with --verbose.
  return RunScancel(id, {"--verbose", "--state=RUNNING", "--signal=" + SignalName(signal),
                         scope == SlurmSignalScope::kBatchProcess ? "--batch" : "--full"});
}

}  // namespace bayestune
