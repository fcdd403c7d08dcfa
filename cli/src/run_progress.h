#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bayestune/optimizer/study.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/trial_runner/runner_events.h"

namespace bayestune::cli {

// What the progress views know of a run, kept up to date from the runner's events: the trials
// running (with their devices and latest objective value), the counts, the best trial so far, and
// an estimate of the time left. Not thread-safe: the views guard it.
class RunProgress {
 public:
  struct RunningTrial {
    Trial trial;  // as started: parameters, attempt
    std::vector<int> gpus;
    std::string job_id;                 // the Slurm job; "" for a local trial
    double started = 0;                 // seconds on the steady clock: started, or submitted
    std::optional<Measurement> latest;  // the objective's latest measurement
    // Waiting in Slurm's queue (a pending job): squeue's reason; nullopt once it runs.
    std::optional<std::string> queue_reason;
    // When it began to run (a job that waited in Slurm's queue: when it left it), else `started`.
    double running_since = 0;
    // A job re-attached to (left by a runner that is gone): `started` is its stored submission,
    // moved onto the steady clock (the re-attach when none is stored: `submission_known` false).
    // Until it is seen to leave Slurm's queue, when it began to run is not known.
    bool reattached = false;
    bool submission_known = true;
    bool start_known = true;
  };

  // `trials` are the study's trials when the run starts (a resumed study has some finished).
  RunProgress(StudySpec spec, const std::vector<Trial>& trials, double now);

  void RunnerStarted(const RunnerStartedEvent& event);
  // `now` on the steady clock; `wall_now` (seconds since the epoch) places a re-attached job's
  // stored submission on it.
  void TrialStarted(const TrialStartedEvent& event, double now, double wall_now = NowSeconds());
  // The objective's latest measurement among `measurements`, nullopt when they hold none.
  std::optional<Measurement> AddMeasurements(std::int64_t trial_id,
                                             const std::vector<Measurement>& measurements);
  // How long of the event's run_seconds (counted from the submission) the trial's job waited in
  // Slurm's queue: 0 for a trial never seen waiting; all of it for one still waiting at the last
  // squeue (it ran between two, for no time worth counting); for one re-attached to while it
  // ran, from Slurm's StartTime (event.job_start_time) and its stored submission. Asked before
  // TrialFinished.
  double SecondsQueued(const TrialFinishedEvent& event) const;
  // True when the trial is the new best.
  bool TrialFinished(const TrialFinishedEvent& event);
  void TrialRequeued(const Trial& trial);
  // The run and its local trials were suspended (Ctrl-Z) for `seconds`: no time of theirs, for
  // their elapsed time and what is left of the mean. A Slurm job was not suspended.
  void Suspended(double seconds);
  void TrialQueueChanged(std::int64_t trial_id, const std::optional<std::string>& queue_reason,
                         double now);
  // The started trials that wait in Slurm's queue (counted as active by Counts).
  int Waiting() const;
  // The reasons squeue gives for them, each once, "None" left out: "Resources", "Priority".
  std::vector<std::string> WaitingReasons() const;

  const StudySpec& spec() const { return spec_; }
  StudyProgress Counts() const;
  const std::optional<Trial>& best() const { return best_; }
  // A multi-objective study: how many trials are on the Pareto front now (computed when a trial
  // succeeds, not on every redraw).
  std::size_t FrontSize() const { return front_size_; }
  const std::map<std::int64_t, RunningTrial>& running() const { return running_; }
  int finished_at_start() const { return finished_at_start_; }
  int max_running() const { return max_running_; }
  double run_started() const { return run_started_; }

  // The mean run time of the trials this run finished (the succeeded ones, when there are any),
  // without the time their jobs waited in Slurm's queue; nullopt before one finished.
  std::optional<double> MeanTrialSeconds() const;
  // Seconds until the study is done, nullopt before a trial finished: the trials not started, and
  // those waiting in Slurm's queue, need the mean trial time each, the running ones what is left
  // of it, laid out over the trials that run at once (a trial is never split between two). A
  // trial running past the mean needs an unknown time more: counted as none (RunningPastMean).
  std::optional<double> SecondsLeft(double now) const;
  // The trials running (not waiting in Slurm's queue) for longer than the mean trial time.
  int RunningPastMean(double now) const;

 private:
  StudySpec spec_;
  // StudyProgress::capacity of the spec (a grid of fewer combinations than maxTrials).
  std::optional<int> capacity_;
  std::map<std::int64_t, TrialState> states_;
  std::set<std::int64_t> stopped_early_;  // among the SUCCEEDED of states_
  std::map<std::int64_t, RunningTrial> running_;
  std::optional<Trial> best_;
  std::vector<Trial> succeeded_;  // a multi-objective study's, for the front
  std::size_t front_size_ = 0;
  std::vector<double> succeeded_seconds_;
  std::vector<double> other_seconds_;
  int finished_at_start_ = 0;
  int max_running_ = 1;
  double run_started_ = 0;
};

// Seconds on the steady clock, for elapsed times.
double SteadyNow();

}  // namespace bayestune::cli
