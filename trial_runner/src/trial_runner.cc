#include "bayestune/trial_runner/trial_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>
#include <utility>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/parameter.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/trial_runner/slurm_launcher.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_process.h"
#include "file_system_space.h"
#include "leftover_processes.h"
#include "local_launcher.h"
#include "log_tail.h"
#include "regular_file.h"
#include "runner_identity.h"
#include "trial_folder_watcher.h"
#include "trial_metrics_feed.h"

namespace bayestune {
namespace {

// Counts Suggest calls across every run in this process, so that no two calls share a client id
// (a repeated id would get that call's trials back).
std::atomic<std::uint64_t> suggest_calls{0};

std::string Seconds(double seconds) {
  return FormatDouble(seconds) + " s";
}

// The last lines of the trial's stderr (else stdout), to append to a failure reason.
std::string LogExcerpt(const TrialPaths& paths, std::size_t lines) {
  for (const auto& log : {paths.stderr_log, paths.stdout_log}) {
    std::string tail = LogTail(log, lines);
    if (!tail.empty()) return "\nlast lines of " + log.string() + ":\n" + tail;
  }
  std::error_code error;
  if (!std::filesystem::exists(paths.stdout_log, error)) {
    return "\n(" + paths.stdout_log.string() + " and stderr.log are not there)";
  }
  return "\n(" + paths.stdout_log.string() + " and stderr.log are empty)";
}

// Claims a trial's folder (<jobDir>/trial-<n>, made if missing) while one of its attempts runs:
// an flock on the folder, which the kernel drops when this process ends, however it ends. A
// folder that another process claims is a running trial's of another run given the same job dir
// (a study of another name, or of the same name in another database): moving it aside as
// leftovers, as was done, left its trainer writing into this trial's new folder, and each study
// recorded the other's values as its own. Where the file system has no flock on folders (NFS
// emulating it with fcntl locks, which need a file open for writing), the folder is not claimed.
OwnedDescriptor ClaimTrialFolder(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) {
    throw LaunchError("cannot create the trial folder '" + folder.string() +
                      "': " + error.message());
  }
  OwnedDescriptor fd(open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    throw LaunchError("cannot open the trial folder '" + folder.string() +
                      "': " + std::strerror(errno));
  }
  int locked;
  do {
    locked = flock(fd.get(), LOCK_EX | LOCK_NB);
  } while (locked != 0 && errno == EINTR);
  if (locked != 0 && errno == EWOULDBLOCK) {
    throw LaunchError("the trial folder '" + folder.string() +
                      "' is in use by a trial that another bayestune run is running now: a "
                      "study of another name given the same job dir (runner.jobDir or "
                      "--job-dir), or one of the same name in another database of the same "
                      "folder (the default job dir is bayestune-jobs/<study> beside the "
                      "database), and the two would write into each other's trial folders; "
                      "give this run a job dir of its own (--job-dir)");
  }
  return fd;
}

// The launch error of a trial folder that another study, which still exists, wrote its owner
// into (TrialFolderOwner): moving it aside would move that study's finished trial away from the
// path its export, report and logs name, and its own run would then find this study's files there.
std::string FolderOfAnotherStudy(const std::filesystem::path& folder, const TrialFolderOwner& owner,
                                 std::int64_t trial_id) {
  return "the trial folder '" + folder.string() + "' holds trial " + std::to_string(trial_id) +
         " of the study '" + owner.study + "' of the database '" + owner.database + "' (its " +
         kTrialFolderOwnerFile +
         " says so), which is still there: the two studies have the same job dir (runner.jobDir or "
         "--job-dir, or the default bayestune-jobs/<study> beside the database, the same for "
         "studies of one name in two databases of one folder), and this run would move that "
         "study's trial folders aside; give this run a job dir of its own (--job-dir), or move "
         "that folder away if that study's trials are no longer wanted";
}

// The folder that ClaimTrialFolder claims for an attempt: the trial's, which holds every attempt's
// (<jobDir>/trial-<n>, for <jobDir>/trial-<n>/attempt-<k> too).
std::filesystem::path ClaimedFolder(const TrialPaths& paths, int attempt) {
  return attempt > 1 ? paths.dir.parent_path() : paths.dir;
}

// What a launch that failed left of the attempt's folder: its logs while empty, then the folder
// when nothing else is in it. True when the folder is gone or empty, so that the attempt, which
// never ran, can run again under its own number (in its own folder) rather than as the next one.
bool ClearUnlaunchedFolder(const TrialPaths& paths) {
  namespace fs = std::filesystem;
  std::error_code error;
  for (const fs::path& log : {paths.stdout_log, paths.stderr_log}) {
    if (fs::is_regular_file(log, error) && fs::file_size(log, error) == 0 && !error) {
      fs::remove(log, error);
    }
  }
  // The owner file the launch wrote into the trial's folder (an attempt 1's own), when nothing
  // else is there.
  if (HoldsOnlyTrialFolderOwner(paths.dir)) fs::remove(paths.dir / kTrialFolderOwnerFile, error);
  error.clear();
  if (fs::is_directory(paths.dir, error) && fs::is_empty(paths.dir, error) && !error) {
    fs::remove(paths.dir, error);
  }
  error.clear();
  const bool exists = fs::exists(paths.dir, error);
  return !error && (!exists || (fs::is_directory(paths.dir, error) &&
                                fs::is_empty(paths.dir, error) && !error));
}

struct RunningTrial {
  Trial trial;
  std::vector<int> gpus;
  TrialPaths paths;
  std::unique_ptr<LaunchedTrial> launched;
  bool ended = false;
  std::unique_ptr<TrialMetricsFeed> metrics;
  std::unique_ptr<TrialFolderWatcher> watcher;  // reads metrics on change (timer: the fallback)
  OwnedDescriptor folder_claim;                 // ClaimTrialFolder, while it runs
  // Re-attached to a job of a runner now gone: the (metric, step) it had recorded already, which
  // reading the trial's files from the start finds again.
  std::set<std::pair<std::string, std::int64_t>> recorded;
  double started = 0;
  // Since when it runs (LaunchedTrial::Started): runner.trialTimeoutSeconds counts from here, so
  // that a Slurm job's wait in the queue is not taken from its time. nullopt while it may still
  // wait in the queue.
  std::optional<double> running_since;
  // When it was started or submitted, for its run time (TrialFinishedEvent::run_seconds): for a
  // job re-attached to, its stored start (the gone runner's submission), not the re-attach.
  double submitted = 0;
  double next_metric_poll = 0;
  // A change in the trial's folder is read at once from this time on: a read (storing what it
  // found and asking the stopping rule) that took d seconds is followed by at least d seconds for
  // the other trials, so that a trainer writing a record every millisecond takes at most half of
  // the loop's time (its records are read in batches) while one writing every 20 ms is read as
  // soon as it writes.
  double change_read_after = 0;
  double next_stop_check = 0;
  int promoted_rung = -1;  // the highest ASHA rung the trial was said to be let past
  std::optional<TrialStopCause> stop_cause;
  double kill_at = 0;  // SIGKILL when the grace period after SIGTERM is over (0: not yet)
  bool sigkill_sent = false;
  double killed_at = 0;  // when Kill was first called (0: not yet), for ForceKill
  bool forced = false;   // ForceKill was tried
  bool killed_by_interrupt = false;
  bool abandoned = false;  // finished by another client: nothing more to record
  bool reattached = false;
  bool suspended = false;  // its trainer is stopped with the run (Ctrl-Z)
  // Seconds it was suspended that its stored start does not leave out yet (Study::ExcludePause):
  // recorded at its next service, on Run's thread with the study free (a Ctrl-Z may come while a
  // call on the study waits for its lock).
  double unrecorded_pause = 0;
  // Recorded (its job id) and announced (OnTrialStarted): at once, or for a Slurm trial whose
  // sbatch is tried again, once the launcher has submitted it (LaunchedTrial::Submitted).
  bool announced = false;
  std::vector<std::string> argv;            // for the announcement
  std::optional<std::string> queue_reason;  // waiting in the batch queue: why (Slurm's reason)
  // Its trainer wrote a measurement: the job runs, whatever the batch queue last said (squeue is
  // asked every few seconds; a trainer may report before it says RUNNING).
  bool reported = false;
  // Its end, collected while a call on the study waited for another process's lock
  // (TrialRunner::TurnWhileStudyWaits), and when on the runner's clock: Service records it once
  // the call has returned.
  std::optional<TrialEnd> held_end;
  double held_end_seen = 0;
  double end_seen = 0;  // when Service collected its end otherwise, on the runner's clock
  std::set<std::string> non_finite_warned;
  std::set<std::string> bad_tag_warned;
};

// The event files written since `since` (seconds since the epoch) in the folders where trainers
// write by default when not given one: ./runs (PyTorch's SummaryWriter()) and ./logs (Keras'
// TensorBoard callback), in the folder the trainer ran in, outside the study's job dir. A few
// levels deep and a bounded number of entries: a hint, not a search.
std::vector<std::filesystem::path> EventFilesOutside(const std::filesystem::path& job_dir,
                                                     double since) {
  namespace fs = std::filesystem;
  std::vector<fs::path> found;
  std::error_code error;
  const fs::path cwd = fs::current_path(error);
  if (error) return found;
  const fs::path jobs = fs::weakly_canonical(job_dir, error);
  int entries = 0;
  for (const char* folder : {"runs", "logs"}) {
    fs::recursive_directory_iterator it(cwd / folder, fs::directory_options::skip_permission_denied,
                                        error);
    for (; !error && it != fs::recursive_directory_iterator() && ++entries <= 2000 &&
           found.size() < 3;
         it.increment(error)) {
      const fs::path path = it->path();
      if (it.depth() >= 3) it.disable_recursion_pending();
      std::error_code ignored;  // an entry gone meanwhile: the next one
      if (it->is_directory(ignored)) {
        // The study's own trial folders are read already.
        if (!jobs.empty() && fs::weakly_canonical(path, ignored) == jobs) {
          it.disable_recursion_pending();
        }
        continue;
      }
      struct stat info {};
      if (path.filename().string().find("tfevents") == std::string::npos ||
          ::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
          static_cast<double>(info.st_mtim.tv_sec) + info.st_mtim.tv_nsec * 1e-9 < since) {
        continue;
      }
      found.push_back(path.lexically_relative(cwd));
    }
    error.clear();
  }
  return found;
}

// For a trial that reported no scalar at all: where bayestune looks, how the trainer is told (a
// plain Python trainer, without TensorFlow, PyTorch or cloudml-hypertune, appends JSON lines), and
// event files that went elsewhere meanwhile (a TF2 or PyTorch trainer writing to its own logdir).
std::string WhereToReport(const TrialPaths& paths, const std::filesystem::path& job_dir,
                          double since, const std::string& tag) {
  std::string text =
      "; bayestune reads the event files under the trial's --job-dir (" + paths.dir.string() +
      ") and the cloudml-hypertune file CLOUD_ML_HP_METRIC_FILE (" + paths.metric_file.string() +
      "): write the summaries there, such as tf.summary.create_file_writer(job_dir), "
      "tf.keras.callbacks.TensorBoard(log_dir=job_dir) or "
      "torch.utils.tensorboard.SummaryWriter(log_dir=job_dir), or append a JSON line a report "
      "to CLOUD_ML_HP_METRIC_FILE, such as " +
      "{" + nlohmann::json(tag).dump() + ": 0.5, \"global_step\": 1}" +
      "; the trainer's standard output is not read";
  const auto elsewhere = EventFilesOutside(job_dir, since);
  if (!elsewhere.empty()) {
    text += "; event files were written outside it while the trial ran: ";
    for (std::size_t i = 0; i < elsewhere.size(); ++i)
      text += (i == 0 ? "" : ", ") + elsewhere[i].string();
    text +=
        " (runs/ is where SummaryWriter() writes by default, logs/ Keras' TensorBoard "
        "callback)";
  }
  return text;
}

}  // namespace

