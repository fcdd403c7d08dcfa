#include "bayestune/trial_runner/slurm_command_runner.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/trial_runner/trial_command.h"

namespace bayestune {
namespace {

std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool NeedsQuotes(const std::string& arg) {
  if (arg.empty()) return true;
  for (unsigned char c : arg) {
    if (!(std::isalnum(c) ||
          std::string_view("%+,-./:=@_^").find(static_cast<char>(c)) != std::string_view::npos)) {
      return true;
    }
  }
  return false;
}

// Waits for `process` to exit, at most `seconds`; false when it still runs.
bool WaitWithTimeout(TrialProcess& process, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  while (!process.PollExit()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return false;
    if (process.exit_fd() >= 0) {
      pollfd p{process.exit_fd(), POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(left, 10)));
    }
  }
  return true;
}

const char* PackageOf(const std::string& program) {
  if (program == "munge" || program == "unmunge" || program == "munged") return "munge";
  if (program == "slurmctld") return "slurmctld";
  if (program == "slurmd") return "slurmd";
  return "slurm-client";
}

// The environment of a Slurm command that asks about or acts on bayestune's own jobs (squeue,
// scontrol, scancel, sinfo): without the user's SQUEUE_* and SCANCEL_* variables, which add
// filters that the calls do not override (SQUEUE_USERS, SQUEUE_PARTITION, SQUEUE_NAMES,
// SCANCEL_PARTITION, ...: a job of the study hidden from squeue --name was submitted again, and
// the trial ran twice) or change what scancel does (SCANCEL_BATCH, SCANCEL_INTERACTIVE); and with
// Slurm's standard times (SLURM_TIME_FORMAT=standard), the only ones StartTime and EndTime are
// read in. sbatch keeps the whole environment: it passes it on to the job, and SBATCH_* are a
// site's defaults.
std::vector<std::string> QueryEnvironment(const std::vector<std::string>& environment) {
  std::vector<std::string> kept;
  kept.reserve(environment.size() + 1);
  for (const std::string& variable : environment) {
    if (variable.starts_with("SQUEUE_") || variable.starts_with("SCANCEL_") ||
        variable.starts_with("SLURM_TIME_FORMAT=")) {
      continue;
    }
    kept.push_back(variable);
  }
  kept.push_back("SLURM_TIME_FORMAT=standard");
  return kept;
}

}  // namespace

std::string QuoteCommandLine(const std::vector<std::string>& args) {
  std::string line;
  for (const std::string& arg : args) {
    if (!line.empty()) line += ' ';
    if (!NeedsQuotes(arg)) {
      line += arg;
      continue;
    }
    line += '\'';
    for (char c : arg) {
      if (c == '\'') {
        line += "'\\''";
      } else {
        line += c;
      }
    }
    line += '\'';
  }
  return line;
}

SlurmCommandRunner::SlurmCommandRunner(std::vector<std::string> environment, double timeout_seconds,
                                       const std::filesystem::path& scratch_parent)
    : environment_(std::move(environment)), timeout_seconds_(timeout_seconds) {
  std::filesystem::path parent = scratch_parent;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  }
  std::string pattern = (parent / "bayestune-slurm-calls-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw Unavailable("cannot make a scratch folder for Slurm's commands in '" + parent.string() +
                      "': " + std::strerror(errno));
  }
  scratch_ = pattern;
}

SlurmCommandRunner::~SlurmCommandRunner() {
  std::error_code ignored;
  std::filesystem::remove_all(scratch_, ignored);
}

SlurmCommandOutput SlurmCommandRunner::Run(const std::string& program,
                                           const std::vector<std::string>& args) {
  SlurmCommandOutput output;
  std::vector<std::string> argv{program};
  argv.insert(argv.end(), args.begin(), args.end());
  output.command_line = QuoteCommandLine(argv);

  const std::string path = SearchPath(environment_);
  ProcessLaunch launch;
  try {
    launch.executable = ResolveExecutable(program, path);
  } catch (const InvalidArgument&) {
    throw Unavailable("'" + program + "' was not found in PATH (" + path +
                      "): Slurm's commands must be installed where bayestune runs (Debian: " +
                      PackageOf(program) + "), or PATH must name their folder");
  }
  launch.argv = argv;
  launch.environment = program == "sbatch" ? environment_ : QueryEnvironment(environment_);
  const std::string stem = std::to_string(++calls_);
  launch.stdout_path = scratch_ / (stem + ".out");
  launch.stderr_path = scratch_ / (stem + ".err");

  TrialProcess process;
  try {
    process = TrialProcess::Launch(launch);
  } catch (const LaunchError& e) {
    throw Unavailable(std::string(e.what()) + " (command: " + output.command_line + ")");
  }
  const bool ended = WaitWithTimeout(process, timeout_seconds_);
  if (!ended) {
    process.SignalGroup(SIGKILL);
    process.WaitExit();
  }
  output.out = ReadWholeFile(launch.stdout_path);
  output.err = ReadWholeFile(launch.stderr_path);
  std::error_code ignored;
  std::filesystem::remove(launch.stdout_path, ignored);
  std::filesystem::remove(launch.stderr_path, ignored);
  if (!ended) {
    std::ostringstream message;
    message << "'" << program << "' did not answer within " << timeout_seconds_
            << " s and was killed (is slurmctld reachable?) (command: " << output.command_line
            << ")";
    throw Unavailable(message.str());
  }
  output.exit = *process.exit();
  return output;
}

}  // namespace bayestune
