#include "bayestune/trial_runner/slurm_launcher.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>

#include "bayestune/optimizer/errors.h"
#include "bayestune/trial_runner/slurm_job_request.h"
#include "filesystem_kind.h"
#include "log_tail.h"
#include "shell_word.h"
#include "slurm_job_exit_status.h"
#include "slurm_job_launch.h"
#include "text_format.h"

namespace bayestune {

namespace {
class SlurmTrial;
}  // namespace

struct SlurmLauncher::State {
  explicit State(SlurmCommandsOptions options) : slurm(std::move(options)) {}

  SlurmCommands slurm;
  TrialLauncher::WarnFunction warn;
  // The trials whose sbatch could not reach Slurm, tried again at Refresh when their wait is over
  // (SlurmLauncherOptions::submit_retry_seconds), so that the runner serves the other trials
  // meanwhile; and what a try needs.
  std::set<SlurmTrial*> submitting;
  std::vector<double> submit_retry_seconds;
  double submit_give_up_seconds = 600;
  RunnerSpec runner;
  std::set<SlurmJobId> followed;                // the jobs of trials not yet ended
  std::map<SlurmJobId, std::int64_t> trial_of;  // their trials
  std::map<SlurmJobId, SlurmJobStatus> status;  // what the latest squeue said of them
  // Jobs seen pending: since when (steady seconds), and the reasons said of each.
  std::map<SlurmJobId, double> pending_since;
  std::map<SlurmJobId, std::set<std::string>> pending_said;
  // By trial: its jobs that were cancelled outside bayestune in this run.
  std::map<std::int64_t, std::vector<SlurmJobId>> cancelled_outside;
  // Jobs whose scancel could not reach Slurm (slurmctld down or restarting): cancelled at the
  // first squeue that Slurm answers, so that a timeout, an early stop or a Ctrl-C asked during
  // the outage is not lost (the job would otherwise run to its own end).
  std::set<SlurmJobId> cancel_owed;
  double next_query = 0;         // steady seconds; 0: at the next Refresh
  bool slurm_down_said = false;  // squeue failing: said once until it works
};

namespace {

bool Executable(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error) && access(path.c_str(), X_OK) == 0;
}

// "PREEMPTED" from "PREEMPTED+" or "CANCELLED by 0".
std::string BaseState(const std::string& state) {
  return state.substr(0, state.find_first_of("+ "));
}

// A trial's jobs cancelled outside bayestune this many times in a run stop the run.
constexpr std::size_t kCancelsBeforeStop = 2;

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The job that the exit_status.json at `path` names; "" when there is none, or it is not
// bayestune-job's (the trainer can write there).
SlurmJobId ExitStatusJobId(const std::filesystem::path& path) {
  try {
    if (auto file = ReadSlurmJobExitStatus(path)) return file->job_id;
  } catch (const InvalidArgument&) {
  }
  return {};
}

// One trial attempt's Slurm job.
class SlurmTrial : public LaunchedTrial {
 public:
  // The job `id` of an attempt (submitted, or re-attached to), or, with `id` empty, an attempt
  // still to be submitted with `job` (TrySubmit).
  SlurmTrial(std::shared_ptr<SlurmLauncher::State> state, std::int64_t trial_id, SlurmJobId id,
             SlurmJobFiles files, int attempt, std::string time_limit, SlurmJobRequest job = {})
      : state_(std::move(state)),
        trial_id_(trial_id),
        files_(std::move(files)),
        attempt_(attempt),
        time_limit_(std::move(time_limit)),
        job_(std::move(job)) {
    if (!id.empty()) Follow(std::move(id));
  }
  ~SlurmTrial() override {
    state_->submitting.erase(this);
    if (id_.empty()) return;
    state_->followed.erase(id_);
    state_->trial_of.erase(id_);
    state_->status.erase(id_);
    state_->pending_since.erase(id_);
    state_->pending_said.erase(id_);
  }

  std::string job_id() const override { return id_; }
  bool Submitted() const override { return !id_.empty(); }
  // Not submitted, and its tries (or looks) go on.
  bool Waiting() const { return id_.empty() && !launch_error_ && vanished_.empty(); }

  // An attempt that a runner now gone sent to sbatch without storing a job id, while Slurm cannot
  // say whether that sbatch made a job (`why`: squeue's error): never submitted again from here;
  // looked for by its name and folder at each try (TrySubmit) until Slurm answers, and followed
  // once found (or once its exit_status.json names it). Until this change the trial was rerun as
  // its next attempt at once, and the job of this one ran on, followed by no one.
  void LookForLostJob(const std::string& why) {
    look_only_ = true;
    maybe_made_ = true;
    first_try_ = SteadySeconds();
    tries_ = 1;
    last_error_ = "attempt " + std::to_string(attempt_) +
                  " has no Slurm job id stored: the runner that is gone may have submitted it "
                  "although sbatch's answer was lost";
    const double wait =
        state_->submit_retry_seconds.empty() ? 2.0 : state_->submit_retry_seconds.front();
    next_try_ = first_try_ + wait;
    state_->submitting.insert(this);
    state_->warn(trial_id_, last_error_ + ", and Slurm cannot be asked now (" + why +
                                "): not run again; looking for job " + job_.job_name +
                                " in its folder again in " + FormatDuration(wait) +
                                ", and following it once Slurm answers");
  }

