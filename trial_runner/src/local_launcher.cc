#include "local_launcher.h"

#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "leftover_processes.h"
#include "lock_folder.h"

namespace bayestune {
namespace {

int UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
}

// A trainer process tree of this machine.
class LocalTrial : public LaunchedTrial {
 public:
  LocalTrial(TrialProcess process, std::int64_t trial_id, std::filesystem::path metric_file,
             TrialLauncher::WarnFunction warn)
      : process_(std::move(process)),
        trial_id_(trial_id),
        metric_file_(std::move(metric_file)),
        warn_(std::move(warn)) {}

  pid_t pid() const override { return process_.pid(); }
  int exit_fd() const override { return process_.exit_fd(); }
  std::optional<TrialEnd> PollEnd() override {
    const pid_t keeper = process_.keeper_pid();
    auto exit = process_.PollExit();
    if (!exit) return std::nullopt;
    if (process_.keeper_lost()) KillEscaped(keeper);
    TrialEnd end;
    end.exit = *exit;
    end.killed = exit->signaled && exit->code == SIGKILL;
    return end;
  }
  void Terminate() override { process_.SignalGroup(SIGTERM); }
  void Kill() override { process_.SignalGroup(SIGKILL); }
  bool Suspend(bool suspended) override {
    process_.SignalGroup(suspended ? SIGSTOP : SIGCONT);
    return true;
  }
  bool ForceKill(std::string& what) override {
    const pid_t keeper = process_.keeper_pid();
    if (!process_.KillWithoutKeeper()) return false;
    what = "its keeper (pid " + std::to_string(keeper) +
           ", bayestune-trial) did not act on SIGKILL (it is stopped, or traced by a debugger); "
           "killed it and the trainer's process group directly";
    return true;
  }
  std::string Describe() const override { return "pid " + std::to_string(process_.pid()); }

 private:
  // The keeper was killed (by the trainer, kill -9, the OOM killer, ForceKill): what the trial
  // started outside the trainer's group (setsid) is below no keeper now, and would run on until
  // the study's next run found it by its environment. Found the same way at once, and killed.
  void KillEscaped(pid_t keeper) {
    std::vector<TrialProcessEntry> stuck;
    const auto killed = KillProcesses(
        FindProcessesWithEnvironmentEntry("CLOUD_ML_HP_METRIC_FILE=" + metric_file_.string()), 10,
        &stuck);
    if (killed.empty() || !warn_) return;
    warn_(trial_id_, "its keeper (pid " + std::to_string(keeper) +
                         ", bayestune-trial) was killed before the trainer's end, so what the "
                         "trial started outside the trainer's process group was left running; "
                         "killed " +
                         std::to_string(killed.size()) +
                         " process(es): " + DescribeProcesses(killed) +
                         (stuck.empty() ? std::string()
                                        : "; " + DescribeProcesses(stuck) +
                                              " did not end within 10 s of SIGKILL (state D: a "
                                              "GPU driver, a network file system)"));
  }

  TrialProcess process_;
  std::int64_t trial_id_;
  std::filesystem::path metric_file_;  // CLOUD_ML_HP_METRIC_FILE, which its processes carry
  TrialLauncher::WarnFunction warn_;
};

}  // namespace

LocalLauncher::LocalLauncher(std::string gpus_source, std::string lock_dir,
                             GpuDetectionOptions detection)
    : gpus_source_(std::move(gpus_source)),
      lock_dir_(std::move(lock_dir)),
      detection_(std::move(detection)) {}

