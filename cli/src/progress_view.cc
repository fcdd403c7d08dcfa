#include "progress_view.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "shown_text.h"
#include "text_format.h"
#include "trial_budget_text.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

// The log to look at for a failed trial: its stderr.log, or its stdout.log when only that one
// holds anything (the log whose last lines the runner put in the reason).
std::string FailedTrialLog(const TrialPaths& paths) {
  std::error_code error;
  const auto size = [&](const std::filesystem::path& log) {
    const auto bytes = std::filesystem::file_size(log, error);
    return error ? std::uintmax_t{0} : bytes;
  };
  return ShownText((size(paths.stderr_log) == 0 && size(paths.stdout_log) > 0 ? paths.stdout_log
                                                                              : paths.stderr_log)
                       .string());
}

}  // namespace

ProgressView::ProgressView(std::ostream& out, std::string database, std::string study,
                           RunProgress progress)
    : out_(out),
      database_(std::move(database)),
      progress_(std::move(progress)),
      study_(std::move(study)) {}

std::string ProgressView::CountsText() const {
  const StudyProgress counts = progress_.Counts();
  std::string text = std::to_string(counts.succeeded) + " done" +
                     StoppedEarlyNote(counts.stopped_early) + ", " + std::to_string(counts.failed) +
                     " failed, ";
  // Infeasible trials (no usable value: NaN, infinite) are counted apart, as the summary does.
  if (counts.infeasible > 0) text += std::to_string(counts.infeasible) + " infeasible, ";
  // Pending Slurm jobs are not running yet: said apart, with squeue's reasons.
  const int waiting = progress_.Waiting();
  text += std::to_string(counts.active - waiting) + " running, ";
  if (waiting > 0) {
    const std::vector<std::string> reasons = progress_.WaitingReasons();
    text += std::to_string(waiting) + " waiting in Slurm's queue" +
            (reasons.empty() ? "" : " (squeue: " + JoinText(reasons) + ")") + ", ";
  }
  if (MaxTrialsLowered(counts)) return text + "0 left (" + MaxTrialsLoweredText(counts) + ")";
  return text + std::to_string(counts.left()) + " left of " + std::to_string(counts.target());
}

std::string ProgressView::InterruptName(int signal) {
  if (signal == SIGINT) return "Ctrl-C";
  if (signal == 0) return "interrupt";
  const char* name = sigabbrev_np(signal);
  return name != nullptr ? std::string("SIG") + name : "signal " + std::to_string(signal);
}

void ProgressView::Notice(const std::string& text) {
  std::lock_guard lock(mutex_);
  Print(LineKind::kNotice, text);
  Changed();
}

std::string ProgressView::TimeLeftText(double now) const {
  const StudyProgress counts = progress_.Counts();
  // Interrupted: no time left to give (no new trial starts); what the run is doing instead.
  if (interrupt_level_ == 1) {
    const std::string stopping = "stopping (" + InterruptName(interrupt_signal_) + ")";
    if (counts.active == 0) return stopping;
    // Pending Slurm jobs are cancelled (they may never start), the running trials waited for.
    const int waiting = std::min(progress_.Waiting(), counts.active);
    const int running = counts.active - waiting;
    const std::string waits = "waiting for the " + CountOf(running, "running trial");
    if (waiting == 0) return stopping + ": " + waits;
    if (running == 0) {
      return stopping + ": cancelling the " + CountOf(waiting, "trial") + " in Slurm's queue";
    }
    return stopping + ": " + waits + ", cancelling the " + std::to_string(waiting) +
           " in Slurm's queue";
  }
  if (interrupt_level_ == 2) return "stopping: killing the running trials";
  if (counts.left() == 0 && counts.active == 0) return "nothing left";
  const auto seconds = progress_.SecondsLeft(now);
  if (!seconds) return "estimating the time left";
  // Only trials running past the mean are left: how much more they need is unknown, not 0.
  if (const int overdue = progress_.RunningPastMean(now); overdue > 0 && *seconds <= 0) {
    return CountOf(overdue, "trial") + " running longer than the mean trial (" +
           FormatDuration(*progress_.MeanTrialSeconds()) + ")";
  }
  // A job waiting in Slurm's queue is counted as starting now: the wait comes on top. Never
  // "0.0s" while a trial is still at work (what it rounds to in the last 50 ms before the mean).
  return "about " + FormatDuration(std::max(*seconds, 0.1)) + " left" +
         (progress_.Waiting() > 0 ? " and the wait in Slurm's queue" : "");
}