// One Run: the state of the scheduling loop.
class TrialRunner::Loop {
 public:
  explicit Loop(TrialRunner& owner)
      : owner_(owner), study_(*owner.study_), options_(owner.options_) {
    clock_ = options_.clock ? options_.clock : std::make_shared<SteadyRunnerClock>();
  }

  RunResult Run();
  // TrialRunner::TurnWhileStudyWaits, on Run's thread from inside a call on the study.
  void TurnWithoutStudy(StudyWait why);

 private:
  void Prepare();
  // Requeues the trials whose runner is gone; says who holds the others when `say_who_holds`.
  // Returns how many it requeued.
  int RequeueTrialsOfGoneRunners(bool say_who_holds);
  bool Reattach(const Trial& trial);
  void ClaimAgain(RunningTrial& rt);
  std::unique_ptr<RunningTrial> NewRunningTrial(const Trial& trial, const TrialPaths& paths,
                                                std::unique_ptr<LaunchedTrial> launched);
  void HandleInterrupts();
  // A Ctrl-Z asked for since the last look (TrialRunner::RequestSuspend): suspends the trainers
  // and this process until continued.
  void SuspendIfAsked();
  void LaunchWhatFits();
  // Launches `suggested` on `gpus`, a slot Acquire gave (empty: a CPU slot or a Slurm job).
  void Launch(const Trial& suggested, std::vector<int> gpus);
  // Records the job id of a trial the launcher has now submitted and says it started; false when
  // the trial is no longer this runner's (then it is abandoned).
  bool Announce(RunningTrial& rt);
  // A trial whose attempt never reached the batch system (TrialEnd::launch_error): back in the
  // queue, and, unless it was stopped, the run ends as for a LaunchError.
  void FinishUnlaunched(RunningTrial& rt, const TrialEnd& end);
  void Wait();
  void Service(RunningTrial& rt, double now);
  double RunningSince(RunningTrial& rt, double now);
  void PollMetrics(RunningTrial& rt, bool may_stop);
  void CheckShouldStop(RunningTrial& rt, double now);
  void BeginStop(RunningTrial& rt, TrialStopCause cause, double now,
                 const std::string& reason = "");
  void Finish(RunningTrial& rt, const TrialEnd& end);
  bool RequeueIfUnwritable(RunningTrial& rt, const TrialEnd& end);
  // Puts a trial whose attempt ran (or was submitted) back in the queue, its files read and its
  // folder let go: its next attempt runs in a folder of its own.
  void PutBack(RunningTrial& rt, const std::string& reason);
  Trial Conclude(RunningTrial& rt, const TrialEnd& end);
  // Kill, remembering when (a trial still there force_kill_seconds later gets ForceKill).
  void KillTrial(RunningTrial& rt);
  void Abandon(RunningTrial& rt, const Error& error);
  bool Finished(RunResult& result);

  void Warn(std::optional<std::int64_t> trial_id, const std::string& message) {
    if (owner_.events_) owner_.events_->OnWarning(trial_id, message);
  }
  // How long a leftover process killed at start may take to be gone before the run goes on.
  static constexpr double kLeftoverExitSeconds = 10;
  // Leftover processes that SIGKILL did not end within kLeftoverExitSeconds.
  void WarnStuck(std::optional<std::int64_t> trial_id,
                 const std::vector<TrialProcessEntry>& stuck) {
    if (stuck.empty()) return;
    Warn(trial_id, DescribeProcesses(stuck) + " did not end within " +
                       FormatDouble(kLeftoverExitSeconds) +
                       " s of SIGKILL: stuck in the kernel (state D: a GPU driver, a network "
                       "file system), it may still hold its GPU and memory; see `ps -o pid,stat,"
                       "wchan -p <pid>`, or reboot if it never ends");
  }
  RunnerEvents* events() { return owner_.events_.get(); }
  double Now() { return clock_->Now(); }
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
  std::shared_ptr<TrialLauncher> launcher_;
  std::shared_ptr<RunnerClock> clock_;
  int max_running_ = 1;
  bool cpu_only_ = false;  // the launcher runs trials on the CPU (no GPU, or gpusPerTrial 0)
  RunnerIdentity identity_;
  std::vector<std::unique_ptr<RunningTrial>> running_;