void LocalLauncher::WarnAboutAbsentGpus(const std::vector<int>& gpus) const {
  // A GPU id of a list that this machine does not have reaches the trainer as its
  // CUDA_VISIBLE_DEVICES all the same; CUDA then finds no GPU and most trainers quietly train on
  // the CPU, while the run says "on GPU 5". Said once, at the start (detection may miss GPUs in
  // a container, so the list is still used).
  const DetectedGpus detected = DetectGpus(detection_);
  std::vector<std::string> absent;
  for (int id : gpus) {
    if (std::find(detected.ids.begin(), detected.ids.end(), id) == detected.ids.end())
      absent.push_back(std::to_string(id));
  }
  if (absent.empty()) return;
  std::string found;
  if (detected.ids.empty()) {
    for (const auto& note : detected.notes)
      found += (found.empty() ? "" : "; ") + note;
    found = "no GPU found (" + (found.empty() ? detected.source : found) + ")";
  } else {
    for (int id : detected.ids)
      found += (found.empty() ? "" : ", ") + std::to_string(id);
    found = "the GPUs found are " + found + " (" + detected.source + ")";
  }
  std::string listed;
  for (const auto& id : absent)
    listed += (listed.empty() ? "" : ", ") + id;
  const bool one = absent.size() == 1;
  warn_(std::nullopt, (one ? "GPU " : "GPUs ") + listed + " of " + gpus_source_ +
                          (one ? " is" : " are") + " not on this machine: " + found +
                          (one ? "; its trials get CUDA_VISIBLE_DEVICES=" + absent.front()
                               : std::string("; their trials get them as CUDA_VISIBLE_DEVICES")) +
                          " all the same, where CUDA may find no GPU and the trainer may run on "
                          "the CPU. Check the GPU ids (nvidia-smi -L)");
}

LauncherStart LocalLauncher::Start(const std::string& /*study*/, const RunnerSpec& runner,
                                   const StudySpec& spec, const std::filesystem::path& /*job_dir*/,
                                   const WarnFunction& warn) {
  warn_ = warn;
  LauncherStart start;
  RunnerStartedEvent& started = start.event;
  start.base_environment = CurrentEnvironment();
  if (runner.gpus) {
    started.gpus = *runner.gpus;
    started.gpu_source = gpus_source_;
    if (!started.gpus.empty() && runner.gpus_per_trial > 0) WarnAboutAbsentGpus(started.gpus);
  } else if (runner.gpus_per_trial > 0) {
    DetectedGpus detected = DetectGpus(detection_);
    started.gpus = detected.ids;
    started.gpu_source = detected.source;
    if (detected.ids.empty()) {
      std::string notes;
      for (const auto& note : detected.notes)
        notes += (notes.empty() ? "" : "; ") + note;
      warn_(std::nullopt, "no GPU found (" + (notes.empty() ? detected.source : notes) +
                              "); trials run on the CPU with CUDA_VISIBLE_DEVICES empty");
    }
  } else {
    started.gpu_source = "none (runner.gpusPerTrial is 0)";
  }
  const int cpus = UsableCpus();
  const int cpu_slots = runner.cpu_trials > 0 ? runner.cpu_trials : cpus;
  pool_ = std::make_unique<GpuPool>(started.gpus, runner.gpus_per_trial, runner.trials_per_gpu,
                                    cpu_slots);
  // Slots are claimed machine-wide, so that the runs and workers of this machine together stay
  // within trialsPerGpu per GPU and runner.cpuTrials CPU trials.
  claims_ = std::make_shared<SlotClaims>(
      lock_dir_.empty() ? LockFolder::DefaultPath() : std::filesystem::path(lock_dir_),
      pool_->cpu_only() ? cpu_slots : runner.trials_per_gpu);
  for (const std::string& resource : pool_->ClaimedResources())
    claims_->Check(resource);
  pool_->ShareWithOtherProcesses(claims_);
  max_running_ = std::max(1, std::min(spec.max_parallel_trials, pool_->Capacity()));
  if (max_running_ < spec.max_parallel_trials) {
    warn_(std::nullopt,
          "maxParallelTrials is " + std::to_string(spec.max_parallel_trials) + " but only " +
              std::to_string(max_running_) + " trial(s) fit at once (" +
              (pool_->cpu_only() ? "runner.cpuTrials " + std::to_string(cpu_slots) +
                                       (runner.cpu_trials > 0 ? "" : ", one per CPU") +
                                       ", for all the runs of this machine together)"
                                 : std::to_string(started.gpus.size()) + " GPU(s) x trialsPerGpu " +
                                       std::to_string(runner.trials_per_gpu) + " / gpusPerTrial " +
                                       std::to_string(runner.gpus_per_trial) + ")") +
              "; the other trials wait their turn" +
              (pool_->cpu_only() ? std::string(": raise runner.cpuTrials, or lower "
                                               "maxParallelTrials to say so")
                                 : std::string(": give more GPUs (--gpus), let small trials share "
                                               "one (runner.trialsPerGpu), or lower "
                                               "maxParallelTrials to say so")));
  }
  if (pool_->cpu_only() && !runner.env.count("OMP_NUM_THREADS") &&
      !EnvironmentValue(start.base_environment, "OMP_NUM_THREADS")) {
    // Each CPU trial gets its share of the CPUs, so that trials running at once do not each
    // start a thread per CPU (OpenMP, OpenBLAS, PyTorch and gpu_models honour it).
    started.cpu_threads = std::max(1, cpus / max_running_);
    start.base_environment.push_back("OMP_NUM_THREADS=" + std::to_string(started.cpu_threads));
  }
  started.cpu_only = pool_->cpu_only();
  if (started.cpu_only) started.gpus.clear();
  started.gpus_per_trial = started.cpu_only ? 0 : runner.gpus_per_trial;
  started.trials_per_gpu = runner.trials_per_gpu;
  started.max_running = max_running_;
  started.cpu_trials = cpu_slots;
  started.lock_dir = claims_->dir();
  start.max_running = max_running_;
  return start;
}

