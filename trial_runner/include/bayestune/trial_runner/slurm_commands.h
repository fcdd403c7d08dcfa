#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bayestune/trial_runner/slurm_command_runner.h"
#include "bayestune/trial_runner/slurm_job_request.h"
#include "bayestune/trial_runner/slurm_job_status.h"

namespace bayestune {

struct SlurmCommandsOptions {
  // The commands' whole environment (NAME=VALUE); sbatch passes it on to the jobs (its default
  // --export=ALL). Empty: this process's. SLURM_CONF in it picks the cluster.
  std::vector<std::string> environment;
  double timeout_seconds = 60;           // per command; past it the command is killed
  std::filesystem::path scratch_parent;  // for the captured output; empty: $TMPDIR, else /tmp
};

// How many times each command ran: the cost a launcher puts on slurmctld.
struct SlurmCallCounts {
  int sbatch = 0;
  int squeue = 0;
  int scontrol = 0;
  int scancel = 0;
  int total() const { return sbatch + squeue + scontrol + scancel; }
};

// Which processes of a job a signal reaches.
enum class SlurmSignalScope {
  // The batch step's own process (scancel --batch): bayestune's job program, which passes the
  // signal on to the trainer's process group, so that the trainer gets it exactly once.
  kBatchProcess,
  // Every process of the job (scancel --full): the trainer then also gets it directly.
  kAllProcesses,
};

// The limit of an account or QOS that Slurm names in sbatch's error (`said`) when it refuses a
// job under its accounting policy ("QOSMaxWallDurationPerJobLimit", "QOSMaxSubmitJobPerUserLimit",
// "AssocMaxCpuPerJobLimit"), or "" when it names none (Slurm before 22.05 did not). A limit on
// the number of jobs has "Submit" in its name and passes as jobs end; any other is the job's own
// size or time, which no wait changes.
std::string SlurmLimitOfRefusal(const std::string& said);

// A typed wrapper over Slurm's commands, each run without a shell. Errors name what Slurm said
// and the command line.
class SlurmCommands {
 public:
  explicit SlurmCommands(SlurmCommandsOptions options = {});

  // sbatch --parsable <options> <script>. Throws InvalidArgument when Slurm refuses the job for
  // what it asks (an unknown partition, account or QOS, a node configuration no node has, a bad
  // --time, a QOS or account limit on one job's size or time), Unavailable when Slurm cannot take
  // it now (slurmctld unreachable, a limit on the number of jobs),
  // or sbatch is missing; the message has sbatch's own words and the command line.
  SlurmJobId Submit(const SlurmJobRequest& request);

  // The state of each job, with one squeue call for all of them (finished jobs included while
  // slurmctld still holds them: MinJobAge, 300 s by default), then one `scontrol show job` for
  // each id squeue did not list. Every id asked about is in the result; those neither knows are
  // kUnknown with a reason saying so. Throws Unavailable when squeue fails (slurmctld down).
  std::map<SlurmJobId, SlurmJobStatus> Query(const std::vector<SlurmJobId>& ids);

  // The ids of the jobs named `job_name` whose working folder is `working_dir` that slurmctld
  // still holds (queued, running, or ended less than MinJobAge ago), oldest first, with one
  // squeue call: a job sbatch created although it failed to say so (its answer lost in a
  // timeout), or one a runner killed before storing its id. Throws Unavailable when squeue fails.
  std::vector<SlurmJobId> FindJobs(const std::string& job_name,
                                   const std::filesystem::path& working_dir);

  // scontrol show node <node> --oneliner: the node's state and, when it has one, why it is
  // drained or down ("IDLE+DRAIN: Prolog error"), as sinfo -R says it. "" when scontrol does not
  // know the node. Throws Unavailable when scontrol fails.
  std::string NodeState(const std::string& node);

  // scancel <id>: Slurm ends the job, pending or running (SIGTERM to all its processes, SIGKILL
  // after KillWait), and it ends CANCELLED. Returns false when scancel says the job had already
  // ended or is unknown; true otherwise, also when scancel says nothing about a job already
  // CANCELLED (Slurm 22.05 does not).
  bool Cancel(const SlurmJobId& id);
  // scancel --verbose --state=PENDING <id>: cancels the job only while it waits in the queue.
  // Returns false when it is not pending (it runs, or ended, or is unknown): nothing was done.
  // (scancel exits 0 saying nothing when its state filter leaves a running job out; only its
  // "Terminating job <id>" says it cancelled one.)
  bool CancelPending(const SlurmJobId& id);

  // scancel --state=RUNNING --signal=<signal> (--batch or --full) <id>: the job goes on; its
  // processes decide. Returns false when the job is not running (pending, ending, ended,
  // unknown): nothing was sent.
  bool Signal(const SlurmJobId& id, int signal,
              SlurmSignalScope scope = SlurmSignalScope::kBatchProcess);

  const SlurmCallCounts& calls() const { return calls_; }

 private:
  // False when scancel says the job is gone (ended, unknown, filtered out); `err`, when given,
  // gets what scancel said.
  bool RunScancel(const SlurmJobId& id, const std::vector<std::string>& args,
                  std::string* err = nullptr);

  SlurmCommandRunner runner_;
  SlurmCallCounts calls_;
};

}  // namespace bayestune