  bool turning_without_study_ = false;  // inside TurnWithoutStudy (it is not reentered)
  bool stop_launching_ = false;
  bool suggestions_dry_ = false;  // the last Suggest gave nothing; asked again after a finish
  bool slot_taken_ = false;       // at this turn another process took a slot FreeSlots counted
  int interrupts_seen_ = 0;
  int suspends_seen_ = 0;
  int killed_ = 0;
  int killed_queued_ = 0;  // of killed_: Slurm jobs cancelled while they waited in the queue
  // Trials left to their Slurm jobs at a second interrupt, which could not reach Slurm to cancel
  // them (LaunchedTrial::LeftRunning): not recorded, for the next run to re-attach to.
  int left_running_ = 0;
  int running_at_interrupt_ = 0;  // the trials left running (not cancelled) at the first interrupt
  std::optional<std::string> launch_failure_;
  std::optional<std::string> run_stopped_;  // TrialEnd::stop_run: why nothing more is submitted
  std::optional<std::string> disk_full_;    // why a trial that failed could not write its files
  std::string disk_full_advice_;            // what to do about it: "free some space"
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

void TrialRunner::RequestSuspend() noexcept {
  suspends_.fetch_add(1);
  const char byte = 's';
  (void)!write(wake_write_fd_, &byte, 1);
}

RunResult TrialRunner::Run() {
  Loop loop(*this);
  struct Current {
    TrialRunner& runner;
    ~Current() { runner.loop_ = nullptr; }
  } current{*this};
  run_thread_ = std::this_thread::get_id();
  loop_ = &loop;
  return loop.Run();
}

void TrialRunner::TurnWhileStudyWaits(StudyWait why) {
  if (loop_ == nullptr || std::this_thread::get_id() != run_thread_) return;
  loop_->TurnWithoutStudy(why);
}

void TrialRunner::Loop::TurnWithoutStudy(StudyWait why) {
  if (turning_without_study_) return;
  turning_without_study_ = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{turning_without_study_};
  SuspendIfAsked();
  const double now = Now();
  const double timeout = options_.runner.trial_timeout_seconds;
  // The vector is not changed here (the call that waits may be iterating it), only its trials;
  // one that is being finished (ended) is the call's.
  for (auto& rt : running_) {
    if (rt->ended || rt->held_end) continue;
    // An end that shows on its descriptor (a local trial's pidfd): collected now, so that its
    // end time is now; a Slurm job's is collected when the call returns (its end time is
    // Slurm's).
    if (const int fd = rt->launched->exit_fd(); fd >= 0) {
      pollfd ready{fd, POLLIN, 0};
      if (poll(&ready, 1, 0) > 0) {
        if (auto end = rt->launched->PollEnd()) {
          if (!end->ended_at) end->ended_at = NowSeconds();
          rt->held_end = std::move(end);
          rt->held_end_seen = now;
          Warn(rt->trial.id,
               "its trainer " + rt->held_end->exit.Describe() +
                   (why == StudyWait::kDiskFull
                        ? " while the study's database could not be written (its disk is full); "
                          "it is recorded once there is space"
                        : " while the study's database was locked by another process; it is "
                          "recorded when the lock goes"));
          continue;
        }
      }
    }
    if (!rt->running_since && rt->launched->Started()) rt->running_since = RunningSince(*rt, now);
    if (rt->killed_by_interrupt || rt->abandoned) continue;
    if (timeout > 0 && !rt->stop_cause && rt->running_since &&
        now - *rt->running_since >= timeout) {
      BeginStop(*rt, TrialStopCause::kTimeout, now);
    }
    if (rt->kill_at > 0 && !rt->sigkill_sent && now >= rt->kill_at) {
      rt->sigkill_sent = true;
      KillTrial(*rt);
      if (events()) events()->OnTrialStopping({rt->trial.id, *rt->stop_cause, SIGKILL, ""});
    }
  }
}

RunResult TrialRunner::Loop::Run() {
  start_ = Now();
  Prepare();
  RequeueTrialsOfGoneRunners(/*say_who_holds=*/true);
  const auto finished = [&](RunResult& result) {
    if (!running_.empty() || !Finished(result)) return false;
    result.launched = result_.launched;
    result.finished = result_.finished;
    result.requeued = result_.requeued;
    result.progress = study_.Progress();
    result.seconds = Now() - start_;
    if (events()) events()->OnRunFinished(result);
    return true;
  };
  for (;;) {
    HandleInterrupts();
    RunResult result;
    // Before LaunchWhatFits too: a study whose last trial just ended has nothing to launch, and
    // looking for a free slot said "every slot is held by other bayestune processes; waiting for
    // one to free up" when another process had claimed the slot that trial freed.
    if (finished(result)) return result;
    LaunchWhatFits();
    if (finished(result)) return result;
    Wait();
    const double now = Now();
    launcher_->Refresh(now);
    for (auto& rt : running_)
      Service(*rt, now);
    std::erase_if(running_, [](const auto& rt) { return rt->ended; });
  }
}

void TrialRunner::Loop::Prepare() {
  study_name_ = study_.StudyName();
  spec_ = study_.Spec();
  const RunnerSpec& runner = options_.runner;
  std::string path_variable = SearchPath(CurrentEnvironment());
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

  launcher_ = options_.launcher;
  if (!launcher_) {
    if (runner.launcher == LauncherKind::kSlurm) {
      launcher_ = std::make_shared<SlurmLauncher>(options_.slurm);
    } else {
      launcher_ = std::make_shared<LocalLauncher>(options_.gpus_source, options_.gpu_lock_dir,
                                                  options_.gpu_detection);
    }
  }
  LauncherStart start =
      launcher_->Start(study_name_, runner, spec_, job_dir_,
                       [this](std::optional<std::int64_t> trial_id, const std::string& message) {
                         Warn(trial_id, message);
                       });
  max_running_ = start.max_running;
  cpu_only_ = start.event.cpu_only;
  base_environment_ = std::move(start.base_environment);
  for (const char* name : kReservedTrialEnvironment) {
    if (runner.env.count(name)) {
      Warn(std::nullopt,
           std::string("runner.env.") + name + " is ignored: the runner sets it for each trial");
    }
  }
  identity_ = RunnerIdentity::Current();

  RunnerStartedEvent& started = start.event;
  started.study = study_name_;
  started.client_id_prefix = identity_.ClientIdPrefix();
  started.job_dir = job_dir_;
  started.executable = executable_;
  started.launcher = runner.launcher;
  if (events()) events()->OnRunnerStarted(started);
}

int TrialRunner::Loop::RequeueTrialsOfGoneRunners(bool say_who_holds) {
  // What the trials of this study's dead runners left running (their keepers were killed with
  // them), whatever became of the trials since: it only holds GPUs and CPUs.
  // Each is gone once this returns (a trial rerun here starts on a GPU they no longer hold), but
  // for any stuck in the kernel, said apart.
  std::vector<TrialProcessEntry> stuck;
  const auto leftovers =
      KillProcesses(FindLeftoverTrialProcesses(study_name_), kLeftoverExitSeconds, &stuck);
  if (!leftovers.empty()) {
    std::string list;
    for (const auto& process : leftovers)
      list += (list.empty() ? "" : ", ") + process.Describe() + " of trial " + process.trial;
    Warn(std::nullopt, "killed " + std::to_string(leftovers.size()) + " process(es) of study '" +
                           study_name_ + "' left running by a runner that is gone: " + list);
  }
  WarnStuck(std::nullopt, stuck);
  std::map<std::string, std::vector<std::int64_t>> held_elsewhere;
  int requeued_now = 0;
  for (const Trial& t : study_.PendingTrials()) {
    const auto holder = RunnerIdentity::FromClientId(t.client_id);
    if (!holder || holder->Check() != RunnerIdentity::Liveness::kGone) {
      held_elsewhere[t.client_id.empty() ? "(no client id)" : t.client_id].push_back(t.id);
      continue;
    }
    // Under Slurm also without a stored job id: the runner may have died between sbatch and
    // storing the id, and the launcher finds such a job by its name and folder.
    if ((!t.CurrentJobId().empty() || options_.runner.launcher == LauncherKind::kSlurm) &&
        Reattach(t)) {
      continue;
    }
    const TrialPaths old = TrialPathsFor(job_dir_, t.id, t.attempt);
    stuck.clear();
    const auto killed = KillProcesses(
        FindProcessesWithEnvironmentEntry("CLOUD_ML_HP_METRIC_FILE=" + old.metric_file.string()),
        kLeftoverExitSeconds, &stuck);
    if (!killed.empty()) {
      Warn(t.id, "killed " + std::to_string(killed.size()) +
                     " process(es) left running by attempt " + std::to_string(t.attempt) +
                     " of trial " + std::to_string(t.id) + ": " + DescribeProcesses(killed));
    }
    WarnStuck(t.id, stuck);
    const std::string reason = "attempt " + std::to_string(t.attempt) +
                               " was interrupted: the runner running it (pid " +
                               std::to_string(holder->pid) + " on " + holder->host +
                               ") is gone; rerunning it with the same parameters";
    try {
      // Only while it is still that dead runner's attempt: another runner resuming the study at
      // the same time may have requeued and started it already.
      const Trial requeued = study_.Requeue(t.id, t.Owner(), reason, /*ran=*/true);
      ++result_.requeued;
      ++requeued_now;
      if (events()) events()->OnTrialRequeued(requeued, reason);
    } catch (const FailedPrecondition&) {
      // Finished, or requeued by someone else in the meantime: nothing to do.
    }
  }
  if (!say_who_holds) return requeued_now;
  for (const auto& [client, ids] : held_elsewhere) {
    std::string list;
    for (auto id : ids)
      list += (list.empty() ? "" : ", ") + std::to_string(id);
    // Who it is, as far as the client id tells: a user who started a second run of the study
    // learns that the first still runs, and that the two together run more trials at once.
    const auto holder = RunnerIdentity::FromClientId(client);
    std::string who;
    if (!holder) {
      who = "the gRPC client '" + client + "'";
    } else if (holder->Check() == RunnerIdentity::Liveness::kAlive) {
      who = "another bayestune run or worker on this machine (pid " + std::to_string(holder->pid) +
            ")";
    } else {
      who = "a bayestune run or worker on " + holder->host + " (pid " +
            std::to_string(holder->pid) + ")";
    }
    Warn(std::nullopt,
         who + " is running trial(s) " + list + " of study '" + study_name_ +
             "'; they are left to it. maxParallelTrials (" +
             std::to_string(spec_.max_parallel_trials) +
             ") holds for each run and worker, not for the study: this one starts up to " +
             std::to_string(spec_.max_parallel_trials) + " trials besides theirs");
  }
  return requeued_now;
}

// What a run says of a job that a runner now gone submitted without storing its id, found by its
// name and folder (or its exit_status.json).
namespace {
std::string FoundLostJob(const std::string& job, int attempt) {
  return "found Slurm job " + job + " of attempt " + std::to_string(attempt) +
         ", which the runner that is gone submitted but did not live to record; following it "
         "rather than running the trial again";
}
}  // namespace

// A trial whose current attempt a runner now gone ran as a Slurm job: a handle on the job while
// it is queued or running, or ended with a result to collect. false: requeue it.
bool TrialRunner::Loop::Reattach(const Trial& t) {
  const TrialPaths paths = TrialPathsFor(job_dir_, t.id, t.attempt);
  std::unique_ptr<LaunchedTrial> launched;
  try {
    launched = launcher_->Reattach(t, paths);
  } catch (const Error& e) {
    Warn(t.id, (t.CurrentJobId().empty()
                    ? "cannot look for a Slurm job of attempt " + std::to_string(t.attempt)
                    : "cannot look at Slurm job " + t.CurrentJobId()) +
                   " of trial " + std::to_string(t.id) + ": " + e.what() + "; rerunning the trial");
    return false;
  }
  if (!launched && t.CurrentJobId().empty()) return false;  // no job of it was found
  if (!launched) {
    Warn(t.id, "attempt " + std::to_string(t.attempt) + " of trial " + std::to_string(t.id) +
                   " ran as Slurm job " + t.CurrentJobId() + ", which this " +
                   std::string(LauncherKindName(options_.runner.launcher)) +
                   " launcher cannot follow; rerunning the trial (scancel " + t.CurrentJobId() +
                   " if it still runs)");
    return false;
  }
  // After the check above: a launcher without Slurm jobs (local) has no job to look at.
  if (!launched->Submitted()) {
    // Slurm cannot say yet whether the gone runner's sbatch made a job (the launcher said so, and
    // looks again): recorded and announced once found (Announce), back in the queue if none was.
    auto rt = NewRunningTrial(t, paths, std::move(launched));
    ClaimAgain(*rt);
    rt->reattached = true;
    if (t.start_time) rt->submitted = rt->started - std::max(0.0, NowSeconds() - *t.start_time);
    for (const Measurement& m : t.measurements) {
      if (m.attempt == t.attempt) rt->recorded.insert({m.metric, m.step});
    }
    running_.push_back(std::move(rt));
    return true;
  }
  Trial trial = t;
  if (t.CurrentJobId().empty()) {
    // A job the gone runner submitted but did not live to store: stored now, and said.
    const std::string job = launched->job_id();
    try {
      trial = study_.RecordJob(t.id, t.Owner(), job);
    } catch (const FailedPrecondition&) {
      launched->Kill();  // the trial moved on meanwhile: the job is no one's
      return true;
    }
    Warn(t.id, FoundLostJob(job, t.attempt));
  }
  auto rt = NewRunningTrial(trial, paths, std::move(launched));
  ClaimAgain(*rt);
  rt->reattached = true;
  rt->announced = true;
  if (t.start_time) rt->submitted = rt->started - std::max(0.0, NowSeconds() - *t.start_time);
  for (const Measurement& m : t.measurements) {
    if (m.attempt == t.attempt) rt->recorded.insert({m.metric, m.step});
  }
  if (events()) {
    TrialStartedEvent started;
    started.trial = rt->trial;
    started.job_id = rt->launched->job_id();
    started.reattached = true;
    started.paths = rt->paths;
    events()->OnTrialStarted(started);
  }
  running_.push_back(std::move(rt));
  if (t.state == TrialState::kStopping) {
    // Stopped early (by the rule, or a client) before the gone runner saw its job end: stopped
    // again here (a SIGTERM to a trainer still running; the launcher takes its signals for
    // bayestune's), and it ends as stopped, with its value. Until this change a job that had
    // ended of the gone runner's SIGTERM was recorded FAILED ("killed by signal 15"), and one
    // cancelled after the grace period was requeued as cancelled outside bayestune.
    BeginStop(*running_.back(), TrialStopCause::kEarlyStopping, Now(), "asked to stop");
  }
  return true;
}

// A re-attached trial's folder claimed again, as at its launch: the claim went with the runner
// that is gone, and a run of another study given the same job dir took the folder of this running
// job for leftovers and moved it aside, the job then writing into that run's trial. Not made when
// it is not there (removed while no runner watched: said when the job ends).
void TrialRunner::Loop::ClaimAgain(RunningTrial& rt) {
  const std::filesystem::path folder = ClaimedFolder(rt.paths, rt.trial.attempt);
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) return;
  try {
    rt.folder_claim = ClaimTrialFolder(folder);
  } catch (const LaunchError& e) {
    Warn(rt.trial.id, std::string(e.what()) + "; what the Slurm job of trial " +
                          std::to_string(rt.trial.id) + " writes there may mix with that run's");
  }
}