// Slot lock files that could not be used (planted after the start): those slots count as held.
void LocalLauncher::WarnOfSlotProblems() {
  for (const std::string& problem : claims_->TakeProblems())
    warn_(std::nullopt, problem + "; its slot counts as taken until then");
}

int LocalLauncher::FreeSlots(int running) {
  const int free = pool_->FreeSlots();
  WarnOfSlotProblems();
  const int at_once = running + free;
  if (running == 0) {
    if (free > 0) {
      waiting_for_gpus_ = false;
    } else if (!waiting_for_gpus_) {
      // Nothing of ours runs, the study is not finished, and other bayestune processes hold
      // every slot: said once; the runner looks again every second.
      waiting_for_gpus_ = true;
      warn_(std::nullopt, std::string(pool_->cpu_only() ? "every CPU trial slot (runner.cpuTrials)"
                                                        : "every GPU slot") +
                              " is held by other bayestune processes on this machine (claims in " +
                              claims_->dir().string() + "); waiting for one to free up");
    }
  } else if (at_once < max_running_ && !sharing_said_) {
    // Said once: the real figure, when other runs or workers of this machine hold slots.
    sharing_said_ = true;
    warn_(std::nullopt,
          "only " + std::to_string(at_once) + " of " + std::to_string(max_running_) +
              " trial(s) run at once for now: other bayestune processes on this "
              "machine hold the other " +
              (pool_->cpu_only() ? "CPU trial slots (runner.cpuTrials)" : "GPU slots") +
              " (claims in " + claims_->dir().string() + ")");
  }
  return free;
}

std::optional<std::vector<int>> LocalLauncher::Acquire() {
  return pool_->Acquire();
}

void LocalLauncher::Release(const std::vector<int>& gpus) {
  pool_->Release(gpus);
}

std::unique_ptr<LaunchedTrial> LocalLauncher::Launch(const TrialLaunchRequest& request) {
  const TrialCommand& command = request.command;
  return std::make_unique<LocalTrial>(
      TrialProcess::Launch({command.executable, command.argv, command.environment,
                            request.paths.stdout_log, request.paths.stderr_log}),
      request.trial.id, request.paths.metric_file, warn_);
}

}  // namespace bayestune