std::string BestTrialText(const RunProgress& progress) {
  const auto& best = progress.best();
  if (!best) return "none yet";
  if (IsMultiObjective(progress.spec())) {
    // Several objectives: the front's size, and its best trial by the first objective.
    return CountOf(static_cast<long long>(progress.FrontSize()), "trial") +
           " on the Pareto front; by " + progress.spec().metric_tag + ": trial " +
           std::to_string(best->id) + ", " + *FormatFinalObjective(*best, progress.spec());
  }
  return "trial " + std::to_string(best->id) + ", " +
         *FormatFinalObjective(*best, progress.spec()) + " (" +
         FormatParameters(*best, progress.spec()) + ")";
}

std::string ProgressView::BestText() const {
  return BestTrialText(progress_);
}

void ProgressView::OnRunnerStarted(const RunnerStartedEvent& event) {
  std::lock_guard lock(mutex_);
  progress_.RunnerStarted(event);
  started_ = true;
  const StudyProgress counts = progress_.Counts();
  std::string devices =
      event.launcher == LauncherKind::kSlurm ? "as Slurm jobs (" + event.slurm_request + ")"
      : event.cpu_only                       ? "on the CPU"
                       : "on " + FormatDevices(event.gpus) + " (from " + event.gpu_source + ")";
  std::string text = (progress_.finished_at_start() > 0 ? "continuing study '" : "study '") +
                     event.study + "' in " + ShownText(database_) + ": ";
  if (MaxTrialsLowered(counts)) {
    text += std::to_string(progress_.finished_at_start()) + " trials finished before (" +
            MaxTrialsLoweredText(counts) + "), ";
  } else if (progress_.finished_at_start() > 0) {
    text += std::to_string(progress_.finished_at_start()) + " of " +
            std::to_string(counts.target()) + " trials finished before, ";
  } else {
    text += CountOf(counts.target(), "trial") + ", ";
  }
  // A grid of fewer combinations than maxTrials: its trials, and why not maxTrials.
  if (const std::string capacity = CapacityText(counts, progress_.spec().algorithm);
      !capacity.empty() && !MaxTrialsLowered(counts)) {
    text.insert(text.size() - 2, " (" + capacity + ")");
  }
  // Paths one line each, as the summary shows them: a line break in --job-dir or --db printed as
  // it was (Print keeps line breaks, for logs' tails) made a second line that could pass for
  // another message.
  text += std::to_string(event.max_running) + " at once " + devices + "; trial folders in " +
          ShownText(event.job_dir.string());
  Print(LineKind::kNotice, text);
  Changed();
}

void ProgressView::OnTrialRequeued(const Trial& trial, const std::string& reason) {
  std::lock_guard lock(mutex_);
  progress_.TrialRequeued(trial);
  Print(LineKind::kNotice, "trial " + std::to_string(trial.id) + " queued to run again (attempt " +
                               std::to_string(trial.attempt) + "): " + FirstLine(reason));
  Changed();
}

void ProgressView::OnTrialStarted(const TrialStartedEvent& event) {
  std::lock_guard lock(mutex_);
  progress_.TrialStarted(event, SteadyNow());
  const std::string where = event.reattached ? "re-attached to Slurm job " + event.job_id +
                                                   " (left by a runner "
                                                   "that is gone)"
                            : !event.job_id.empty() ? "submitted as Slurm job " + event.job_id
                                                    : "started on " + FormatDevices(event.gpus);
  std::string text = "trial " + std::to_string(event.trial.id) + " " + where + ": " +
                     FormatParameters(event.trial, progress_.spec());
  if (event.trial.attempt > 1) text += " (attempt " + std::to_string(event.trial.attempt) + ")";
  Print(LineKind::kTrialStarted, text);
  Changed();
}

void ProgressView::OnTrialQueueChanged(std::int64_t trial_id,
                                       const std::optional<std::string>& queue_reason) {
  std::lock_guard lock(mutex_);
  QueueChanged(trial_id, queue_reason);
  Changed();
}

