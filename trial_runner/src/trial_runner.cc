#include "bayestune/trial_runner/trial_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "bayestune/optimizer/errors.h"
#include "gpu_pool.h"
#include "leftover_processes.h"
#include "log_tail.h"
#include "runner_identity.h"
#include "trial_command.h"
#include "trial_process.h"
#include "trial_folder_watcher.h"
#include "trial_metrics_feed.h"

namespace bayestune {
namespace {

// The soonest a trial's metrics are read again after a change in its folder.
constexpr double kChangeReadSeconds = 0.02;

// Counts Suggest calls across every run in this process, so that no two calls share a client id
// (a repeated id would get that call's trials back).
std::atomic<std::uint64_t> suggest_calls{0};

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
}

std::string Seconds(double seconds) {
  return FormatDouble(seconds) + " s";
}

// The last lines of the trial's stderr (else stdout), to append to a failure reason.
std::string LogExcerpt(const TrialPaths& paths, std::size_t lines) {
  for (const auto& log : {paths.stderr_log, paths.stdout_log}) {
    std::string tail = LogTail(log, lines);
    if (!tail.empty()) return "\nlast lines of " + log.string() + ":\n" + tail;
  }
  return "\n(" + paths.stdout_log.string() + " and stderr.log are empty)";
}

struct RunningTrial {
  Trial trial;
  std::vector<int> gpus;
  TrialPaths paths;
  TrialProcess process;
  std::unique_ptr<TrialMetricsFeed> metrics;
  std::unique_ptr<TrialFolderWatcher> watcher;  // reads metrics on change (timer: the fallback)
  double started = 0;
  double next_metric_poll = 0;
  double next_stop_check = 0;
  std::optional<TrialStopCause> stop_cause;
  double kill_at = 0;  // SIGKILL when the grace period after SIGTERM is over (0: not yet)
  bool sigkill_sent = false;
  bool killed_by_interrupt = false;
  bool abandoned = false;  // finished by another client: nothing more to record
  std::set<std::string> non_finite_warned;
};

}  // namespace

// One Run: the state of the scheduling loop.
class TrialRunner::Loop {
 public:
  explicit Loop(TrialRunner& owner)
      : owner_(owner), study_(*owner.study_), options_(owner.options_) {}

  RunResult Run();

 private:
  void Prepare();
  void RequeueTrialsOfGoneRunners();
  void HandleInterrupts();
  void LaunchWhatFits();
  void Launch(const Trial& suggested);
  void Wait();
  void Service(RunningTrial& rt, double now);
  void PollMetrics(RunningTrial& rt, bool may_stop);
  void CheckShouldStop(RunningTrial& rt, double now);
  void BeginStop(RunningTrial& rt, TrialStopCause cause, double now,
                 const std::string& reason = "");
  void Finish(RunningTrial& rt, const ProcessExit& exit);
  Trial Conclude(RunningTrial& rt, const ProcessExit& exit);
  void Abandon(RunningTrial& rt, const Error& error);
  bool Finished(RunResult& result);

  void Warn(std::optional<std::int64_t> trial_id, const std::string& message) {
    if (owner_.events_) owner_.events_->OnWarning(trial_id, message);
  }
  // Slot lock files that could not be used (planted after the start): those slots count as held.
  void WarnOfSlotProblems() {
    for (const std::string& problem : claims_->TakeProblems())
      Warn(std::nullopt, problem + "; its slot counts as taken until then");
  }
  RunnerEvents* events() { return owner_.events_.get(); }
  double MetricPollSeconds() const { return std::max(0.01, options_.metric_poll_seconds); }

  TrialRunner& owner_;
  StudyConnection& study_;
  const TrialRunnerOptions& options_;
  double start_ = 0;
  std::string study_name_;
  StudySpec spec_;
  std::string executable_;
  std::filesystem::path job_dir_;
  std::vector<std::string> base_environment_;
  std::unique_ptr<GpuPool> pool_;
  std::shared_ptr<SlotClaims> claims_;
  int max_running_ = 1;
  RunnerIdentity identity_;
  std::vector<std::unique_ptr<RunningTrial>> running_;

