#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace bayestune {

// A process that a trial started, found by the environment the runner gave the trial (the
// variables a trainer passes on to everything it starts).
struct TrialProcessEntry {
  pid_t pid = 0;
  std::string command;      // its name, /proc/<pid>/comm ("python3")
  std::string study;        // BAYESTUNE_STUDY
  std::string runner;       // BAYESTUNE_RUNNER: the client id prefix of the runner that started it
  std::string trial;        // CLOUD_ML_TRIAL_ID
  std::string metric_file;  // CLOUD_ML_HP_METRIC_FILE

  // "pid 123 (python3)".
  std::string Describe() const;
};

// Every process of this user (of anyone, for root) other than this one whose environment holds
// exactly `entry` ("NAME=VALUE"). Reads /proc.
std::vector<TrialProcessEntry> FindProcessesWithEnvironmentEntry(const std::string& entry);

// The processes of trials of study `study` whose runner is gone (RunnerIdentity::Check): what a
// runner killed with its trials' keepers (kill -9 of every bayestune process, the OOM killer)
// left running. A runner's own trials normally die with it (TrialProcess). Trainers of Slurm jobs
// (BAYESTUNE_LAUNCHER=slurm) are never among them: they outlive their runner on purpose.
std::vector<TrialProcessEntry> FindLeftoverTrialProcesses(const std::string& study);

// Sends SIGKILL to each, then waits (up to `wait_seconds`) until each is gone or a zombie: a
// process killed is not gone at once (the kernel first frees its memory and closes its files, a
// GPU's among them), and the trial rerun next would otherwise start beside it. Returns the ones it
// reached; those still there after the wait (stuck in the kernel: state D) go to `still_running`.
std::vector<TrialProcessEntry> KillProcesses(
    const std::vector<TrialProcessEntry>& processes, double wait_seconds = 10,
    std::vector<TrialProcessEntry>* still_running = nullptr);

// "pid 12 (python3), pid 13 (sleep)".
std::string DescribeProcesses(const std::vector<TrialProcessEntry>& processes);

}  // namespace bayestune