std::unique_ptr<RunningTrial> TrialRunner::Loop::NewRunningTrial(
    const Trial& trial, const TrialPaths& paths, std::unique_ptr<LaunchedTrial> launched) {
  auto rt = std::make_unique<RunningTrial>();
  rt->trial = trial;
  rt->paths = paths;
  rt->launched = std::move(launched);
  const double now = Now();
  rt->started = now;
  rt->submitted = now;
  if (rt->launched->Started()) rt->running_since = now;  // a local trial: from its start
  rt->next_metric_poll = now + MetricPollSeconds();
  rt->next_stop_check = now + std::max(0.01, options_.stop_check_seconds);
  rt->metrics = std::make_unique<TrialMetricsFeed>(rt->paths, spec_);
  rt->watcher = std::make_unique<TrialFolderWatcher>(rt->paths.dir);
  return rt;
}

void TrialRunner::Loop::HandleInterrupts() {
  char buffer[64];
  while (read(owner_.wake_read_fd_, buffer, sizeof buffer) > 0) {
  }
  SuspendIfAsked();
  const int requested = owner_.interrupts_.load();
  // The trials said to run or wait in Slurm's queue: not one whose sbatch was still to be tried
  // again (never submitted, it goes back to the queue saying so).
  const auto announced = [&] {
    return static_cast<int>(std::count_if(running_.begin(), running_.end(),
                                          [](const auto& rt) { return rt->announced; }));
  };
  if (requested >= 1 && interrupts_seen_ < 1) {
    interrupts_seen_ = 1;
    stop_launching_ = true;
    // A job still in Slurm's queue may wait for ever (no node has what it asks for): cancelled,
    // its trial requeued (it never ran: nothing is lost). The running ones are waited for.
    for (auto& rt : running_) {
      // A trial whose sbatch is still to be tried again is not submitted any more.
      if ((rt->queue_reason || !rt->announced) && !rt->killed_by_interrupt &&
          rt->launched->CancelIfQueued()) {
        rt->killed_by_interrupt = true;
      }
      if (!rt->killed_by_interrupt) ++running_at_interrupt_;
    }
    if (events()) {
      events()->OnInterruptRequested(InterruptLevel::kStopLaunching, announced(),
                                     owner_.interrupt_signal_.load());
    }
  }
  if (requested >= 2 && interrupts_seen_ < 2) {
    interrupts_seen_ = 2;
    if (events()) {
      events()->OnInterruptRequested(InterruptLevel::kKillRunning, announced(),
                                     owner_.interrupt_signal_.load());
    }
    for (auto& rt : running_) {
      rt->killed_by_interrupt = true;
      KillTrial(*rt);
      // Its job could not be cancelled (slurmctld down): waiting for Slurm to answer could be
      // for ever (until this change the run waited, up to 10 minutes for a job whose id was
      // lost, for ever for one whose scancel failed). Left as a runner that died leaves it.
      if (std::optional<std::string> left = rt->launched->LeftRunning()) {
        rt->ended = true;
        ++left_running_;
        launcher_->Release(rt->gpus);
        Warn(rt->trial.id, *left + "; trial " + std::to_string(rt->trial.id) +
                               " is left to it as it is (attempt " +
                               std::to_string(rt->trial.attempt) + ", not rerun)");
      }
    }
    // Not serviced any more: nothing of them is recorded.
    std::erase_if(running_, [](const auto& rt) { return rt->ended; });
  }
}