  bool stop_launching_ = false;
  bool waiting_for_gpus_ = false;  // said once while every GPU slot is held elsewhere
  bool sharing_said_ = false;      // said once that other processes hold some of the slots
  bool suggestions_dry_ = false;   // the last Suggest gave nothing; asked again after a finish
  int interrupts_seen_ = 0;
  int killed_ = 0;
  std::optional<std::string> launch_failure_;
  std::int64_t launch_failed_trial_ = 0;
  RunResult result_;
};

TrialRunner::TrialRunner(std::shared_ptr<StudyConnection> study, TrialRunnerOptions options,
                         std::shared_ptr<RunnerEvents> events)
    : study_(std::move(study)), options_(std::move(options)), events_(std::move(events)) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot make the runner's pipe");
  }
  wake_read_fd_ = fds[0];
  wake_write_fd_ = fds[1];
}

TrialRunner::~TrialRunner() {
  close(wake_read_fd_);
  close(wake_write_fd_);
}

void TrialRunner::RequestInterrupt(int signal) noexcept {
  if (signal != 0) interrupt_signal_.store(signal);  // before the count, which the loop reads first
  interrupts_.fetch_add(1);
  const char byte = 'i';
  (void)!write(wake_write_fd_, &byte, 1);  // a full pipe already wakes the loop
}

RunResult TrialRunner::Run() {
  return Loop(*this).Run();
}

RunResult TrialRunner::Loop::Run() {
  start_ = SteadySeconds();
  Prepare();
  RequeueTrialsOfGoneRunners();
  for (;;) {
    HandleInterrupts();
    LaunchWhatFits();
    RunResult result;
    if (running_.empty() && Finished(result)) {
      result.launched = result_.launched;
      result.finished = result_.finished;
      result.requeued = result_.requeued;
      result.progress = study_.Progress();
      result.seconds = SteadySeconds() - start_;
      if (events()) events()->OnRunFinished(result);
      return result;
    }
    Wait();
    const double now = SteadySeconds();
    for (auto& rt : running_)
      Service(*rt, now);
    std::erase_if(running_, [](const auto& rt) { return !rt->process.running(); });
  }
}