void ProgressView::QueueChanged(std::int64_t trial_id,
                                const std::optional<std::string>& queue_reason) {
  const auto found = progress_.running().find(trial_id);
  if (found == progress_.running().end()) return;
  const bool was_waiting = found->second.queue_reason.has_value();
  progress_.TrialQueueChanged(trial_id, queue_reason, SteadyNow());
  // A line when the job begins waiting and when it leaves the queue (not for each change of
  // squeue's reason: the launcher says a long wait's reasons), so that a run whose jobs all wait
  // does not look idle.
  const RunProgress::RunningTrial& trial = found->second;
  const std::string job = "Slurm job " + trial.job_id;
  if (queue_reason && !was_waiting) {
    Print(LineKind::kQueue, "trial " + std::to_string(trial_id) +
                                " waiting in Slurm's queue: " + job + " is pending" +
                                (queue_reason->empty() || *queue_reason == "None"
                                     ? ""
                                     : " (squeue: " + *queue_reason + ")"));
  } else if (!queue_reason && was_waiting) {
    // A job re-attached to counts from its stored submission (RunProgress::TrialStarted), not
    // the re-attach; without one stored, no figure is claimed.
    Print(LineKind::kQueue,
          "trial " + std::to_string(trial_id) + " running: " + job + " started" +
              (trial.submission_known
                   ? ", " + FormatDuration(SteadyNow() - trial.started) + " after it was submitted"
                   : ""));
  }
}

void ProgressView::OnMeasurements(std::int64_t trial_id,
                                  const std::vector<Measurement>& measurements) {
  std::lock_guard lock(mutex_);
  // Its trainer wrote: the job runs, though squeue (asked every 2 s) has not said so yet.
  const auto found = progress_.running().find(trial_id);
  const bool left_queue = !measurements.empty() && found != progress_.running().end() &&
                          found->second.queue_reason.has_value();
  if (left_queue) QueueChanged(trial_id, std::nullopt);
  const auto latest = progress_.AddMeasurements(trial_id, measurements);
  if (latest) {
    Print(LineKind::kMeasurement, "trial " + std::to_string(trial_id) + " step " +
                                      std::to_string(latest->step) + ": " + latest->metric + " " +
                                      FormatValue(latest->value));
  }
  if (latest || left_queue) Changed();
}

void ProgressView::OnTrialPromoted(const TrialPromotedEvent& event) {
  std::lock_guard lock(mutex_);
  // "trial 7 promoted past ASHA rung 1 (step 3): accuracy 0.81 at step 3 ranks 1st of 4 ..."
  Print(LineKind::kNotice,
        "trial " + std::to_string(event.trial_id) + " promoted past " +
            (event.reason.empty() ? "rung " + std::to_string(event.rung) : event.reason));
  Changed();
}

void ProgressView::OnTrialStopping(const TrialStoppingEvent& event) {
  std::lock_guard lock(mutex_);
  const char* signal_name = sigabbrev_np(event.signal);
  Print(LineKind::kNotice, "trial " + std::to_string(event.trial_id) + " stopping (" +
                               (event.cause == TrialStopCause::kTimeout
                                    ? "runner.trialTimeoutSeconds passed"
                                    : (event.reason.empty() ? "early stopping" : event.reason)) +
                               "): SIG" +
                               (signal_name ? signal_name : std::to_string(event.signal)));
  Changed();
}

void ProgressView::OnTrialFinished(const TrialFinishedEvent& event) {
  std::lock_guard lock(mutex_);
  const Trial& trial = event.trial;
  // The time it ran, and apart the time its job waited in Slurm's queue (run_seconds counts from
  // the submission: a trial that ran 30 s after a wait of an hour did not take an hour).
  // A job still pending at the last squeue ran between two: how long is not known.
  // A job re-attached to while it ran, without Slurm's StartTime: when it began is not known.
  const auto found = progress_.running().find(trial.id);
  const bool known = found != progress_.running().end();
  const bool still_queued = known && found->second.queue_reason.has_value();
  const bool start_unknown =
      known && !found->second.start_known &&
      !(found->second.submission_known && event.job_start_time && event.trial.start_time);
  const double queued = progress_.SecondsQueued(event);
  const std::string took =
      known && !found->second.submission_known && (still_queued || start_unknown)
          ? FormatDuration(event.run_seconds) + " since it was re-attached"
      : still_queued || start_unknown
          ? FormatDuration(event.run_seconds) + " from its submission to Slurm"
          : FormatDuration(event.run_seconds - queued) +
                (queued > 0 ? " (after " + FormatDuration(queued) + " in Slurm's queue)" : "");
  const bool new_best = progress_.TrialFinished(event);
  std::string text = "trial " + std::to_string(trial.id) + " ";
  if (trial.state == TrialState::kSucceeded) {
    text += "succeeded in " + took + ": " +
            FormatFinalObjective(trial, progress_.spec()).value_or("no value");
    if (trial.stopped_early) text += ", stopped early";
    if (new_best) text += " (best so far)";
  } else {
    // With the log's last line, where a crash says why: "exited with status 2" alone sent the
    // user to each trial's stderr.log for argparse's 'unrecognized arguments: --beta1=0.93'.
    const std::string log_end = LogTailLastLine(trial.failure_reason);
    text += std::string(TrialStateName(trial.state)) + " after " + took + ": " +
            FirstLine(trial.failure_reason) +
            (log_end.empty() ? "" : "; its log ends: " + log_end) +
            " (log: " + FailedTrialLog(event.paths) + ")";
  }
  Print(LineKind::kTrialFinished, text);
  Print(LineKind::kProgress,
        CountsText() + "; best: " + BestText() + "; " + TimeLeftText(SteadyNow()));
  Changed();
}

