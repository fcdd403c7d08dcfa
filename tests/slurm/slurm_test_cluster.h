#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/trial_runner/slurm_command_runner.h"
#include "bayestune/trial_runner/trial_process.h"

namespace bayestune::testing {

struct SlurmTestClusterOptions {
  int gpus = 4;                   // fake GPUs: character devices that Slurm hands out as gres/gpu
  int cpus = 8;                   // the node's CPUs (slurmd reports these, not the machine's)
  int min_job_age_seconds = 300;  // MinJobAge: how long slurmctld keeps a finished job
  int kill_wait_seconds = 5;      // KillWait: from SIGTERM to SIGKILL when a job is cancelled
  // MessageTimeout (0: Slurm's 10 s): also about how long sbatch, squeue and scancel try to
  // reach a slurmctld that is down before they fail (9 s with Slurm's default).
  int message_timeout_seconds = 0;
  // SchedulerParameters: batch_sched_delay=0 starts a job about 1 s after sbatch rather than 1 to
  // 3 s (Slurm's default delay is 3 s); "" leaves Slurm's defaults.
  std::string scheduler_parameters = "batch_sched_delay=0";
  double start_timeout_seconds = 60;
  // Not empty: slurmd, and so every job, sees an empty tmpfs at this folder (a mount namespace
  // of its own), as a compute node that does not share the folder with the machine that submits.
  std::filesystem::path node_private_dir;
  // Not empty: slurm.conf's Prolog, run by slurmd before each job (a failing one makes Slurm
  // cancel a job that may not be requeued, and drain the node: "Prolog error").
  std::filesystem::path prolog;
};

// A single-node Slurm cluster of its own, for tests: a munged with its own key, socket and files
// (the machine's /etc/munge is never touched), slurmctld and slurmd in the foreground under this
// process, with their own slurm.conf and gres.conf, free ports, and state, spool and log folders,
// all in a fresh folder /tmp/bayestune-slurm-test-XXXXXX (short, as munge's socket path must
// be). Commands reach it through SLURM_CONF (Environment()). The constructor returns once sinfo
// shows the node idle.
//
// Nothing outlives it: the daemons are TrialProcesses (their own process groups, SIGKILL if this
// process dies), and Stop() (the destructor calls it) kills them, then every process whose
// environment holds this cluster's SLURM_CONF (slurmstepd and the jobs, which Slurm starts in
// sessions of their own), and removes the folder. A cluster left by a test process that was
// killed outright is swept away by the next cluster's start.
class SlurmTestCluster {
 public:
  // Why no cluster can start here (not root; munge or Slurm not installed), or nullopt.
  static std::optional<std::string> WhyUnavailable();

  explicit SlurmTestCluster(SlurmTestClusterOptions options = {});
  ~SlurmTestCluster();
  SlurmTestCluster(const SlurmTestCluster&) = delete;
  SlurmTestCluster& operator=(const SlurmTestCluster&) = delete;

  // Kills everything the cluster started and removes its folder; idempotent.
  void Stop();

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path conf() const { return dir_ / "slurm.conf"; }
  const std::string& partition() const { return partition_; }
  const std::string& node() const { return node_; }
  int gpus() const { return options_.gpus; }
  // This process's environment with SLURM_CONF pointing at this cluster: for SlurmCommands, and
  // what sbatch passes on to the jobs.
  std::vector<std::string> Environment() const;
  // Seconds from the constructor's start to the node being idle.
  double start_seconds() const { return start_seconds_; }
  // munged, slurmctld, slurmd.
  std::vector<pid_t> DaemonPids() const;
  // Live processes (not zombies, not this one) whose environment holds this cluster's
  // SLURM_CONF: the daemons, slurmstepd, the jobs.
  std::vector<pid_t> ProcessesOfCluster() const;
  // The end of each daemon's log, for failure messages.
  std::string LogTails() const;
  // Runs a Slurm command (sinfo, scontrol, ...) against this cluster.
  SlurmCommandOutput Run(const std::string& program, const std::vector<std::string>& args);
  // Stops slurmctld (SIGTERM: it saves its state, as for a restart or an upgrade) and waits for
  // it to end; slurmd and the jobs go on, and sbatch, squeue and scancel fail until
  // StartController, which starts it again on the same ports and state (it recovers the jobs) and
  // returns once sinfo answers.
  void StopController();
  void StartController();

 private:
  void Start();
  TrialProcess LaunchDaemon(const std::string& name, std::vector<std::string> argv) const;
  void WriteConfig(int ctld_port, int slurmd_port) const;
  // true once the node is idle; false when a daemon died of a port taken meanwhile.
  bool WaitUntilIdle();

  SlurmTestClusterOptions options_;
  std::filesystem::path dir_;
  std::string node_;
  std::string partition_ = "bayestune";
  std::vector<TrialProcess> daemons_;  // munged, slurmctld, slurmd
  std::vector<std::string> daemon_names_;
  std::unique_ptr<SlurmCommandRunner> commands_;
  double start_seconds_ = 0;
  bool stopped_ = false;
};

}  // namespace bayestune::testing