// A terminal's Ctrl-Z reaches bayestune only (the trainers have process groups of their own, so
// that Ctrl-C does not reach them): without this the trainers trained on, holding their GPUs,
// while the run was stopped, and once it went on every trial past its trialTimeoutSeconds by
// the pause was stopped at once.
void TrialRunner::Loop::SuspendIfAsked() {
  const int requested = owner_.suspends_.load();
  if (requested <= suspends_seen_) return;
  suspends_seen_ = requested;
  int suspended = 0;
  int running_on = 0;  // Slurm jobs: not bayestune's to pause
  for (auto& rt : running_) {
    if (rt->ended) continue;
    rt->suspended = rt->launched->Suspend(true);
    if (rt->suspended) {
      ++suspended;
    } else if (rt->announced) {
      ++running_on;
    }
  }
  if (events()) events()->OnSuspended(suspended, running_on);
  const double before = Now();
  kill(getpid(), SIGSTOP);
  const double paused = Now() - before;
  // A Ctrl-Z while stopped (a second SIGTSTP, then fg) is the same pause.
  suspends_seen_ = owner_.suspends_.load();
  for (auto& rt : running_) {
    // A job that ran on meanwhile (Slurm's): the pause was its time, for its timeout too.
    if (!std::exchange(rt->suspended, false)) continue;
    rt->launched->Suspend(false);
    // The pause is no time of the trial's: not for its timeout, its grace period after SIGTERM,
    // nor its run time.
    if (rt->running_since) *rt->running_since += paused;
    if (rt->kill_at > 0) rt->kill_at += paused;
    if (rt->killed_at > 0) rt->killed_at += paused;
    rt->submitted += paused;
    rt->unrecorded_pause += paused;
  }
  if (events()) events()->OnResumed(paused);
}

void TrialRunner::Loop::LaunchWhatFits() {
  slot_taken_ = false;
  if (stop_launching_ || suggestions_dry_) return;
  // While a trial's sbatch waits to be tried again (Slurm down, or a submit limit reached),
  // nothing new is submitted: another sbatch would fail the same way.
  for (const auto& rt : running_) {
    if (!rt->announced && !rt->ended) return;
  }
  const int room = max_running_ - static_cast<int>(running_.size());
  if (room <= 0) return;  // before FreeSlots, which looks at other processes' GPU claims
  const int free = launcher_->FreeSlots(static_cast<int>(running_.size()));
  const int wanted = std::min(room, free);
  if (wanted <= 0) return;
  // The slots are claimed before the trials are asked for: another bayestune process on this
  // machine may claim one since FreeSlots counted it, and a trial suggested for it was requeued
  // as its next attempt without ever running (`trial-1/attempt-2/`, "attempt 2" in `trials`, with
  // no reason left once it succeeded).
  std::vector<std::vector<int>> slots;
  while (static_cast<int>(slots.size()) < wanted) {
    std::optional<std::vector<int>> gpus = launcher_->Acquire();
    if (!gpus) {
      slot_taken_ = true;
      break;
    }
    slots.push_back(std::move(*gpus));
  }
  std::vector<bool> given(slots.size(), false);  // to a launch, which owns it from then on
  std::vector<Trial> trials;
  if (!slots.empty()) {
    try {
      trials = study_.Suggest(static_cast<int>(slots.size()), identity_.ClientId(++suggest_calls));
    } catch (...) {
      for (const auto& slot : slots)
        launcher_->Release(slot);
      throw;
    }
    if (trials.empty()) suggestions_dry_ = true;
  }
  for (std::size_t i = 0; i < trials.size(); ++i) {
    if (stop_launching_ || static_cast<int>(running_.size()) >= max_running_) {
      // Suggested to this runner but not started: put back for the next run.
      // A trial before it whose folder or logs could not be made for want of space or inodes
      // (Launch) stops the launches too: said as such, not "the run was asked to stop".
      const std::string reason =
          launch_failure_ ? "not started: trial " + std::to_string(launch_failed_trial_) +
                                " could not start the trainer"
          : disk_full_      ? "not started: trials cannot write their files: " + *disk_full_
          : stop_launching_ ? std::string("not started: the run was asked to stop")
                            : std::string("not started: no free slot");
      // Never launched: it keeps its attempt number (no folder was made for it).
      const Trial requeued = study_.Requeue(trials[i].id, trials[i].Owner(), reason, /*ran=*/false);
      ++result_.requeued;
      if (events()) events()->OnTrialRequeued(requeued, reason);
      continue;
    }
    Launch(trials[i], std::move(slots[i]));  // releases it itself when the launch fails
    given[i] = true;
  }
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (!given[i]) launcher_->Release(slots[i]);
  }
}

void TrialRunner::Loop::Launch(const Trial& suggested, std::vector<int> gpus) {
  TrialLaunchRequest request;
  request.gpus = std::move(gpus);
  request.gpus_wanted = options_.runner.gpus_per_trial;
  request.paths = TrialPathsFor(job_dir_, suggested.id, suggested.attempt);
  request.command = BuildTrialCommand(options_.runner, executable_, suggested, request.gpus,
                                      request.paths, base_environment_);
  SetEnvironmentValue(request.command.environment, "BAYESTUNE_STUDY", study_name_);
  SetEnvironmentValue(request.command.environment, "BAYESTUNE_RUNNER", identity_.ClientIdPrefix());
  try {
    // Suggest already set the start time; a CPU trial has no GPUs to record, so it saves a commit.
    request.trial = request.gpus.empty()
                        ? suggested
                        : study_.MarkStarted(suggested.id, suggested.Owner(), request.gpus);
  } catch (const FailedPrecondition& e) {
    launcher_->Release(request.gpus);
    Warn(suggested.id, std::string("not started: ") + e.what());
    return;
  }
  std::unique_ptr<LaunchedTrial> launched;
  OwnedDescriptor folder_claim;
  try {
    std::error_code error;
    // The trial's folder, which holds every attempt's: claimed before anything in it is moved.
    const std::filesystem::path trial_folder = ClaimedFolder(request.paths, suggested.attempt);
    folder_claim = ClaimTrialFolder(trial_folder);
    const TrialFolderOwner& ours = options_.folder_owner;
    const auto owner = ours.database.empty() ? std::nullopt : ReadTrialFolderOwner(trial_folder);
    if (owner && *owner != ours && !TrialFolderOwnerGone(*owner, ours)) {
      folder_claim = OwnedDescriptor();  // not this trial's: nothing in it is cleared up below
      throw LaunchError(FolderOfAnotherStudy(trial_folder, *owner, suggested.id));
    }
    // A folder of this trial's own that holds only its owner file (a launch that failed before
    // it ran left it) holds no leftovers.
    const bool only_ours = owner && *owner == ours && HoldsOnlyTrialFolderOwner(request.paths.dir);
    if (auto moved = only_ours ? std::nullopt : MoveAsideLeftovers(request.paths.dir)) {
      Warn(suggested.id, "its folder '" + request.paths.dir.string() +
                             "' already held files, not of this study (a study of the same name "
                             "in another or a deleted database?); moved them to '" +
                             moved->string() + "' so that they are not read as this trial's");
      if (request.paths.dir == trial_folder) {
        // The claim held is the moved folder's: let go first, so that a claim refused here (another
        // run made and claimed the folder meanwhile) leaves that run's folder alone below.
        folder_claim = OwnedDescriptor();
        folder_claim = ClaimTrialFolder(trial_folder);
      }
    }
    std::filesystem::create_directories(request.paths.dir, error);
    if (error) {
      throw LaunchError("cannot create the trial folder '" + request.paths.dir.string() +
                        "': " + error.message());
    }
    WriteTrialFolderOwner(trial_folder, ours);
    launched = launcher_->Launch(request);
  } catch (const LaunchError& e) {
    // A setup error (a missing #! interpreter, a trainer deleted since the start, a job dir that
    // cannot be written, Slurm refusing the job), not the trial's fault: it goes back to the
    // queue, nothing more is launched, and the run ends saying what to fix.
    launcher_->Release(request.gpus);
    stop_launching_ = true;
    // Its folder or logs could not be made for want of space or of inodes: said as the full
    // disk it is (a bare "No space left on device" on a disk that df shows with gigabytes free,
    // its inodes used up, sent users looking for space), with what to free. Said of the folder
    // that holds the attempt's, which the clean-up below leaves: `df -i` was told to look at the
    // attempt's folder, which it then removed (its inode, the last, freed with it).
    if (const auto file_system = FileSystemFullReason(request.paths.dir.parent_path())) {
      disk_full_ = file_system->reason;
      disk_full_advice_ = file_system->advice;
    } else {
      launch_failure_ = e.what();
      launch_failed_trial_ = suggested.id;
    }
    const std::string reason =
        std::string("not started: the trainer could not be started: ") + e.what();
    // The attempt never ran: it keeps its number (it was attempt 2 the next time, in
    // trial-<n>/attempt-2/), unless its folder holds something besides the empty logs. A folder
    // it could not claim is another run's running trial's, and one another study owns (its owner
    // file) that study's finished trial's: nothing in it is touched (its trainer's logs, still
    // empty, were removed).
    const bool ran = folder_claim.get() >= 0 && !ClearUnlaunchedFolder(request.paths);
    folder_claim = OwnedDescriptor();  // let go before it is back in the queue, as PutBack does
    const Trial requeued = study_.Requeue(suggested.id, suggested.Owner(), reason, ran);
    ++result_.requeued;
    if (events()) events()->OnTrialRequeued(requeued, reason);
    return;
  }
  auto rt = NewRunningTrial(request.trial, request.paths, std::move(launched));
  rt->folder_claim = std::move(folder_claim);
  rt->gpus = request.gpus;
  rt->argv = request.command.argv;
  running_.push_back(std::move(rt));
  // A Slurm trial whose sbatch could not reach Slurm yet is announced once it is submitted
  // (Service): until then the runner goes on serving the other trials.
  Announce(*running_.back());
}