void ProgressView::OnWarning(std::optional<std::int64_t> trial_id, const std::string& message) {
  std::lock_guard lock(mutex_);
  Print(LineKind::kNotice,
        "warning: " + (trial_id ? "trial " + std::to_string(*trial_id) + ": " : "") + message);
  Changed();
}

void ProgressView::OnSuspended(int running_trials, int running_on) {
  std::lock_guard lock(mutex_);
  suspended_ = true;
  running_on_ = running_on;
  // A Slurm job is not bayestune's to pause: it runs on, its trialTimeoutSeconds counting.
  Print(LineKind::kNotice,
        "Ctrl-Z: suspended" +
            (running_trials > 0
                 ? " with the " + CountOf(running_trials, "running trial") + " (SIGSTOP)"
                 : std::string()) +
            (running_on > 0 ? "; the " + CountOf(running_on, "Slurm job") +
                                  (running_on == 1 ? " runs on, its time limit counting"
                                                   : " run on, their time limits counting")
                            : std::string()) +
            "; fg (or SIGCONT) goes on");
  Changed();
  out_.flush();
}

void ProgressView::OnResumed(double seconds) {
  std::lock_guard lock(mutex_);
  suspended_ = false;
  progress_.Suspended(seconds);
  Print(LineKind::kNotice,
        "going on after " + FormatDuration(seconds) + " suspended; " +
            (running_on_ > 0 ? "the Slurm jobs ran on meanwhile, and their time limits counted it"
                             : "the pause does not count for the trials' time limits"));
  Changed();
}

void ProgressView::OnInterruptRequested(InterruptLevel level, int running_trials, int signal) {
  std::lock_guard lock(mutex_);
  const std::string name = InterruptName(signal);
  // The runner counts a trial whose Slurm job is pending among its running ones: said apart, as
  // the counts do. The first interrupt cancels such a job (it may never start; its trial reruns
  // next time) and waits for the running trials; the second kills those.
  const int waiting = std::min(progress_.Waiting(), running_trials);
  const int running = running_trials - waiting;
  if (level == InterruptLevel::kStopLaunching) {
    interrupt_level_ = 1;
    interrupt_signal_ = signal;
    const std::string again = signal == SIGINT || signal == 0
                                  ? "press Ctrl-C again"
                                  : "send " + name + " again or press Ctrl-C";
    std::string text = name + ": starting no new trial";
    if (waiting > 0) {
      text += "; cancelling the " +
              (running == 0 ? CountOf(waiting, "trial") + " waiting in Slurm's queue"
                            : std::to_string(waiting) + " waiting in Slurm's queue") +
              " (they may never start; they run when you run the study again)";
    }
    if (running > 0) {
      text += "; waiting for the " + CountOf(running, "running trial") + " to finish (" + again +
              " to kill them; they would rerun next time)";
    } else if (waiting == 0) {
      text += "; stopping";
    }
    Print(LineKind::kNotice, text);
  } else {
    // The jobs in Slurm's queue were cancelled at the first interrupt, which the runner always
    // handles before this one (their ends may not have been seen yet: not counted as running).
    interrupt_level_ = 2;
    Print(LineKind::kNotice, name + (signal == interrupt_signal_ ? " again" : "") +
                                 ": killing the " + CountOf(running, "running trial") +
                                 "; they run again when you run the study again");
  }
  Changed();
}

void ProgressView::OnRunFinished(const RunResult&) {
  Close();
}

void ProgressView::Close() {
  std::lock_guard lock(mutex_);
  Finish();
}

}  // namespace bayestune::cli