  // One sbatch for this attempt (`first`: from Launch; later ones from Refresh, when
  // next_try() has come). Returns why the attempt cannot be submitted (Slurm refused the job, or
  // has not taken it for submit_give_up_seconds), or nullopt: submitted (or a job that sbatch
  // made although it failed found), or to be tried again at next_try().
  std::optional<std::string> TrySubmit(bool first);
  double next_try() const { return next_try_; }
  std::int64_t trial_id() const { return trial_id_; }
  // Another attempt's sbatch waits to be tried again (`waiting`: Slurm did not take its job): this
  // one is not submitted now, since Slurm would not take it either, but with the next try after
  // that one's that gets through (Refresh), so that one sbatch, not one per trial, tries Slurm.
  void WaitBehind(const SlurmTrial& waiting) {
    first_try_ = SteadySeconds();
    next_try_ = waiting.next_try_;
    last_error_ = "not submitted yet: Slurm has not taken the job of trial " +
                  std::to_string(waiting.trial_id_) + " either";
    state_->submitting.insert(this);
    state_->warn(trial_id_, last_error_ + "; submitted once Slurm takes that one");
  }
  // Waits behind `waiting`, whose try at this Refresh did not get through either.
  void WaitAgainBehind(const SlurmTrial& waiting) {
    next_try_ = waiting.next_try_;
    state_->submitting.insert(this);
  }
  // Ends the tries of an attempt not yet submitted (`why`), as a launch error. A job that an
  // sbatch of it made although its answer was lost (and squeue did not show it then) is looked
  // for by its name and cancelled, so that no job is left running that nobody follows; where
  // Slurm cannot be asked, the warning says how.
  void EndSubmitting(const std::string& why, bool stopped) {
    state_->submitting.erase(this);
    launch_error_ = why;
    launch_stopped_ = stopped;
    if (!maybe_made_) return;  // every sbatch was refused outright: none made a job
    const std::string name = ShellWord(job_.job_name);
    try {
      for (const SlurmJobId& made : state_->slurm.FindJobs(job_.job_name, job_.working_dir)) {
        if (state_->slurm.Cancel(made)) {
          state_->warn(trial_id_, "cancelled Slurm job " + made + " (" + job_.job_name +
                                      "), which an sbatch of attempt " + std::to_string(attempt_) +
                                      " made although its answer was lost");
        }
      }
    } catch (const Error& e) {
      state_->warn(trial_id_, "an sbatch of attempt " + std::to_string(attempt_) +
                                  " may have made a job although its answer was lost, and Slurm "
                                  "cannot be asked now (" +
                                  e.what() + "): if `squeue --name=" + name +
                                  "` lists one, `scancel --name=" + name + "` cancels it");
    }
  }

  std::string Describe() const override {
    if (id_.empty())
      return "the Slurm job of attempt " + std::to_string(attempt_) + " (" + job_.job_name +
             "), not yet submitted";
    std::string text = "Slurm job " + id_;
    if (const auto it = state_->status.find(id_); it != state_->status.end()) {
      text += " (" + it->second.state +
              (it->second.reason.empty() || it->second.reason == "None"
                   ? ""
                   : ", reason " + it->second.reason) +
              ")";
    }
    return text;
  }

  std::optional<std::string> QueueReason() const override {
    const auto it = state_->status.find(id_);
    if (it == state_->status.end() || it->second.phase != SlurmJobPhase::kPending) {
      return std::nullopt;
    }
    return it->second.reason.empty() ? "None" : it->second.reason;
  }

  std::optional<double> JobStartTime() const override {
    const auto it = state_->status.find(id_);
    return it == state_->status.end() ? std::nullopt : it->second.start_time;
  }

  std::optional<TrialEnd> PollEnd() override {
    if (id_.empty() && !vanished_.empty()) {
      TrialEnd end;
      end.exit = ProcessExit{.signaled = true, .code = SIGKILL};
      end.requeue_reason = vanished_;
      return end;
    }
    if (id_.empty()) {
      if (!launch_error_) {
        // A job that an sbatch of this attempt made although its answer was lost, and that ended
        // while Slurm could not be asked: its exit_status.json names it. Followed; its end is
        // read at the next look, once the runner has recorded the job.
        // (A file not bayestune-job's: Slurm says which job it is once it answers.)
        if (maybe_made_) {
          if (const SlurmJobId made = ExitStatusJobId(files_.status); !made.empty()) {
            FollowFound(made, "; its exit_status.json names it", /*ended=*/true);
          }
        }
        return std::nullopt;
      }
      TrialEnd end;
      end.exit.code = 127;
      end.launch_error = *launch_error_;
      end.launch_stopped = launch_stopped_;
      return end;
    }
    // Slurm's word first, then the file: squeue ran before this look, so a job it saw ended
    // had written its exit_status.json (if ever) before this look.
    const SlurmJobStatus* status = nullptr;
    if (const auto it = state_->status.find(id_); it != state_->status.end()) {
      status = &it->second;
    }
    std::optional<SlurmJobExitStatus> file;
    try {
      file = ReadSlurmJobExitStatus(files_.status);
      file_problem_.clear();
    } catch (const InvalidArgument& e) {
      // Not bayestune-job's file (it writes it once, atomically, when the trainer ends): put
      // there by the trainer, or a FIFO or link in its place. Not the end: bayestune-job replaces
      // it when the trainer ends, and Slurm says when the job does.
      file_problem_ = e.what();
    }
    std::optional<TrialEnd> end = EndOf(status, file);
    if (end && !end->ended_at) {
      // Slurm's EndTime of the finished job, else the trainer's end as bayestune-job wrote it.
      if (status != nullptr && status->end_time) {
        end->ended_at = status->end_time;
      } else if (file && file->ended_at > 0) {
        end->ended_at = file->ended_at;
      }
    }
    return end;
  }

  bool Started() const override {
    if (id_.empty()) return false;
    const auto it = state_->status.find(id_);
    return it != state_->status.end() && it->second.phase != SlurmJobPhase::kPending;
  }

 private:
  // How the job ended, once it has: from Slurm's status (`status`, when squeue or scontrol said
  // it) and exit_status.json (`file`, when it could be read).
  std::optional<TrialEnd> EndOf(const SlurmJobStatus* status,
                                const std::optional<SlurmJobExitStatus>& file) {
    const bool slurm_says_ended = status != nullptr && (status->phase == SlurmJobPhase::kFinished ||
                                                        status->phase == SlurmJobPhase::kUnknown);
    if (!file_problem_.empty() && !slurm_says_ended) {
      if (!file_problem_said_) {
        file_problem_said_ = true;
        state_->warn(trial_id_, file_problem_ + "; following Slurm job " + id_ +
                                    " through squeue until it ends");
      }
      return std::nullopt;
    }
    if (file) {
      const bool ours = stop_requested_ || kill_requested_;
      if (file->signals_received.empty() || ours) return FromFile(*file);
      // Signalled by someone else (scancel, a time limit, a preemption): Slurm's final state
      // tells which.
      if (!slurm_says_ended) return std::nullopt;
      return FromOutside(*status, &*file);
    }
    if (!slurm_says_ended) return std::nullopt;
    if (kill_requested_ || stop_requested_) {
      TrialEnd end;
      end.exit = status->exit.value_or(ProcessExit{.signaled = true, .code = SIGKILL});
      end.killed = kill_requested_;
      end.stop_note = stop_note_;
      return end;
    }
    return FromOutside(*status, nullptr);
  }