void TrialRunner::Loop::Prepare() {
  study_name_ = study_.StudyName();
  spec_ = study_.Spec();
  const RunnerSpec& runner = options_.runner;
  base_environment_ = CurrentEnvironment();
  std::string path_variable = EnvironmentValue(base_environment_, "PATH").value_or("");
  if (auto it = runner.env.find("PATH"); it != runner.env.end()) path_variable = it->second;
  executable_ =
      ResolveExecutable(runner.command.empty() ? "" : runner.command.front(), path_variable);

  job_dir_ = runner.job_dir.empty() ? std::filesystem::path("bayestune-jobs") / study_name_
                                    : std::filesystem::path(runner.job_dir);
  std::error_code error;
  job_dir_ = std::filesystem::absolute(job_dir_, error);
  std::filesystem::create_directories(job_dir_, error);
  if (error) {
    throw InvalidArgument("runner.jobDir: cannot create '" + job_dir_.string() +
                          "': " + error.message() + "; give a folder you can write to");
  }

  RunnerStartedEvent started;
  if (runner.gpus) {
    started.gpus = *runner.gpus;
    started.gpu_source = options_.gpus_source;
  } else if (runner.gpus_per_trial > 0) {
    DetectedGpus detected = DetectGpus(options_.gpu_detection);
    started.gpus = detected.ids;
    started.gpu_source = detected.source;
    if (detected.ids.empty()) {
      std::string notes;
      for (const auto& note : detected.notes)
        notes += (notes.empty() ? "" : "; ") + note;
      Warn(std::nullopt, "no GPU found (" + (notes.empty() ? detected.source : notes) +
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
  claims_ = std::make_shared<SlotClaims>(options_.gpu_lock_dir.empty()
                                             ? LockFolder::DefaultPath()
                                             : std::filesystem::path(options_.gpu_lock_dir),
                                         pool_->cpu_only() ? cpu_slots : runner.trials_per_gpu);
  for (const std::string& resource : pool_->ClaimedResources())
    claims_->Check(resource);
  pool_->ShareWithOtherProcesses(claims_);
  max_running_ = std::max(1, std::min(spec_.max_parallel_trials, pool_->Capacity()));
  if (max_running_ < spec_.max_parallel_trials) {
    Warn(std::nullopt,
         "maxParallelTrials is " + std::to_string(spec_.max_parallel_trials) + " but only " +
             std::to_string(max_running_) + " trial(s) fit at once (" +
             (pool_->cpu_only() ? "runner.cpuTrials " + std::to_string(cpu_slots) +
                                      (runner.cpu_trials > 0 ? "" : ", one per CPU") +
                                      ", for all the runs of this machine together)"
                                : std::to_string(started.gpus.size()) + " GPU(s) x trialsPerGpu " +
                                      std::to_string(runner.trials_per_gpu) + " / gpusPerTrial " +
                                      std::to_string(runner.gpus_per_trial) + ")"));
  }
  if (pool_->cpu_only() && !runner.env.count("OMP_NUM_THREADS") &&
      !EnvironmentValue(base_environment_, "OMP_NUM_THREADS")) {
    // Each CPU trial gets its share of the CPUs, so that trials running at once do not each
    // start a thread per CPU (OpenMP, OpenBLAS, PyTorch and gpu_models honour it).
    started.cpu_threads = std::max(1, cpus / max_running_);
    base_environment_.push_back("OMP_NUM_THREADS=" + std::to_string(started.cpu_threads));
  }
  for (const char* name : kReservedTrialEnvironment) {
    if (runner.env.count(name)) {
      Warn(std::nullopt,
           std::string("runner.env.") + name + " is ignored: the runner sets it for each trial");
    }
  }
  identity_ = RunnerIdentity::Current();

  started.study = study_name_;
  started.client_id_prefix = identity_.ClientIdPrefix();
  started.job_dir = job_dir_;
  started.executable = executable_;
  started.cpu_only = pool_->cpu_only();
  if (started.cpu_only) started.gpus.clear();
  started.gpus_per_trial = started.cpu_only ? 0 : runner.gpus_per_trial;
  started.trials_per_gpu = runner.trials_per_gpu;
  started.max_running = max_running_;
  started.cpu_trials = cpu_slots;
  started.lock_dir = claims_->dir();
  if (events()) events()->OnRunnerStarted(started);
}

void TrialRunner::Loop::RequeueTrialsOfGoneRunners() {
  // What the trials of this study's dead runners left running (their keepers were killed with
  // them), whatever became of the trials since: it only holds GPUs and CPUs.
  const auto leftovers = KillProcesses(FindLeftoverTrialProcesses(study_name_));
  if (!leftovers.empty()) {
    std::string list;
    for (const auto& process : leftovers)
      list += (list.empty() ? "" : ", ") + process.Describe() + " of trial " + process.trial;
    Warn(std::nullopt, "killed " + std::to_string(leftovers.size()) + " process(es) of study '" +
                           study_name_ + "' left running by a runner that is gone: " + list);
  }
  std::map<std::string, std::vector<std::int64_t>> held_elsewhere;
  for (const Trial& t : study_.PendingTrials()) {
    const auto holder = RunnerIdentity::FromClientId(t.client_id);
    if (!holder || holder->Check() != RunnerIdentity::Liveness::kGone) {
      held_elsewhere[t.client_id.empty() ? "(no client id)" : t.client_id].push_back(t.id);
      continue;
    }
    const TrialPaths old = TrialPathsFor(job_dir_, t.id, t.attempt);
    const auto killed = KillProcesses(
        FindProcessesWithEnvironmentEntry("CLOUD_ML_HP_METRIC_FILE=" + old.metric_file.string()));
    if (!killed.empty()) {
      Warn(t.id, "killed " + std::to_string(killed.size()) +
                     " process(es) left running by attempt " + std::to_string(t.attempt) +
                     " of trial " + std::to_string(t.id) + ": " + DescribeProcesses(killed));
    }
    const std::string reason = "attempt " + std::to_string(t.attempt) +
                               " was interrupted: the runner running it (pid " +
                               std::to_string(holder->pid) + " on " + holder->host +
                               ") is gone; rerunning it with the same parameters";
    try {
      // Only while it is still that dead runner's attempt: another runner resuming the study at
      // the same time may have requeued and started it already.
      const Trial requeued = study_.Requeue(t.id, t.Owner(), reason);
      ++result_.requeued;
      if (events()) events()->OnTrialRequeued(requeued, reason);
    } catch (const FailedPrecondition&) {
      // Finished, or requeued by someone else in the meantime: nothing to do.
    }
  }
  for (const auto& [client, ids] : held_elsewhere) {
    std::string list;
    for (auto id : ids)
      list += (list.empty() ? "" : ", ") + std::to_string(id);
    Warn(std::nullopt, "trial(s) " + list + " are running for client " + client +
                           " (a live runner, another host or a gRPC client); left to it");
  }
}

void TrialRunner::Loop::HandleInterrupts() {
  char buffer[64];
  while (read(owner_.wake_read_fd_, buffer, sizeof buffer) > 0) {
  }
  const int requested = owner_.interrupts_.load();
  if (requested >= 1 && interrupts_seen_ < 1) {
    interrupts_seen_ = 1;
    stop_launching_ = true;
    if (events()) {
      events()->OnInterruptRequested(InterruptLevel::kStopLaunching,
                                     static_cast<int>(running_.size()),
                                     owner_.interrupt_signal_.load());
    }
  }
  if (requested >= 2 && interrupts_seen_ < 2) {
    interrupts_seen_ = 2;
    if (events()) {
      events()->OnInterruptRequested(InterruptLevel::kKillRunning,
                                     static_cast<int>(running_.size()),
                                     owner_.interrupt_signal_.load());
    }
    for (auto& rt : running_) {
      rt->killed_by_interrupt = true;
      rt->process.SignalGroup(SIGKILL);
    }
  }
}

void TrialRunner::Loop::LaunchWhatFits() {
  if (stop_launching_ || suggestions_dry_) return;
  const int room = max_running_ - static_cast<int>(running_.size());
  if (room <= 0) return;  // before FreeSlots, which looks at other processes' GPU claims
  const int free = pool_->FreeSlots();
  WarnOfSlotProblems();
  const int at_once = static_cast<int>(running_.size()) + free;
  if (at_once < max_running_ && !running_.empty() && !sharing_said_) {
    // Said once: the real figure, when other runs or workers of this machine hold slots.
    sharing_said_ = true;
    Warn(std::nullopt,
         "only " + std::to_string(at_once) + " of " + std::to_string(max_running_) +
             " trial(s) run at once for now: other bayestune processes on this "
             "machine hold the other " +
             (pool_->cpu_only() ? "CPU trial slots (runner.cpuTrials)" : "GPU slots") +
             " (claims in " + claims_->dir().string() + ")");
  }
  const int wanted = std::min(room, free);
  if (wanted <= 0) return;
  const std::vector<Trial> trials = study_.Suggest(wanted, identity_.ClientId(++suggest_calls));
  if (trials.empty()) suggestions_dry_ = true;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    if (launch_failure_ || static_cast<int>(running_.size()) >= max_running_) {
      // Suggested to this runner but not started: put back for the next run.
      const std::string reason = launch_failure_ ? "not started: trial " +
                                                       std::to_string(launch_failed_trial_) +
                                                       " could not start the trainer"
                                                 : std::string("not started: no free slot");
      const Trial requeued = study_.Requeue(trials[i].id, trials[i].Owner(), reason);
      ++result_.requeued;
      if (events()) events()->OnTrialRequeued(requeued, reason);
      continue;
    }
    Launch(trials[i]);
  }
}

void TrialRunner::Loop::Launch(const Trial& suggested) {
  auto rt = std::make_unique<RunningTrial>();
  std::optional<std::vector<int>> gpus = pool_->Acquire();
  if (!gpus) {
    // Another bayestune process on this machine claimed the slot since FreeSlots counted it.
    const std::string reason = std::string("not started: its ") +
                               (pool_->cpu_only() ? "CPU trial slot" : "GPU") +
                               " was taken by another bayestune process";
    const Trial requeued = study_.Requeue(suggested.id, suggested.Owner(), reason);
    ++result_.requeued;
    if (events()) events()->OnTrialRequeued(requeued, reason);
    return;
  }
  rt->gpus = std::move(*gpus);
  rt->paths = TrialPathsFor(job_dir_, suggested.id, suggested.attempt);
  TrialCommand command = BuildTrialCommand(options_.runner, executable_, suggested, rt->gpus,
                                           rt->paths, base_environment_);
  SetEnvironmentValue(command.environment, "BAYESTUNE_STUDY", study_name_);
  SetEnvironmentValue(command.environment, "BAYESTUNE_RUNNER", identity_.ClientIdPrefix());
  try {
    // Suggest already set the start time; a CPU trial has no GPUs to record, so it saves a commit.
    rt->trial = rt->gpus.empty() ? suggested
                                 : study_.MarkStarted(suggested.id, suggested.Owner(), rt->gpus);
  } catch (const FailedPrecondition& e) {
    pool_->Release(rt->gpus);
    Warn(suggested.id, std::string("not started: ") + e.what());
    return;
  }
  try {
    std::error_code error;
    if (auto moved = MoveAsideLeftovers(rt->paths.dir)) {
      Warn(suggested.id, "its folder '" + rt->paths.dir.string() +
                             "' already held files, not of this study (a study of the same name "
                             "in another or a deleted database?); moved them to '" +
                             moved->string() + "' so that they are not read as this trial's");
    }
    std::filesystem::create_directories(rt->paths.dir, error);
    if (error) {
      throw LaunchError("cannot create the trial folder '" + rt->paths.dir.string() +
                        "': " + error.message());
    }
    rt->process = TrialProcess::Launch({command.executable, command.argv, command.environment,
                                        rt->paths.stdout_log, rt->paths.stderr_log});
  } catch (const LaunchError& e) {
    // A setup error (a missing #! interpreter, a trainer deleted since the start, a job dir that
    // cannot be written), not the trial's fault: it goes back to the queue, nothing more is
    // launched, and the run ends saying what to fix.
    pool_->Release(rt->gpus);
    launch_failure_ = e.what();
    launch_failed_trial_ = suggested.id;
    stop_launching_ = true;
    const std::string reason =
        std::string("not started: the trainer could not be started: ") + e.what();
    const Trial requeued = study_.Requeue(suggested.id, suggested.Owner(), reason);
    ++result_.requeued;
    if (events()) events()->OnTrialRequeued(requeued, reason);
    return;
  }
  const double now = SteadySeconds();
  rt->started = now;
  rt->next_metric_poll = now + MetricPollSeconds();
  rt->next_stop_check = now + std::max(0.01, options_.stop_check_seconds);
  rt->metrics = std::make_unique<TrialMetricsFeed>(rt->paths, spec_);
  rt->watcher = std::make_unique<TrialFolderWatcher>(rt->paths.dir);
  ++result_.launched;
  if (events()) {
    TrialStartedEvent started;
    started.trial = rt->trial;
    started.gpus = rt->gpus;
    started.pid = rt->process.pid();
    started.paths = rt->paths;
    started.argv = command.argv;
    events()->OnTrialStarted(started);
  }
  running_.push_back(std::move(rt));
}

void TrialRunner::Loop::Wait() {
  if (running_.empty()) {
    const bool free = pool_->FreeSlots() > 0;
    WarnOfSlotProblems();
    if (free) return;
    // Nothing of ours runs, the study is not finished, and other bayestune processes hold every
    // slot: look again in a second (an interrupt wakes it at once).
    if (!waiting_for_gpus_) {
      waiting_for_gpus_ = true;
      Warn(std::nullopt, std::string(pool_->cpu_only() ? "every CPU trial slot (runner.cpuTrials)"
                                                       : "every GPU slot") +
                             " is held by other bayestune processes on this machine (claims in " +
                             claims_->dir().string() + "); waiting for one to free up");
    }
    pollfd wake{owner_.wake_read_fd_, POLLIN, 0};
    poll(&wake, 1, 1000);
    return;
  }
  waiting_for_gpus_ = false;
  const double now = SteadySeconds();
  double until = now + 3600;
  std::vector<pollfd> fds{{owner_.wake_read_fd_, POLLIN, 0}};
  bool polling_exits = false;
  const double timeout = options_.runner.trial_timeout_seconds;
  for (const auto& rt : running_) {
    until = std::min({until, rt->next_metric_poll, rt->next_stop_check});
    if (rt->kill_at > 0 && !rt->sigkill_sent) until = std::min(until, rt->kill_at);
    if (timeout > 0 && !rt->stop_cause) until = std::min(until, rt->started + timeout);
    if (rt->watcher && rt->watcher->watching()) fds.push_back({rt->watcher->fd(), POLLIN, 0});
    if (rt->process.exit_fd() >= 0) {
      fds.push_back({rt->process.exit_fd(), POLLIN, 0});
    } else {
      polling_exits = true;  // no pidfd: look every 10 ms
    }
  }
  if (polling_exits) until = std::min(until, now + 0.01);
  const int ms = static_cast<int>(std::ceil(std::max(0.0, until - now) * 1000));
  poll(fds.data(), fds.size(), ms);  // EINTR: just look again
}

void TrialRunner::Loop::Service(RunningTrial& rt, double now) {
  if (auto exit = rt.process.PollExit()) {
    Finish(rt, *exit);
    return;
  }
  if (rt.killed_by_interrupt || rt.abandoned) return;
  try {
    // A file of the trial changed: read its metrics now, not at the next tick.
    // (At most every kChangeReadSeconds, so that a chatty trainer does not flood the study.)
    if (rt.watcher && rt.watcher->TakeChanges()) {
      rt.next_metric_poll = std::min(
          rt.next_metric_poll, rt.next_metric_poll - MetricPollSeconds() + kChangeReadSeconds);
    }
    if (now >= rt.next_metric_poll) {
      PollMetrics(rt, true);
      rt.next_metric_poll = now + MetricPollSeconds();
    }
    const double timeout = options_.runner.trial_timeout_seconds;
    if (timeout > 0 && !rt.stop_cause && now - rt.started >= timeout) {
      BeginStop(rt, TrialStopCause::kTimeout, now);
    }
    if (!rt.stop_cause && now >= rt.next_stop_check) CheckShouldStop(rt, now);
  } catch (const FailedPrecondition& e) {
    Abandon(rt, e);
  }
  if (rt.kill_at > 0 && !rt.sigkill_sent && now >= rt.kill_at) {
    rt.sigkill_sent = true;
    rt.process.SignalGroup(SIGKILL);
    if (events()) events()->OnTrialStopping({rt.trial.id, *rt.stop_cause, SIGKILL, ""});
  }
}

void TrialRunner::Loop::Abandon(RunningTrial& rt, const Error& error) {
  rt.abandoned = true;
  rt.process.SignalGroup(SIGKILL);
  Warn(rt.trial.id, "trial " + std::to_string(rt.trial.id) +
                        " is no longer this runner's; its process was killed (" + error.what() +
                        ")");
}

void TrialRunner::Loop::PollMetrics(RunningTrial& rt, bool may_stop) {
  TrialMetricsFeed::Update update = rt.metrics->Poll();
  for (const auto& warning : update.warnings)
    Warn(rt.trial.id, warning);
  std::vector<Measurement> finite;
  bool new_objective = false;
  for (const Measurement& m : update.measurements) {
    if (!std::isfinite(m.value)) {
      if (rt.non_finite_warned.insert(m.metric).second) {
        Warn(rt.trial.id, "reported " + m.metric + " = " + FormatDouble(m.value) + " at step " +
                              std::to_string(m.step) +
                              "; non-finite values are not recorded as measurements");
      }
      continue;
    }
    new_objective = new_objective || m.metric == spec_.metric_tag;
    finite.push_back(m);
  }
  if (finite.empty()) return;
  study_.AddMeasurements(rt.trial.id, rt.trial.Owner(), finite);
  if (events()) events()->OnMeasurements(rt.trial.id, finite);
  if (may_stop && new_objective && spec_.enable_early_stopping && !rt.stop_cause) {
    CheckShouldStop(rt, SteadySeconds());
  }
}

void TrialRunner::Loop::CheckShouldStop(RunningTrial& rt, double now) {
  rt.next_stop_check = now + std::max(0.01, options_.stop_check_seconds);
  const StopDecision decision = study_.ShouldStop(rt.trial.id, rt.trial.Owner());
  if (decision.stop) BeginStop(rt, TrialStopCause::kEarlyStopping, now, decision.reason);
}

void TrialRunner::Loop::BeginStop(RunningTrial& rt, TrialStopCause cause, double now,
                                  const std::string& reason) {
  rt.stop_cause = cause;
  rt.kill_at = now + std::max(0.0, options_.runner.stop_grace_period_seconds);
  rt.process.SignalGroup(SIGTERM);
  if (events()) events()->OnTrialStopping({rt.trial.id, cause, SIGTERM, reason});
}

void TrialRunner::Loop::Finish(RunningTrial& rt, const ProcessExit& exit) {
  pool_->Release(rt.gpus);
  suggestions_dry_ = false;
  if (rt.abandoned) return;
  if (rt.killed_by_interrupt && exit.signaled && exit.code == SIGKILL) {
    ++killed_;
    const std::string reason = "attempt " + std::to_string(rt.trial.attempt) +
                               " was killed by an interrupt; it reruns when the study runs again";
    try {
      PollMetrics(rt, false);
      const Trial requeued = study_.Requeue(rt.trial.id, rt.trial.Owner(), reason);
      ++result_.requeued;
      if (events()) events()->OnTrialRequeued(requeued, reason);
    } catch (const FailedPrecondition& e) {
      Warn(rt.trial.id, e.what());
    }
    return;
  }
  TrialFinishedEvent finished;
  try {
    finished.trial = Conclude(rt, exit);
  } catch (const FailedPrecondition& e) {
    Warn(rt.trial.id,
         "trial " + std::to_string(rt.trial.id) + " was finished by another client: " + e.what());
    return;
  }
  ++result_.finished;
  finished.exit = exit;
  finished.run_seconds = SteadySeconds() - rt.started;
  finished.paths = rt.paths;
  if (events()) events()->OnTrialFinished(finished);
}

// Records how the trial ended: its state, value or reason.
Trial TrialRunner::Loop::Conclude(RunningTrial& rt, const ProcessExit& exit) {
  PollMetrics(rt, false);
  const std::int64_t id = rt.trial.id;
  const TrialOwner owner = rt.trial.Owner();
  const std::size_t lines = options_.log_tail_lines;
  if (rt.stop_cause == TrialStopCause::kTimeout) {
    const double timeout = options_.runner.trial_timeout_seconds;
    std::string how = rt.sigkill_sent ? "it did not stop within " +
                                            Seconds(options_.runner.stop_grace_period_seconds) +
                                            " of SIGTERM and was killed with SIGKILL"
                                      : "it was stopped with SIGTERM and " + exit.Describe();
    return study_.Fail(id, owner,
                       "timed out after " + Seconds(timeout) + " (runner.trialTimeoutSeconds); " +
                           how + LogExcerpt(rt.paths, lines));
  }
  const TrialMetricsFeed::Objective objective = rt.metrics->SelectObjective();
  if (rt.stop_cause == TrialStopCause::kEarlyStopping) {
    // Stopped early: the trial keeps its last (or best) value, whatever the exit status.
    if (objective.measurement && std::isfinite(objective.measurement->value)) {
      return study_.Complete(id, owner, objective.measurement->value, objective.measurement->step);
    }
    return study_.Complete(id, owner, std::nullopt, std::nullopt);
  }
  if (!exit.succeeded()) {
    return study_.Fail(id, owner, "the trainer " + exit.Describe() + LogExcerpt(rt.paths, lines));
  }
  if (!objective.measurement) {
    return study_.Fail(id, owner,
                       "the trainer exited with status 0 without reporting the metric: " +
                           objective.missing_reason);
  }
  const Measurement& m = *objective.measurement;
  if (!std::isfinite(m.value)) {
    return study_.MarkInfeasible(
        id, owner,
        "the objective '" + spec_.metric_tag + "' is " + FormatDouble(m.value) + " at step " +
            std::to_string(m.step) + " (" +
            std::string(MeasurementSelectionName(spec_.measurement_selection)) +
            "); a NaN or infinite objective makes the trial INFEASIBLE");
  }
  return study_.Complete(id, owner, m.value, m.step);
}

bool TrialRunner::Loop::Finished(RunResult& result) {
  if (launch_failure_) {
    result.outcome = RunOutcome::kLaunchFailed;
    result.message = "the trainer could not be started: " + *launch_failure_ +
                     ". No trial was used up: fix this and run the study again";
    return true;
  }
  if (interrupts_seen_ >= 1) {
    result.outcome = killed_ > 0 ? RunOutcome::kKilled : RunOutcome::kInterrupted;
    result.message = killed_ > 0 ? "interrupted: " + std::to_string(killed_) +
                                       " running trial(s) were killed and rerun when the study "
                                       "runs again"
                                 : "interrupted: no new trial was started and the running ones "
                                   "finished; run the study again to continue it";
    return true;
  }
  const StudyProgress progress = study_.Progress();
  if (progress.end == StudyEnd::kFailureLimit) {
    result.outcome = RunOutcome::kTooManyFailures;
    result.message = "study '" + study_name_ + "' stopped after " +
                     std::to_string(progress.failed) + " failed trials (the limit is " +
                     std::to_string(progress.failure_limit) + ", " + DescribeFailureLimit(spec_) +
                     "); see the failed trials' reasons. Fix the trainer, then run again with "
                     "--retry-failed to rerun the failed trials, or raise maxFailedTrials";
    return true;
  }
  if (progress.done()) {
    result.outcome = RunOutcome::kStudyDone;
    result.message = "study '" + study_name_ + "' is done: " + std::to_string(progress.finished()) +
                     (progress.finished() == 1 ? " trial" : " trials") + " finished (" +
                     std::to_string(progress.succeeded) + " succeeded, " +
                     std::to_string(progress.failed) + " failed, " +
                     std::to_string(progress.infeasible) + " infeasible)";
    return true;
  }
  if (suggestions_dry_) {
    result.outcome = RunOutcome::kNothingToRun;
    result.message = "no trial left to run here: " + std::to_string(progress.active) +
                     " trial(s) of study '" + study_name_ +
                     "' are held by other runners or clients";
    return true;
  }
  return false;
}

std::string_view RunOutcomeName(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kStudyDone:
      return "study done";
    case RunOutcome::kTooManyFailures:
      return "too many failures";
    case RunOutcome::kInterrupted:
      return "interrupted";
    case RunOutcome::kKilled:
      return "killed";
    case RunOutcome::kLaunchFailed:
      return "launch failed";
    case RunOutcome::kNothingToRun:
      return "nothing to run";
  }
  return "unknown";
}

}  // namespace bayestune