bool TrialRunner::Loop::Announce(RunningTrial& rt) {
  if (rt.announced || !rt.launched->Submitted()) return true;
  rt.announced = true;
  if (!rt.reattached) ++result_.launched;
  if (const double now = Now(); !rt.reattached && now > rt.started) {
    // Submitted after sbatch was tried again: its time counts from the submission.
    rt.started = now;
    rt.submitted = now;
  }
  if (const std::string job = rt.launched->job_id(); !job.empty()) {
    // Stored before anything else, so that a runner started after this one dies finds the job.
    try {
      rt.trial = study_.RecordJob(rt.trial.id, rt.trial.Owner(), job);
    } catch (const FailedPrecondition& e) {
      Abandon(rt, e);
      return false;
    }
    if (rt.reattached) Warn(rt.trial.id, FoundLostJob(job, rt.trial.attempt));
  }
  if (events()) {
    TrialStartedEvent started;
    started.trial = rt.trial;
    started.reattached = rt.reattached;
    started.gpus = rt.gpus;
    started.pid = rt.launched->pid();
    started.job_id = rt.launched->job_id();
    started.paths = rt.paths;
    started.argv = rt.argv;
    events()->OnTrialStarted(started);
  }
  return true;
}

void TrialRunner::Loop::FinishUnlaunched(RunningTrial& rt, const TrialEnd& end) {
  launcher_->Release(rt.gpus);
  std::string reason = "not started: " + end.launch_error;
  if (!end.launch_stopped) {
    // Slurm refused the job, or did not take it for the time the launcher waits: a setup error,
    // as from Launch.
    launch_failure_ = end.launch_error;
    launch_failed_trial_ = rt.trial.id;
    stop_launching_ = true;
    reason = "not started: the trainer could not be started: " + end.launch_error;
  }
  // Its folder holds what the launcher wrote for it (a Slurm job's script): the next attempt.
  PutBack(rt, reason);
}

// Its folder is let go before the trial is back in the queue: a runner or worker of the study
// beside this one may take it at once, and found the folder still claimed (until this runner's
// next turn), ending as if another study's trial ran there.
void TrialRunner::Loop::PutBack(RunningTrial& rt, const std::string& reason) {
  rt.folder_claim = OwnedDescriptor();
  try {
    const Trial requeued = study_.Requeue(rt.trial.id, rt.trial.Owner(), reason, /*ran=*/true);
    ++result_.requeued;
    if (events()) events()->OnTrialRequeued(requeued, reason);
  } catch (const FailedPrecondition& e) {
    Warn(rt.trial.id, e.what());
  }
}

void TrialRunner::Loop::Wait() {
  std::vector<pollfd> fds{{owner_.wake_read_fd_, POLLIN, 0}};
  const double now = Now();
  if (running_.empty()) {
    // Unless a slot that FreeSlots counted was taken by another process at this turn: looking
    // again at once could spin while it holds it.
    if (!slot_taken_ && launcher_->FreeSlots(0) > 0) return;
    // Nothing of ours runs, the study is not finished, and other bayestune processes hold every
    // slot: look again in a second (an interrupt wakes it at once).
    clock_->Wait(fds, 1.0);
    return;
  }
  double until = now + 3600;
  bool polling_ends = false;
  const double timeout = options_.runner.trial_timeout_seconds;
  for (const auto& rt : running_) {
    // Only the deadlines Service still acts on: a stale one would make this a busy loop (as it
    // did during the grace period, when the stop checks are over).
    if (rt->held_end) until = now;  // collected during a wait for the database: record it
    const bool serviced = !rt->killed_by_interrupt && !rt->abandoned;
    if (serviced) until = std::min(until, rt->next_metric_poll);
    if (serviced && !rt->stop_cause) until = std::min(until, rt->next_stop_check);
    if (rt->kill_at > 0 && !rt->sigkill_sent) until = std::min(until, rt->kill_at);
    if (rt->killed_at > 0 && !rt->forced) {
      until = std::min(until, rt->killed_at + options_.force_kill_seconds);
    }
    if (timeout > 0 && !rt->stop_cause && rt->running_since) {
      until = std::min(until, *rt->running_since + timeout);
    }
    if (rt->watcher && rt->watcher->watching()) fds.push_back({rt->watcher->fd(), POLLIN, 0});
    if (rt->launched->exit_fd() >= 0) {
      fds.push_back({rt->launched->exit_fd(), POLLIN, 0});
    } else {
      polling_ends = true;  // no pidfd, or a Slurm job: look at the launcher's pace
    }
  }
  if (polling_ends) until = std::min(until, now + launcher_->PollSeconds());
  clock_->Wait(fds, std::max(0.0, until - now));
}

void TrialRunner::Loop::Service(RunningTrial& rt, double now) {
  if (!rt.abandoned && !Announce(rt)) return;
  if (rt.unrecorded_pause > 0 && !rt.abandoned) {
    // Its stored start and end would span the pause, which the run left out of its time: the
    // start moves later by it, so that `trials` and the export say the time the run said.
    try {
      const double pause = std::exchange(rt.unrecorded_pause, 0.0);
      rt.trial.start_time = study_.ExcludePause(rt.trial.id, rt.trial.Owner(), pause).start_time;
    } catch (const FailedPrecondition& e) {
      Abandon(rt, e);
    }
  }
  std::optional<TrialEnd> end =
      rt.held_end ? std::exchange(rt.held_end, std::nullopt) : rt.launched->PollEnd();
  if (end && !end->launch_error.empty()) {
    rt.ended = true;
    if (!rt.abandoned) FinishUnlaunched(rt, *end);
    return;
  }
  if (end) {
    // Its end is now, not when it is recorded: recording it may wait (the database's disk full)
    // with the call that records it.
    if (!end->ended_at) end->ended_at = NowSeconds();
    if (rt.held_end_seen == 0) rt.end_seen = Now();
    rt.ended = true;
    Finish(rt, *end);
    return;
  }
  if (auto queue_reason = rt.reported ? std::nullopt : rt.launched->QueueReason();
      queue_reason != rt.queue_reason) {
    rt.queue_reason = std::move(queue_reason);
    if (events()) events()->OnTrialQueueChanged(rt.trial.id, rt.queue_reason);
  }
  if (rt.killed_at > 0 && !rt.forced && now >= rt.killed_at + options_.force_kill_seconds) {
    rt.forced = true;
    if (std::string what; rt.launched->ForceKill(what)) {
      // The trial's number comes with the warning (RunnerEvents::OnWarning).
      Warn(rt.trial.id, "it did not end within " + Seconds(options_.force_kill_seconds) +
                            " of SIGKILL: " + what);
    }
  }
  if (!rt.running_since && rt.launched->Started()) rt.running_since = RunningSince(rt, now);
  if (rt.killed_by_interrupt || rt.abandoned) return;
  try {
    // A file of the trial changed: read its metrics now, not at the next tick (unless the last
    // read was so recent that reading again would crowd out the other trials: change_read_after).
    if (rt.watcher && rt.watcher->TakeChanges()) {
      rt.next_metric_poll = std::min(rt.next_metric_poll, rt.change_read_after);
    }
    if (Now() >= rt.next_metric_poll) {
      const double began = Now();
      PollMetrics(rt, true);
      const double ended = Now();
      rt.next_metric_poll = ended + MetricPollSeconds();
      rt.change_read_after = ended + (ended - began);
    }
    const double timeout = options_.runner.trial_timeout_seconds;
    if (timeout > 0 && !rt.stop_cause && rt.running_since && now - *rt.running_since >= timeout) {
      BeginStop(rt, TrialStopCause::kTimeout, now);
    }
    if (!rt.stop_cause && now >= rt.next_stop_check) CheckShouldStop(rt, now);
  } catch (const FailedPrecondition& e) {
    Abandon(rt, e);
  }
  if (rt.kill_at > 0 && !rt.sigkill_sent && now >= rt.kill_at) {
    rt.sigkill_sent = true;
    KillTrial(rt);
    if (events()) events()->OnTrialStopping({rt.trial.id, *rt.stop_cause, SIGKILL, ""});
  }
}

