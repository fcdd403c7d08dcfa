#pragma once

#include <mutex>
#include <ostream>
#include <string>

#include "bayestune/trial_runner/runner_events.h"
#include "run_progress.h"

namespace bayestune::cli {

// What `bayestune run` shows while its trials run: the runner's events turned into sentences and
// a RunProgress kept up to date. LiveProgressView draws them on a terminal, PlainProgressView
// writes them as timestamped lines. Events come on the runner's thread; the state is guarded by a
// mutex, so a view may also draw from a thread of its own.
// What the progress says of the best trial: "trial 3, accuracy 0.966667 at step 10 (n_layers=40
// momentum=0.9)"; for several objectives "4 trials on the Pareto front; by accuracy: trial 3,
// ..."; "none yet". Shared by `run`'s views and `worker`'s log.
std::string BestTrialText(const RunProgress& progress);

class ProgressView : public RunnerEvents {
 public:
  ProgressView(std::ostream& out, std::string database, std::string study, RunProgress progress);

  void OnRunnerStarted(const RunnerStartedEvent& event) override;
  void OnTrialRequeued(const Trial& trial, const std::string& reason) override;
  void OnTrialStarted(const TrialStartedEvent& event) override;
  void OnTrialQueueChanged(std::int64_t trial_id,
                           const std::optional<std::string>& queue_reason) override;
  void OnMeasurements(std::int64_t trial_id, const std::vector<Measurement>& measurements) override;
  void OnTrialPromoted(const TrialPromotedEvent& event) override;
  void OnTrialStopping(const TrialStoppingEvent& event) override;
  void OnTrialFinished(const TrialFinishedEvent& event) override;
  void OnWarning(std::optional<std::int64_t> trial_id, const std::string& message) override;
  void OnInterruptRequested(InterruptLevel level, int running_trials, int signal) override;
  void OnSuspended(int running_trials, int running_on) override;
  void OnResumed(double seconds) override;
  void OnRunFinished(const RunResult& result) override;

  // A line of its own among the events ("learning from 12 finished trials of study 'old'").
  void Notice(const std::string& text);

  // Ends the view (the live view erases its block and stops redrawing), so that what follows is
  // printed below it. OnRunFinished does it; call it when Run throws. Idempotent.
  void Close();

 protected:
  // What a line is about: the live view shows the running trials and the counts in its block
  // rather than as lines; kQueue: a trial's Slurm job began or ended waiting in Slurm's queue.
  enum class LineKind { kNotice, kTrialStarted, kQueue, kMeasurement, kTrialFinished, kProgress };

  // Called with the mutex held, for each sentence, in order; a view escapes it (ShownText) as it
  // prints, as parts of it come from the trainer (metric names, failure reasons).
  virtual void Print(LineKind kind, const std::string& text) = 0;
  // A trial's job began or ended waiting in Slurm's queue (nullopt: it runs): the progress, and a
  // line when it begins and ends. Called with the mutex held.
  void QueueChanged(std::int64_t trial_id, const std::optional<std::string>& queue_reason);
  // Called with the mutex held after every event, once its lines are printed.
  virtual void Changed() {}
  // Called with the mutex held by Close.
  virtual void Finish() {}

  // "3 done, 1 failed, 2 running, 4 left of 10"; "3 done, 0 failed, 1 infeasible, ..." when a
  // trial was infeasible; "2 running, 1 waiting in Slurm's queue (squeue: Resources), ..." when
  // jobs are pending
  std::string CountsText() const;
  // How the progress names what asked to stop: "Ctrl-C" (SIGINT), "SIGTERM", "SIGHUP",
  // "interrupt" (no signal).
  static std::string InterruptName(int signal);
  // "about 35s left", "estimating the time left" (before a trial finished this run); after an
  // interrupt no time: "stopping (Ctrl-C): waiting for the 2 running trials" ("for the 1 running
  // trial and the 1 in Slurm's queue" when jobs are pending)
  std::string TimeLeftText(double now) const;
  // "trial 3, accuracy 0.966667 at step 10 (n_layers=40 momentum=0.9)", "none yet"
  std::string BestText() const;

  std::mutex mutex_;
  std::ostream& out_;
  std::string database_;
  RunProgress progress_;
  std::string study_;
  bool started_ = false;  // OnRunnerStarted came
  int interrupt_level_ = 0;
  int interrupt_signal_ = 0;  // of the first interrupt
  // Stopped by Ctrl-Z: the live view draws no block, so that none is left to erase over what the
  // shell prints meanwhile ("[1]+ Stopped").
  bool suspended_ = false;
  int running_on_ = 0;  // Slurm jobs that ran on while the run was suspended
};

}  // namespace bayestune::cli