 public:
  void Terminate() override {
    if (OweStop("stopped")) return;
    if (StopSubmitting("the trial was stopped")) return;
    stop_requested_ = true;
    const auto it = state_->status.find(id_);
    const bool pending = it != state_->status.end() && it->second.phase == SlurmJobPhase::kPending;
    try {
      if (!pending && state_->slurm.Signal(id_, SIGTERM)) return;
      // Not running (pending, or ended meanwhile): nothing ran or runs, cancel it.
      if (pending || it == state_->status.end()) {
        stop_note_ =
            "Slurm job " + id_ + " never started: it was PENDING" +
            (pending && !it->second.reason.empty() ? " (reason " + it->second.reason + ")" : "") +
            " and was cancelled";
      }
      state_->slurm.Cancel(id_);
    } catch (const Error& e) {
      state_->warn(std::nullopt, "could not stop Slurm job " + id_ + ": " + e.what());
    }
  }

  bool CancelIfQueued() override {
    if (id_.empty() && !launch_error_ && JobRan()) return false;  // it runs, its id unknown yet
    if (StopSubmitting("the run was asked to stop")) return true;
    try {
      if (!state_->slurm.CancelPending(id_)) return false;
    } catch (const Error& e) {
      state_->warn(std::nullopt, "could not cancel Slurm job " + id_ + ": " + e.what());
      return false;
    }
    kill_requested_ = true;
    return true;
  }

  void Kill() override {
    if (OweStop("killed")) return;
    if (StopSubmitting("the run was asked to stop")) return;
    kill_requested_ = true;
    try {
      state_->slurm.Cancel(id_);
      state_->cancel_owed.erase(id_);
    } catch (const Error& e) {
      cancel_error_ = e.what();
      if (state_->cancel_owed.insert(id_).second) {
        state_->warn(trial_id_, "could not cancel Slurm job " + id_ + ": " + e.what() +
                                    "; cancelling it as soon as Slurm answers again");
      }
    }
  }

  std::optional<std::string> LeftRunning() override {
    const std::string name = ShellWord(job_.job_name);
    if (!id_.empty()) {
      if (state_->cancel_owed.erase(id_) == 0) return std::nullopt;  // cancelled, or ended
      return "Slurm job " + id_ + " could not be cancelled (" + cancel_error_ +
             "): it may run on. `scancel " + id_ +
             "` cancels it once Slurm answers; else the next `bayestune run` of the study "
             "re-attaches to it and collects it";
    }
    if (!kill_requested_ || launch_error_ || !vanished_.empty() || !JobRan()) return std::nullopt;
    // Its job ran (Slurm opened its output here), but sbatch's answer was lost and Slurm has not
    // named it since: no more looks for it from this run.
    state_->submitting.erase(this);
    return "the Slurm job of attempt " + std::to_string(attempt_) + " (" + job_.job_name +
           ") ran, but sbatch's answer was lost and Slurm cannot be asked which job it is (" +
           last_error_ + "): it may run on. If `squeue --name=" + name +
           "` lists it, `scancel --name=" + name +
           "` cancels it; else the next `bayestune run` of the study finds it by its name and "
           "folder and collects it";
  }

 private:
  TrialEnd FromFile(const SlurmJobExitStatus& file) const {
    TrialEnd end;
    if (file.exit) {
      end.exit = *file.exit;
    } else {
      end.exit.code = 127;
      end.failure = "the trainer could not be started on " + file.host + " (Slurm job " + id_ +
                    "): " + file.launch_error;
    }
    end.killed = kill_requested_ && !end.exit.succeeded();
    return end;
  }