void TrialRunner::Loop::KillTrial(RunningTrial& rt) {
  rt.launched->Kill();
  if (rt.killed_at == 0) rt.killed_at = Now();
}

// When a trial the launcher now says runs began to run, on the runner's clock: the batch
// system's start (Slurm's StartTime) where it says it, else now (it was seen running at most one
// squeue interval after it began). Never before it was submitted (or, re-attached to, before the
// re-attach, when its submission is not known), never after now: the clocks of slurmctld and of
// this machine may differ.
double TrialRunner::Loop::RunningSince(RunningTrial& rt, double now) {
  const std::optional<double> start = rt.launched->JobStartTime();
  if (!start) return now;
  return std::clamp(now - (NowSeconds() - *start), std::min(rt.submitted, now), now);
}

void TrialRunner::Loop::Abandon(RunningTrial& rt, const Error& error) {
  rt.abandoned = true;
  KillTrial(rt);
  Warn(rt.trial.id, "trial " + std::to_string(rt.trial.id) + " is no longer this runner's; " +
                        rt.launched->Describe() + " was killed (" + error.what() + ")");
}

void TrialRunner::Loop::PollMetrics(RunningTrial& rt, bool may_stop) {
  TrialMetricsFeed::Update update = rt.metrics->Poll();
  for (const auto& warning : update.warnings)
    Warn(rt.trial.id, warning);
  std::vector<Measurement> finite;
  bool new_objective = false;
  for (const Measurement& m : update.measurements) {
    if (rt.recorded.count({m.metric, m.step}) != 0) continue;  // re-attached: stored already
    if (std::string problem = MetricTagProblem(m.metric); !problem.empty()) {
      // No study can have such a tag as its objective, and a server refuses it: not recorded,
      // by run and worker alike.
      if (rt.bad_tag_warned.insert(m.metric).second) {
        Warn(rt.trial.id, "reported a scalar whose tag " + problem + "; it is not recorded");
      }
      continue;
    }
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
  // No longer waiting in the queue, for the interrupt's count and the requeue's reason too (the
  // progress view says it runs on these measurements).
  rt.reported = true;
  rt.queue_reason.reset();
  if (events()) events()->OnMeasurements(rt.trial.id, finite);
  if (may_stop && new_objective && spec_.enable_early_stopping && !rt.stop_cause) {
    CheckShouldStop(rt, Now());
  }
}

void TrialRunner::Loop::CheckShouldStop(RunningTrial& rt, double now) {
  rt.next_stop_check = now + std::max(0.01, options_.stop_check_seconds);
  const StopDecision decision = study_.ShouldStop(rt.trial.id, rt.trial.Owner());
  for (const RungPromotion& promotion : decision.promotions) {
    if (promotion.rung <= rt.promoted_rung) continue;  // said already
    rt.promoted_rung = promotion.rung;
    if (events()) {
      events()->OnTrialPromoted({rt.trial.id, promotion.rung, promotion.step, promotion.reason});
    }
  }
  // Not when it timed out meanwhile (while the call waited for the database's lock).
  if (decision.stop && !rt.stop_cause) {
    BeginStop(rt, TrialStopCause::kEarlyStopping, now, decision.reason);
  }
}

void TrialRunner::Loop::BeginStop(RunningTrial& rt, TrialStopCause cause, double now,
                                  const std::string& reason) {
  rt.stop_cause = cause;
  rt.kill_at = now + std::max(0.0, options_.runner.stop_grace_period_seconds);
  rt.launched->Terminate();
  if (events()) events()->OnTrialStopping({rt.trial.id, cause, SIGTERM, reason});
}

void TrialRunner::Loop::Finish(RunningTrial& rt, const TrialEnd& end) {
  launcher_->Release(rt.gpus);
  suggestions_dry_ = false;
  if (rt.abandoned) return;
  const bool killed_by_interrupt = rt.killed_by_interrupt && end.killed;
  if (killed_by_interrupt || !end.requeue_reason.empty()) {
    if (killed_by_interrupt) {
      ++killed_;
      if (rt.queue_reason) ++killed_queued_;
    }
    if (!end.stop_run.empty() && !run_stopped_) {
      run_stopped_ = end.stop_run;
      stop_launching_ = true;
      Warn(rt.trial.id, end.stop_run);
    }
    const std::string reason =
        !killed_by_interrupt ? end.requeue_reason
        : rt.queue_reason
            ? "Slurm job " + rt.launched->job_id() +
                  " was cancelled by an interrupt while it waited in Slurm's queue; the trial "
                  "runs when the study runs again"
            : "attempt " + std::to_string(rt.trial.attempt) +
                  " was killed by an interrupt; it reruns when the study runs again";
    try {
      PollMetrics(rt, false);
    } catch (const FailedPrecondition& e) {
      Warn(rt.trial.id, e.what());
      return;
    }
    PutBack(rt, reason);
    return;
  }
  TrialFinishedEvent finished;
  try {
    if (RequeueIfUnwritable(rt, end)) return;
    finished.trial = Conclude(rt, end);
  } catch (const FailedPrecondition& e) {
    Warn(rt.trial.id,
         "trial " + std::to_string(rt.trial.id) + " was finished by another client: " + e.what());
    return;
  }
  ++result_.finished;
  finished.exit = end.exit;
  // Until it ended, not until it was recorded (later, when it ended while the database was
  // locked).
  finished.run_seconds = (rt.held_end_seen > 0 ? rt.held_end_seen
                          : rt.end_seen > 0    ? rt.end_seen
                                               : Now()) -
                         rt.submitted;
  if (rt.reattached && end.ended_at && rt.held_end_seen == 0) {
    // A job that ended before this runner re-attached to it (or while it was not looking) ran
    // until Slurm's end, not until its collection.
    finished.run_seconds -= std::clamp(NowSeconds() - *end.ended_at, 0.0, finished.run_seconds);
  }
  finished.job_start_time = rt.launched->JobStartTime();
  finished.paths = rt.paths;
  if (events()) events()->OnTrialFinished(finished);
}

// A trial that ended without its value while its folder's file system is full failed for want
// of space (its metrics, even its stderr.log, could not be written), which is no fault of its
// parameters: it goes back to the queue, nothing more is launched, and the run ends saying what
// to free. Otherwise every trial would fail in turn, using up the study. The same for a trial
// whose folder was removed, moved or replaced while it ran (a clean-up of the job dir): its
// trainer failed writing there, and nothing more is launched, so that a trainer that removes its
// own folder does not go round requeued for ever.
bool TrialRunner::Loop::RequeueIfUnwritable(RunningTrial& rt, const TrialEnd& end) {
  if (rt.stop_cause) return false;  // stopped early or timed out: decided by the runner
  PollMetrics(rt, false);
  const bool has_value = end.exit.succeeded() && end.failure.empty() &&
                         rt.metrics->SelectObjective().measurement.has_value();
  if (has_value) return false;
  // SIGXFSZ: the trainer wrote past the file size limit it got from this process (ulimit -f),
  // which no trial's parameters can help either.
  std::optional<std::string> full;
  if (end.exit.signaled && end.exit.code == SIGXFSZ) {
    rlimit limit{};
    const bool known = getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
    full = "the file size limit (ulimit -f) is " +
           (known ? std::to_string(limit.rlim_cur) + " bytes" : std::string("set")) +
           ", which the trainer wrote past";
    disk_full_advice_ = "raise the file size limit (ulimit -f unlimited)";
  } else {
    if (const auto file_system = FileSystemFullReason(rt.paths.dir)) {
      full = file_system->reason;
      disk_full_advice_ = file_system->advice;
    } else if (std::error_code error; !std::filesystem::is_directory(rt.paths.dir, error)) {
      full = "the folder of trial " + std::to_string(rt.trial.id) + ", '" + rt.paths.dir.string() +
             "', was removed, moved or replaced while it ran (by another process, or the "
             "trainer itself)";
      disk_full_advice_ =
          "leave the trial folders (runner.jobDir, --job-dir) in place while the study runs";
    }
  }
  if (!full) return false;
  disk_full_ = *full;
  stop_launching_ = true;
  PutBack(rt, "attempt " + std::to_string(rt.trial.attempt) + " " + end.exit.Describe() +
                  " without its value while " + *full + "; it reruns when the study runs again");
  return true;
}

// Records how the trial ended: its state, value or reason.
Trial TrialRunner::Loop::Conclude(RunningTrial& rt, const TrialEnd& end) {
  const ProcessExit& exit = end.exit;
  PollMetrics(rt, false);
  const std::int64_t id = rt.trial.id;
  const TrialOwner owner = rt.trial.Owner();
  const std::size_t lines = options_.log_tail_lines;
  // A job that ended before this runner saw it end (re-attached to after it ended, or while the
  // runner waited for the database) ended at Slurm's EndTime, not at its collection.
  const std::optional<double> ended_at = end.ended_at;
  if (rt.stop_cause == TrialStopCause::kTimeout) {
    const double timeout = options_.runner.trial_timeout_seconds;
    std::string how = !end.stop_note.empty() ? end.stop_note
                      : rt.sigkill_sent      ? "it did not stop within " +
                                              Seconds(options_.runner.stop_grace_period_seconds) +
                                              " of SIGTERM and was killed with SIGKILL"
                                        : "it was stopped with SIGTERM and " + exit.Describe();
    return study_.Fail(id, owner,
                       "timed out after " + Seconds(timeout) + " (runner.trialTimeoutSeconds); " +
                           how + LogExcerpt(rt.paths, lines),
                       ended_at);
  }
  const TrialMetricsFeed::Objective objective = rt.metrics->SelectObjective();
  if (rt.stop_cause == TrialStopCause::kEarlyStopping) {
    // Stopped early: the trial keeps its last (or best) value, whatever the exit status.
    if (objective.measurement && std::isfinite(objective.measurement->value)) {
      return study_.Complete(id, owner, objective.measurement->value, objective.measurement->step,
                             ended_at);
    }
    return study_.Complete(id, owner, std::nullopt, std::nullopt, ended_at);
  }
  if (!end.failure.empty()) {
    return study_.Fail(id, owner, end.failure + LogExcerpt(rt.paths, lines), ended_at);
  }
  if (!exit.succeeded()) {
    return study_.Fail(id, owner, "the trainer " + exit.Describe() + LogExcerpt(rt.paths, lines),
                       ended_at);
  }
  if (!objective.measurement) {
    return study_.Fail(
        id, owner,
        "the trainer exited with status 0 without reporting the metric: " +
            objective.missing_reason +
            (objective.nothing_reported
                 ? WhereToReport(rt.paths, job_dir_, NowSeconds() - (Now() - rt.submitted) - 1.0,
                                 Objectives(spec_).front().metric_id)
                 : std::string()) +
            LogExcerpt(rt.paths, lines),
        ended_at);
  }
  const Measurement& m = *objective.measurement;
  if (!std::isfinite(m.value)) {
    return study_.MarkInfeasible(
        id, owner,
        "the objective '" + spec_.metric_tag + "' is " + FormatDouble(m.value) + " at step " +
            std::to_string(m.step) + " (" +
            std::string(MeasurementSelectionName(spec_.measurement_selection)) +
            "); a NaN or infinite objective makes the trial INFEASIBLE",
        ended_at);
  }
  // A multi-objective study: every objective must be reported (else FAILED) and finite (else
  // INFEASIBLE), each named in the reason.
  for (const TrialMetricsFeed::Objective& other : rt.metrics->SelectOtherObjectives()) {
    if (!other.measurement) {
      return study_.Fail(id, owner,
                         "the trainer exited with status 0 without reporting every metric of the "
                         "study: " +
                             other.missing_reason + LogExcerpt(rt.paths, lines),
                         ended_at);
    }
    if (!std::isfinite(other.measurement->value)) {
      return study_.MarkInfeasible(
          id, owner,
          "the objective '" + other.measurement->metric + "' is " +
              FormatDouble(other.measurement->value) + " at step " +
              std::to_string(other.measurement->step) + " (" +
              std::string(MeasurementSelectionName(spec_.measurement_selection)) +
              "); a NaN or infinite objective makes the trial INFEASIBLE",
          ended_at);
    }
  }
  return study_.Complete(id, owner, m.value, m.step, ended_at);
}

bool TrialRunner::Loop::Finished(RunResult& result) {
  if (launch_failure_) {
    result.outcome = RunOutcome::kLaunchFailed;
    result.message = "the trainer could not be started: " + *launch_failure_ +
                     ". No trial was used up: fix this and run the study again";
    return true;
  }
  if (run_stopped_) {
    result.outcome = RunOutcome::kLaunchFailed;
    result.message = *run_stopped_ +
                     ". No trial was used up: its trials are queued to run again when the study "
                     "runs again";
    return true;
  }
  if (disk_full_) {
    result.outcome = RunOutcome::kLaunchFailed;
    result.message = "trials cannot write their files: " + *disk_full_ +
                     ". The trials that failed for it are queued to run again; no trial was used "
                     "up: " +
                     disk_full_advice_ + " and run the study again";
    return true;
  }
  if (interrupts_seen_ >= 1) {
    // A job still in Slurm's queue was cancelled, not killed: it never ran. The first interrupt
    // cancels those, the second kills the running trials too.
    result.outcome =
        killed_ > 0 && interrupts_seen_ >= 2 ? RunOutcome::kKilled : RunOutcome::kInterrupted;
    const int running = killed_ - killed_queued_;
    const std::string queued = std::to_string(killed_queued_) + " waiting in Slurm's queue";
    result.message =
        killed_ == 0
            ? "interrupted: no new trial was started" +
                  std::string(running_at_interrupt_ > 0 ? " and the running ones finished" : "") +
                  "; run the study again to continue it"
        : interrupts_seen_ < 2
            ? "interrupted: no new trial was started" +
                  std::string(running_at_interrupt_ > 0 ? " and the running ones finished" : "") +
                  "; " + std::to_string(killed_queued_) +
                  " trial(s) waiting in Slurm's queue were cancelled and rerun when the study runs "
                  "again"
        : killed_queued_ == 0
            ? "interrupted: " + std::to_string(killed_) +
                  " running trial(s) were killed and rerun when the study runs again"
        : running == 0
            ? "interrupted: " + std::to_string(killed_queued_) +
                  " trial(s) waiting in Slurm's queue were cancelled and rerun when "
                  "the study runs again"
            : "interrupted: " + std::to_string(running) + " running trial(s) were killed and " +
                  queued + " cancelled; they rerun when the study runs again";
    if (left_running_ > 0) {
      const std::string left =
          std::to_string(left_running_) +
          " trial(s) whose Slurm jobs could not be cancelled (Slurm does not answer) are left to "
          "them: the next run of the study re-attaches to those jobs (scancel them once Slurm "
          "answers to end them)";
      result.message = killed_ == 0 ? "interrupted: no new trial was started; " + left
                                    : result.message + "; " + left;
    }
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
                     std::to_string(progress.succeeded) + " succeeded" +
                     StoppedEarlyNote(progress.stopped_early) + ", " +
                     std::to_string(progress.failed) + " failed, " +
                     std::to_string(progress.infeasible) + " infeasible)";
    return true;
  }
  if (suggestions_dry_) {
    // The runners that hold the rest may have died since this run started (or were dying then):
    // their trials run here rather than stay held by nobody.
    if (RequeueTrialsOfGoneRunners(/*say_who_holds=*/false) > 0) {
      suggestions_dry_ = false;
      return false;
    }
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