  // A job that ended for a reason of Slurm's or of someone else's.
  TrialEnd FromOutside(const SlurmJobStatus& status, const SlurmJobExitStatus* file) const {
    TrialEnd end;
    end.exit = file && file->exit
                   ? *file->exit
                   : status.exit.value_or(ProcessExit{.signaled = true, .code = SIGKILL});
    // A job whose batch script Slurm could not launch on its node has one of Slurm's error
    // numbers where a wait status would be (squeue's exit_code 4021 read as "killed by signal
    // 53"): said as Slurm says it, and counted as a trainer that could not be started.
    const bool launch_failed = status.reason == "JobLaunchFailure" && file == nullptr;
    if (launch_failed) end.exit = ProcessExit{.signaled = false, .code = 127};
    const std::string how = launch_failed
                                ? "Slurm could not launch its batch script there: JobLaunchFailure"
                                : end.exit.Describe();
    const std::string state = BaseState(status.state);
    const std::string rerun = "; rerunning the trial as attempt " + std::to_string(attempt_ + 1);
    if (status.phase == SlurmJobPhase::kUnknown && file != nullptr) {
      // Signalled from outside, and forgotten by Slurm before this runner looked (MinJobAge):
      // a scancel, a preemption or the time limit; Slurm no longer says which, and without
      // accounting nothing else does. Not the trial's fault as far as anyone can tell.
      std::string signals;
      for (const int signal : file->signals_received) {
        const char* name = sigabbrev_np(signal);
        signals += std::string(signals.empty() ? "" : ", ") +
                   (name != nullptr ? "SIG" + std::string(name) : std::to_string(signal));
      }
      end.requeue_reason =
          "Slurm job " + id_ + " is gone (" + status.reason + "); its exit_status.json says the " +
          "trainer " + (file->exit ? file->exit->Describe() : "never started") +
          " after a signal from outside bayestune (" + signals +
          ": a scancel, a preemption or Slurm's time limit; Slurm no longer says which)" + rerun;
    } else if (status.phase == SlurmJobPhase::kUnknown) {
      end.requeue_reason = "Slurm job " + id_ + " is gone (" + status.reason +
                           ") and left no exit_status.json" + rerun;
    } else if (const std::string log =
                   state == "CANCELLED" && file == nullptr ? LogTail(files_.log, 5) : std::string();
               log.find("Error running slurm prolog") != std::string::npos) {
      // Slurm's own cancel, not a scancel of someone's: the node's prolog failed before the batch
      // script ran (Slurm writes "Error running slurm prolog: <status>" in the job's output,
      // cancels a job that may not be requeued, --no-requeue, and drains the node). Not the
      // trial's fault, nor a wish to stop it: run again, on another node or once it is resumed.
      const auto at = log.find("Error running slurm prolog");
      const std::string said = log.substr(at, log.find('\n', at) - at);
      const std::string node = status.node.empty() ? "its node" : status.node;
      std::string node_state;
      if (!status.node.empty()) {
        try {
          node_state = state_->slurm.NodeState(status.node);
        } catch (const Error& e) {
          node_state = std::string("unknown: ") + e.what();
        }
      }
      end.requeue_reason = "Slurm job " + id_ + " was cancelled by Slurm on " + node +
                           ": the node's prolog failed before the job's script ran ('" + said +
                           "' in " + files_.log.string() + ")" +
                           (node_state.empty() ? ""
                                               : "; scontrol show node " + status.node + ": " +
                                                     node_state + " (sinfo -R says why)") +
                           rerun;
    } else if (state == "CANCELLED") {
      // Someone's scancel: an admin freeing a node (the trial deserves its run) or the user
      // wanting the trial gone. Rerun once; a trial cancelled again is taken as a wish to stop:
      // requeued all the same (no failure counted against its parameters), and the run submits
      // nothing more.
      std::vector<SlurmJobId>& cancelled = state_->cancelled_outside[trial_id_];
      cancelled.push_back(id_);
      if (cancelled.size() < kCancelsBeforeStop) {
        end.requeue_reason = "Slurm job " + id_ + " was cancelled outside bayestune (scancel)" +
                             rerun + " (cancelled again, the run stops submitting)";
      } else {
        end.requeue_reason = "Slurm job " + id_ + " was cancelled outside bayestune (scancel)" +
                             " again; queued to run again when the study runs again";
        end.stop_run = "Slurm jobs " + JoinText(cancelled) + " of trial " +
                       std::to_string(trial_id_) +
                       " were each cancelled outside bayestune (scancel): taken as a wish to "
                       "stop, the run submits nothing more and ends once its other jobs end "
                       "(scancel them too to end it now)";
      }
    } else if (state == "PREEMPTED") {
      end.requeue_reason = "Slurm job " + id_ + " was preempted" + rerun;
    } else if (state == "NODE_FAIL" || state == "BOOT_FAIL") {
      end.requeue_reason = "Slurm job " + id_ + " ended " + state + " (its node failed)" + rerun;
    } else if (state == "TIMEOUT" || state == "DEADLINE") {
      end.failure = "Slurm job " + id_ + " reached its time limit (" +
                    (time_limit_.empty() ? "the partition's" : "runner.slurm.time " + time_limit_) +
                    ") and was ended by Slurm";
    } else if (state == "OUT_OF_MEMORY") {
      end.failure = "Slurm job " + id_ +
                    " ran out of memory and was ended by Slurm (raise runner.slurm.memory)";
    } else if (file != nullptr) {
      return FromFile(*file);
    } else if (!file_problem_.empty()) {
      end.failure = "Slurm job " + id_ + " ended " + status.state + " (" + how +
                    "), but how its trainer ended is unknown: " + file_problem_;
    } else if (std::error_code error; (!status.node.empty() || status.start_time) &&
                                      !std::filesystem::exists(files_.log, error) && !error) {
      // Slurm opens the job's output (--output) in the trial folder before its script runs: a
      // job that ran and left none here ran where that folder is not this machine's (a job dir
      // private to this machine, or a path that is another filesystem on the node). Its
      // metrics, exit_status.json and logs went there, or nowhere.
      end.failure =
          "Slurm job " + id_ + " ran on " + (status.node.empty() ? "its node" : status.node) +
          " and ended " + status.state + " (" + how + "), but left nothing in '" +
          files_.log.parent_path().string() + "' as this machine sees it (no " +
          files_.log.filename().string() + ", no " + files_.status.filename().string() +
          "): " + (status.node.empty() ? "the node" : status.node) +
          " does not see that folder as this machine does, so neither the trainer's metrics nor "
          "how it ended can be read here. Give runner.jobDir (or --job-dir) a folder on a "
          "filesystem that the nodes share with this machine, at the same path";
    } else {
      // Said by its cause, as far as Slurm and the job's output tell it.
      const std::string log = LogTail(files_.log, 10);
      const std::string node = status.node.empty() ? "its node" : status.node;
      std::string why = "bayestune-job did not run to its end";
      if (launch_failed) {
        why = "Slurm could not launch its batch script on " + node +
              " although the node wrote its output (a plugin or the job's environment failed "
              "there; slurmd's log on the node says why)";
      } else if (!end.exit.signaled && (end.exit.code == 127 || end.exit.code == 126)) {
        // The script's `exec` of bayestune-job: sh's "not found" (127) or "cannot execute" (126).
        why = "its script could not run bayestune-job on " + node +
              (end.exit.code == 127 ? " (not found there)" : " (not executable there)") +
              ": it must be at the same path on every node (install bayestune on the shared "
              "filesystem, or on each node)";
      }
      end.failure = "Slurm job " + id_ + " ended " + status.state + " (" + how +
                    ") without writing exit_status.json: " + why +
                    (log.empty() ? "" : "; last lines of " + files_.log.string() + ":\n" + log);
    }
    return end;
  }

  void Follow(SlurmJobId id) {
    id_ = std::move(id);
    state_->submitting.erase(this);
    state_->followed.insert(id_);
    state_->trial_of[id_] = trial_id_;
    state_->next_query = 0;  // learn its state at the next turn
  }

  // Follows `id`, a job of this attempt found without sbatch's answer (`how`), and sends it the
  // stop asked while its id was unknown (OweStop), unless it `ended` (the stop still says how the
  // trial ends).
  void FollowFound(const SlurmJobId& id, const std::string& how, bool ended = false) {
    // A job of a gone runner's attempt is said by the runner once it has stored it.
    if (!look_only_) {
      state_->warn(trial_id_, last_error_ + "; but Slurm has job " + id + " of this attempt (" +
                                  job_.job_name + how + "): following it");
    }
    Follow(id);
    if (ended || (!kill_requested_ && !stop_requested_)) return;
    try {
      // Running: its trainer gets SIGTERM (a kill: the job is cancelled); else cancelled.
      if (kill_requested_ || !state_->slurm.Signal(id_, SIGTERM)) state_->slurm.Cancel(id_);
    } catch (const Error& e) {
      if (state_->cancel_owed.insert(id_).second) {
        state_->warn(trial_id_, "could not stop Slurm job " + id_ + ": " + e.what() +
                                    "; cancelling it as soon as Slurm answers again");
      }
    }
  }

  // Whether a job of this attempt ran although its id is unknown (sbatch's answer lost, Slurm not
  // answering since): Slurm opened its output in the attempt's folder, which it does when the job
  // starts on its node. Its trial then has a trainer that may report; it is never submitted again.
  bool JobRan() const {
    std::error_code error;
    return maybe_made_ && std::filesystem::exists(files_.log, error);
  }

  // A stop (`how`: "stopped" early or for its timeout, or "killed") of an attempt whose job ran
  // but whose id Slurm cannot say yet: owed, and sent once the job is found (FollowFound), rather
  // than ending the attempt as never submitted (until this change its trial, which had run and
  // reported, was requeued to run again, and its job ran on). False when there is no such job.
  bool OweStop(const std::string& how) {
    if (!id_.empty() || launch_error_ || !JobRan()) return false;
    bool& asked = how == "killed" ? kill_requested_ : stop_requested_;
    if (!asked) {
      state_->warn(trial_id_, "the trial was " + how +
                                  ", but Slurm cannot say yet which job runs it (" + job_.job_name +
                                  "): stopping that job as soon as Slurm names it");
    }
    asked = true;
    return true;
  }

  // A stop of an attempt whose sbatch is still to be tried again: no more tries (EndSubmitting).
  // False when it was submitted.
  bool StopSubmitting(const std::string& why) {
    if (!id_.empty()) return false;
    if (launch_error_) return true;  // stopped already
    EndSubmitting(last_error_ + "; not submitted again: " + why, /*stopped=*/true);
    return true;
  }

  std::shared_ptr<SlurmLauncher::State> state_;
  std::int64_t trial_id_ = 0;
  SlurmJobId id_;  // "" until submitted
  SlurmJobFiles files_;
  int attempt_ = 1;
  std::string time_limit_;
  // While not submitted: what sbatch is asked, the tries so far, and how they ended.
  SlurmJobRequest job_;
  std::size_t tries_ = 0;
  double first_try_ = 0;  // SteadySeconds
  double next_try_ = 0;
  std::string last_error_;
  bool maybe_made_ = false;  // an sbatch failed without a refusal: it may have made the job
  bool look_only_ = false;   // LookForLostJob: never submitted from here
  std::optional<std::string> launch_error_;
  bool launch_stopped_ = false;
  bool stop_requested_ = false;
  bool kill_requested_ = false;
  std::string stop_note_;
  // A job of this attempt ran, its id never known, and is gone without a trace of how it ended:
  // the trial's requeue reason.
  std::string vanished_;
  std::string cancel_error_;  // why the latest scancel of Kill could not reach Slurm
  std::string file_problem_;  // why the latest look could not read exit_status.json
  bool file_problem_said_ = false;
};

// The sbatch options every job of the study shares: the runner's slurm: block and `gpus`.
SlurmJobRequest JobRequestOf(const RunnerSpec& runner, int gpus) {
  SlurmJobRequest job;
  job.partition = runner.slurm.partition;
  job.account = runner.slurm.account;
  job.qos = runner.slurm.qos;
  job.time = runner.slurm.time;
  job.cpus_per_task = runner.slurm.cpus_per_trial;
  job.memory = runner.slurm.memory;
  job.constraint = runner.slurm.constraint;
  job.gpus = gpus;
  job.extra_args = runner.slurm.extra_args;
  return job;
}

bool ContainsNoCase(const std::string& text, std::string_view part) {
  return std::search(text.begin(), text.end(), part.begin(), part.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

// The spec's field behind what sbatch refused (its words, as Slurm 22.05 to 24.11 say them), so
// that the user knows which line of the YAML to fix: "; check runner.slurm.partition ('gpu')".
// `message` is SlurmCommands' error: sbatch's words, then " (<exit>; command: <sbatch line>)";
// only the words are read, as the line holds the options, paths and the study's name.
std::string SpecFieldOfRefusal(const std::string& message, const RunnerSpec& runner) {
  std::string said = message;
  if (const auto command = said.find("; command: "); command != std::string::npos) {
    said.resize(std::min(command, said.rfind(" (", command)));
  }
  const auto field = [](const std::string& name, const std::string& value) {
    return "; check " + name +
           (value.empty() ? " (not set: Slurm's default)" : " ('" + value + "')");
  };
  const SlurmSpec& slurm = runner.slurm;
  if (const std::string limit = SlurmLimitOfRefusal(said); !limit.empty()) {
    // A QOS or account limit on the job's own size or time (DenyOnLimit): no job of this study
    // can ever start under it. What it limits is in its name (Slurm's reason codes).
    const bool qos = limit.rfind("QOS", 0) == 0;
    std::string lower;
    const auto add = [&](const std::string& what) {
      if (lower.find(what) == std::string::npos) lower += (lower.empty() ? "" : ", ") + what;
    };
    const auto value = [](const std::string& text) {
      return text.empty() ? std::string(" (not set)") : " ('" + text + "')";
    };
    if (ContainsNoCase(limit, "Wall") || ContainsNoCase(limit, "Minutes") ||
        ContainsNoCase(limit, "Time")) {
      add("runner.slurm.time" + value(slurm.time));
    }
    if (ContainsNoCase(limit, "Cpu") || ContainsNoCase(limit, "Billing")) {
      add("runner.slurm.cpusPerTrial" +
          value(slurm.cpus_per_trial > 0 ? std::to_string(slurm.cpus_per_trial) : ""));
    }
    if (ContainsNoCase(limit, "GRES") || ContainsNoCase(limit, "Billing")) {
      add("runner.gpusPerTrial (" + std::to_string(runner.gpus_per_trial) + ")");
    }
    if (ContainsNoCase(limit, "Mem") || ContainsNoCase(limit, "Billing")) {
      add("runner.slurm.memory" + value(slurm.memory));
    }
    if (ContainsNoCase(limit, "Node")) add("runner.slurm.extraArgs (--nodes)");
    const std::string where =
        qos ? "runner.slurm.qos" + value(slurm.qos) : "runner.slurm.account" + value(slurm.account);
    return "; Slurm's limit " + limit + " on each job of its " + (qos ? "QOS" : "account") +
           " rules this job out, and it can never start (sacctmgr show " + (qos ? "qos" : "assoc") +
           " lists the limits): " +
           (lower.empty() ? "ask for less in runner.slurm" : "lower " + lower) + ", or give " +
           where + " one whose limit is higher";
  }
  if (ContainsNoCase(said, "account")) return field("runner.slurm.account", slurm.account);
  if (ContainsNoCase(said, "qos")) return field("runner.slurm.qos", slurm.qos);
  if (ContainsNoCase(said, "partition")) return field("runner.slurm.partition", slurm.partition);
  if (ContainsNoCase(said, "time")) return field("runner.slurm.time", slurm.time);
  if (ContainsNoCase(said, "feature") || ContainsNoCase(said, "constraint")) {
    return field("runner.slurm.constraint", slurm.constraint);
  }
  if (ContainsNoCase(said, "memory")) return field("runner.slurm.memory", slurm.memory);
  if (ContainsNoCase(said, "node configuration") || ContainsNoCase(said, "gres")) {
    return "; check runner.gpusPerTrial (" + std::to_string(runner.gpus_per_trial) +
           "), runner.slurm.cpusPerTrial, memory and constraint: no node of the partition has "
           "all of them";
  }
  return "; check runner.slurm" + std::string(slurm.extra_args.empty() ? "" : " and its extraArgs");
}

std::optional<std::string> SlurmTrial::TrySubmit(bool first) {
  const double now = SteadySeconds();
  if (first) first_try_ = now;
  const std::size_t retry = tries_++;
  // A job of this attempt's name in its folder, made by an earlier sbatch that lost its answer:
  // followed (true). Throws when squeue fails.
  const auto follow_made = [&](const std::string& failure) {
    const auto made = state_->slurm.FindJobs(job_.job_name, job_.working_dir);
    if (made.empty()) return false;
    last_error_ = failure;
    FollowFound(made.back(), "");
    return true;
  };
  std::string failure;
  try {
    // Before each new try: an earlier sbatch may have made the job although its answer was lost,
    // and squeue could not say so then (Slurm down for both). Until it can, nothing is submitted
    // again, lest the trial run twice.
    if (!first && maybe_made_ && follow_made(last_error_)) return std::nullopt;
    if (look_only_ || JobRan()) {
      // Slurm answers and has no job of this attempt, yet one may have been made (a runner now
      // gone may have submitted it), or was (its output is in the folder): it ended and Slurm
      // forgot it (MinJobAge). Its exit_status.json, when it left one, names it: followed, its
      // end read from the file. Else not submitted again here: the trial goes back to the queue.
      if (const SlurmJobId made = ExitStatusJobId(files_.status); !made.empty()) {
        FollowFound(made, "; its exit_status.json names it", /*ended=*/true);
        return std::nullopt;
      }
      state_->submitting.erase(this);
      if (JobRan()) {
        // It ran (Slurm opened its output here, and the trainer may have reported): not "not
        // started", as it was said until this change. Requeued as an attempt that ran, its
        // measurements read.
        vanished_ = last_error_ + "; Slurm has no job " + job_.job_name +
                    " in its folder any more, but one ran there (its " +
                    files_.log.filename().string() +
                    " is there) and ended without an exit_status.json (killed, or its node lost); "
                    "rerunning the trial as attempt " +
                    std::to_string(attempt_ + 1);
        return std::nullopt;
      }
      launch_stopped_ = true;
      launch_error_ = last_error_ + "; Slurm has no job " + job_.job_name + " in its folder";
      return std::nullopt;
    }
    try {
      Follow(state_->slurm.Submit(job_));
      return std::nullopt;
    } catch (const InvalidArgument& e) {
      // Refused for what it asks: the same for every trial. The runner requeues the trial and
      // ends the run with this.
      return std::string(e.what()) + SpecFieldOfRefusal(e.what(), state_->runner);
    } catch (const Error& e) {
      // Slurm could not answer (slurmctld restarting or busy, a timeout): sbatch may still have
      // made the job and lost only its answer. A job of this attempt's name in its folder is it.
      failure = e.what();
      last_error_ = failure;
      maybe_made_ = true;
      if (follow_made(failure)) return std::nullopt;
    }
  } catch (const Error& e) {
    // squeue failed: Slurm still down; decided below.
    if (failure.empty()) {
      failure = std::string(e.what()) +
                " (looking for a job that an earlier sbatch of this "
                "attempt may have made; not submitted again until Slurm "
                "says whether it did)";
    }
  }
  // The listed waits, then the last one again, until Slurm has not answered for
  // submit_give_up_seconds: a slurmctld restarting or failing over takes a minute or more.
  const double failing_for = now - first_try_;
  const std::vector<double>& waits = state_->submit_retry_seconds;
  if (waits.empty() ||
      (retry >= waits.size() && failing_for + waits.back() > state_->submit_give_up_seconds)) {
    return failure + (retry == 0 ? ""
                                 : " (tried " + std::to_string(retry + 1) + " times in " +
                                       FormatDuration(failing_for) + ")");
  }
  const double wait = waits[std::min(retry, waits.size() - 1)];
  // A job of the attempt exists (its output is in the folder) or a gone runner's sbatch may have
  // made one: looked for, never submitted again.
  const bool looking = look_only_ || JobRan();
  state_->warn(
      trial_id_,
      failure + (looking ? "; looking for its job again in " : "; submitting again in ") +
          FormatDuration(wait) +
          (retry + 1 < waits.size()
               ? ""
               : (looking ? " (Slurm has not answered for "
                          : " (Slurm has not taken the job for ") +
                     FormatDuration(failing_for) + "; the run waits for it up to " +
                     FormatDuration(state_->submit_give_up_seconds) + ", Ctrl-C ends it now)"));
  // Tried again at the Refresh after the wait; the runner serves the other trials meanwhile.
  next_try_ = now + wait;
  state_->submitting.insert(this);
  return std::nullopt;
}

}  // namespace

std::filesystem::path FindSlurmJobProgram(const std::filesystem::path& configured,
                                          const std::string& path_variable) {
  if (!configured.empty()) {
    if (Executable(configured)) return configured;
    throw InvalidArgument("the Slurm job program '" + configured.string() +
                          "' is not an executable file");
  }
  std::vector<std::filesystem::path> looked;
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    looked.push_back(self.parent_path() / "bayestune-job");
    looked.push_back(self.parent_path().parent_path() / "trial_runner" / "bayestune-job");
  }
  for (const auto& candidate : looked) {
    if (Executable(candidate)) return candidate;
  }
  std::size_t start = 0;
  while (start <= path_variable.size()) {
    std::size_t end = path_variable.find(':', start);
    if (end == std::string::npos) end = path_variable.size();
    const std::string folder = path_variable.substr(start, end - start);
    if (!folder.empty() && Executable(std::filesystem::path(folder) / "bayestune-job")) {
      return std::filesystem::absolute(std::filesystem::path(folder) / "bayestune-job");
    }
    start = end + 1;
  }
  std::string places;
  for (const auto& candidate : looked)
    places += candidate.string() + ", ";
  throw InvalidArgument("bayestune-job, the program each Slurm job runs, is not in " + places +
                        "nor in PATH; install it beside bayestune (it is part of bayestune)");
}

SlurmLauncher::SlurmLauncher(SlurmLauncherOptions options)
    : options_(std::move(options)), state_(std::make_shared<State>(options_.commands)) {}

SlurmLauncher::~SlurmLauncher() = default;

LauncherStart SlurmLauncher::Start(const std::string& study, const RunnerSpec& runner,
                                   const StudySpec& spec, const std::filesystem::path& job_dir,
                                   const WarnFunction& warn) {
  state_->warn = warn;
  state_->runner = runner;
  state_->submit_retry_seconds = options_.submit_retry_seconds;
  state_->submit_give_up_seconds = options_.submit_give_up_seconds;
  study_ = study;
  runner_ = runner;
  const std::vector<std::string> environment =
      options_.commands.environment.empty() ? CurrentEnvironment() : options_.commands.environment;
  const std::string path = SearchPath(environment);
  job_program_ = FindSlurmJobProgram(options_.job_program, path);
  // All four at the start: without squeue or scancel the run would submit jobs it can neither
  // follow (a cancelled job would never be seen to end) nor stop.
  for (const char* program : {"sbatch", "squeue", "scontrol", "scancel"}) {
    try {
      ResolveExecutable(program, path);
    } catch (const InvalidArgument&) {
      throw InvalidArgument(std::string("'") + program + "' was not found in PATH (" + path +
                            "): the Slurm launcher needs sbatch, squeue, scontrol and scancel "
                            "where bayestune runs (Debian: slurm-client), or PATH naming their "
                            "folder");
    }
  }
  std::error_code error;
  working_dir_ =
      options_.working_dir.empty() ? std::filesystem::current_path(error) : options_.working_dir;
  if (auto local = NodeLocalReason(job_dir)) {
    warn(std::nullopt, "the job dir '" + job_dir.string() + "' looks private to this machine (" +
                           *local +
                           "): Slurm jobs on other nodes cannot write their metrics there. "
                           "Give runner.jobDir (or --job-dir) on a filesystem the nodes share");
  }
  max_running_ = std::max(1, spec.max_parallel_trials);

  LauncherStart start;
  start.max_running = max_running_;
  RunnerStartedEvent& started = start.event;
  started.gpu_source = "Slurm (--gres=gpu:" + std::to_string(runner.gpus_per_trial) + ")";
  started.cpu_only = runner.gpus_per_trial == 0;
  started.gpus_per_trial = runner.gpus_per_trial;
  started.max_running = max_running_;
  SlurmJobRequest example = JobRequestOf(runner, runner.gpus_per_trial);
  example.script = job_dir / "trial-N" / "slurm-job.sh";
  std::vector<std::string> args = SbatchArguments(example);
  args.insert(args.begin(), "sbatch");
  started.slurm_request = QuoteCommandLine(args);
  return start;
}

int SlurmLauncher::FreeSlots(int running) {
  return std::max(0, max_running_ - running);
}

std::unique_ptr<LaunchedTrial> SlurmLauncher::Launch(const TrialLaunchRequest& request) {
  const SlurmJobFiles files = SlurmJobFilesFor(request.paths.dir);
  SlurmJobRequest job;
  try {
    SlurmJobLaunch launch = SlurmJobLaunchFor(request.command, request.paths, files.status,
                                              request.gpus_wanted, working_dir_);
    // Lets a later run tell a Slurm trainer (which it re-attaches to) from what a local runner
    // left running (which it kills).
    launch.environment.push_back("BAYESTUNE_LAUNCHER=slurm");
    WriteSlurmJobLaunch(files.launch, launch);
    WriteFileAtomically(files.script, SlurmJobScript(job_program_, files.launch), 0755);
  } catch (const Error& e) {
    throw LaunchError(e.what());
  }
  job = JobRequestOf(runner_, request.gpus_wanted);
  job.script = files.script;
  job.job_name = JobName(request.trial.id, request.trial.attempt);
  job.output_file = files.log;
  job.working_dir = request.paths.dir;
  auto trial = std::make_unique<SlurmTrial>(state_, request.trial.id, SlurmJobId(), files,
                                            request.trial.attempt, runner_.slurm.time, job);
  if (!state_->submitting.empty()) {
    // The runner launches the trials of one turn together: while one of them waits for Slurm to
    // take its job, the others wait behind it rather than each try sbatch (and wait) on its own.
    trial->WaitBehind(**std::min_element(
        state_->submitting.begin(), state_->submitting.end(),
        [](const SlurmTrial* a, const SlurmTrial* b) { return a->trial_id() < b->trial_id(); }));
    return trial;
  }
  if (auto error = trial->TrySubmit(/*first=*/true)) {
    trial->EndSubmitting(*error, /*stopped=*/false);
    throw LaunchError(*error);
  }
  return trial;
}

std::string SlurmLauncher::JobName(std::int64_t trial, int attempt) const {
  // squeue --name takes a comma-separated list: a study name's comma would split the name and
  // the job would never be found again (FindJobs). ';' reads the same and splits nothing; two
  // studies whose names differ only there are told apart by the job's folder.
  std::string study = study_;
  std::replace(study.begin(), study.end(), ',', ';');
  return "bayestune-" + study + "-" + std::to_string(trial) +
         (attempt > 1 ? "." + std::to_string(attempt) : "");
}

std::unique_ptr<LaunchedTrial> SlurmLauncher::Reattach(const Trial& trial,
                                                       const TrialPaths& paths) {
  std::string id = trial.CurrentJobId();
  if (id.empty()) {
    // The runner died between sbatch and storing the job id: the job, if sbatch made it, has
    // this attempt's name and folder (while slurmctld holds it: MinJobAge after its end).
    const SlurmJobFiles files = SlurmJobFilesFor(paths.dir);
    std::error_code error;
    if (!std::filesystem::exists(files.script, error) && !error) {
      return nullptr;  // written before any sbatch: none ran
    }
    SlurmJobRequest job = JobRequestOf(runner_, runner_.gpus_per_trial);
    job.script = files.script;
    job.job_name = JobName(trial.id, trial.attempt);
    job.output_file = files.log;
    job.working_dir = std::filesystem::absolute(paths.dir);
    std::vector<SlurmJobId> made;
    try {
      made = state_->slurm.FindJobs(job.job_name, job.working_dir);
    } catch (const Error& e) {
      // Slurm cannot say whether that sbatch made a job: rerunning the trial now could run it
      // twice. Looked for again until Slurm answers.
      auto lost = std::make_unique<SlurmTrial>(state_, trial.id, SlurmJobId(), files, trial.attempt,
                                               runner_.slurm.time, job);
      lost->LookForLostJob(e.what());
      return lost;
    }
    if (made.empty()) {
      // Ended and forgotten by Slurm (MinJobAge) before this run: its exit_status.json, when it
      // left one, names it and says how its trainer ended (until this change the trial was rerun
      // and the result of the job that ran it was lost).
      id = ExitStatusJobId(files.status);
      if (id.empty()) return nullptr;
    } else {
      id = made.back();
    }
  }
  state_->next_query = 0;
  return std::make_unique<SlurmTrial>(state_, trial.id, id, SlurmJobFilesFor(paths.dir),
                                      trial.attempt, runner_.slurm.time);
}

void SlurmLauncher::Refresh(double now) {
  // The sbatch tries whose wait is over (each may end its trial's tries, or follow its job).
  // Oldest trial first; once a try does not get through, the others wait behind it (one sbatch
  // a turn tries Slurm), and when the tries end, theirs end with them.
  const double steady = SteadySeconds();
  std::vector<SlurmTrial*> due;
  for (SlurmTrial* trial : state_->submitting) {
    if (trial->next_try() <= steady) due.push_back(trial);
  }
  std::sort(due.begin(), due.end(),
            [](const SlurmTrial* a, const SlurmTrial* b) { return a->trial_id() < b->trial_id(); });
  const SlurmTrial* waiting = nullptr;
  std::optional<std::string> given_up;
  for (SlurmTrial* trial : due) {
    state_->submitting.erase(trial);
    if (given_up) {
      trial->EndSubmitting(*given_up, false);
    } else if (waiting != nullptr) {
      trial->WaitAgainBehind(*waiting);
    } else if (auto error = trial->TrySubmit(/*first=*/false)) {
      trial->EndSubmitting(*error, false);
      given_up = *error;
    } else if (trial->Waiting()) {
      waiting = trial;
    }
  }
  if ((state_->followed.empty() && state_->cancel_owed.empty()) || now < state_->next_query) return;
  state_->next_query = now + std::max(0.05, options_.squeue_seconds);
  try {
    std::map<SlurmJobId, SlurmJobStatus> status =
        state_->slurm.Query({state_->followed.begin(), state_->followed.end()});
    state_->status = std::move(status);
    SayLongPending(now);
    // The cancels that could not reach Slurm: sent now (with no job followed, the squeue above
    // asked Slurm nothing, and a cancel's answer is the first sign that Slurm is back).
    for (auto it = state_->cancel_owed.begin(); it != state_->cancel_owed.end();) {
      const auto trial = state_->trial_of.find(*it);
      const std::optional<std::int64_t> trial_id = trial == state_->trial_of.end()
                                                       ? std::nullopt
                                                       : std::optional<std::int64_t>(trial->second);
      // Throws when Slurm is gone again: tried at the next turn. false: the job ended (or was
      // forgotten) meanwhile, and nothing was cancelled.
      if (state_->slurm.Cancel(*it)) {
        state_->warn(trial_id, "cancelled Slurm job " + *it +
                                   ", which could not be cancelled while Slurm did not answer");
      } else {
        state_->warn(trial_id, "Slurm job " + *it + " had ended before its cancel reached Slurm");
      }
      it = state_->cancel_owed.erase(it);
    }
    if (state_->slurm_down_said) {
      state_->slurm_down_said = false;
      state_->warn(std::nullopt, "Slurm answers again");
    }
  } catch (const Error& e) {
    // slurmctld restarting or busy: the jobs go on; ask again later.
    if (!state_->slurm_down_said) {
      state_->slurm_down_said = true;
      state_->warn(std::nullopt, std::string(e.what()) + "; asking again every " +
                                     FormatDuration(options_.squeue_seconds));
    }
  }
}

// A job pending longer than options_.pending_notice_seconds is said once for each reason squeue
// gives (a drained or down node, a partition too small, a limit), so that a run whose jobs cannot
// start does not just wait in silence.
void SlurmLauncher::SayLongPending(double now) {
  for (const auto& [id, status] : state_->status) {
    if (status.phase != SlurmJobPhase::kPending) {
      state_->pending_since.erase(id);
      continue;
    }
    const double since = state_->pending_since.try_emplace(id, now).first->second;
    if (now - since < options_.pending_notice_seconds) continue;
    const std::string reason = status.reason.empty() ? "None" : status.reason;
    if (reason == "None") continue;  // the scheduler has not looked at it yet
    if (!state_->pending_said[id].insert(reason).second) continue;
    std::string hint;
    if (reason.find("ReqNodeNotAvail") != std::string::npos ||
        reason.find("DRAINED") != std::string::npos || reason.find("DOWN") != std::string::npos) {
      hint = ": the nodes it needs are drained, down or reserved (sinfo -R says why)";
    } else if (reason == "PartitionConfig" || reason == "BadConstraints") {
      hint = ": it asks for more than the partition's nodes have (runner.slurm, gpusPerTrial)";
    } else if (reason == "Resources" || reason == "Priority") {
      hint = ": waiting for its turn";
    } else if (reason == "JobHeldUser") {
      hint =
          ": it is held (sbatch --hold or scontrol hold): scontrol release " + id + " lets it run";
    } else if (reason == "JobHeldAdmin") {
      hint = ": an administrator holds it (scontrol hold); only one can release it";
    } else if (reason == "PartitionTimeLimit") {
      // The partition's MaxTime, not a limit that frees as other jobs end: it never starts.
      hint =
          ": it asks for more time than its partition allows (scontrol show partition, "
          "MaxTime): lower runner.slurm.time, or give runner.slurm.partition another";
    } else if (reason == "PartitionNodeLimit") {
      hint =
          ": its partition's limits on a job's nodes (scontrol show partition: MinNodes, "
          "MaxNodes) rule it out; check runner.slurm.partition and extraArgs";
    } else if ((reason.rfind("QOS", 0) == 0 || reason.rfind("Assoc", 0) == 0) &&
               reason.find("PerJob") != std::string::npos) {
      // QOSMaxWallDurationPerJobLimit, QOSMaxGRESPerJob, ...: a bound on one job, not on the
      // user's jobs together, which no end of other jobs frees.
      hint =
          ": it asks for more than a limit of its account or QOS allows one job (sacctmgr show "
          "qos, runner.slurm.account and qos): lower runner.slurm.time, gpusPerTrial or memory";
    } else if (reason.rfind("QOS", 0) == 0 || reason.rfind("Assoc", 0) == 0 ||
               reason.find("Limit") != std::string::npos) {
      hint =
          ": a limit of its account or QOS (sacctmgr show qos, runner.slurm.account and qos) "
          "holds it until jobs of yours under the same limit end; lower maxParallelTrials to "
          "stay within it";
    } else if (reason == "PartitionDown" || reason == "PartitionInactive") {
      hint = ": its partition (runner.slurm.partition) takes no jobs now (sinfo says its state)";
    }
    const auto trial = state_->trial_of.find(id);
    state_->warn(
        trial == state_->trial_of.end() ? std::nullopt : std::optional<std::int64_t>(trial->second),
        "Slurm job " + id + " has been pending for " + FormatDuration(now - since) +
            " (squeue's reason: " + reason + ")" + hint +
            "; it counts toward maxParallelTrials until it runs");
  }
}

double SlurmLauncher::PollSeconds() const {
  return std::max(0.01, options_.file_poll_seconds);
}

SlurmCallCounts SlurmLauncher::calls() const {
  return state_->slurm.calls();
}

}  // namespace bayestune
