#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/parameter_value.h"

namespace bayestune {

// The life of a trial:
//   REQUESTED   queued, not yet handed to a client (given by a user, or an interrupted trial to
//               rerun)
//   ACTIVE      handed to a client that runs it
//   STOPPING    asked to stop early; still running until completed
//   SUCCEEDED   completed with a finite objective value
//   FAILED      the trainer crashed, timed out or never reported the metric
//   INFEASIBLE  completed without a usable value (NaN or infinite, or marked so by the client)
enum class TrialState { kRequested, kActive, kStopping, kSucceeded, kFailed, kInfeasible };

std::string_view TrialStateName(TrialState state);  // "REQUESTED", ...
std::optional<TrialState> ParseTrialState(std::string_view name);
// SUCCEEDED, FAILED or INFEASIBLE.
bool IsFinished(TrialState state);

// One reported value of one metric at one step. Write it with the field names, which keep the
// two doubles apart: Measurement{.metric = "loss", .step = 3, .value = 0.25}.
struct Measurement {
  std::string metric;     // the tag as the trainer wrote it; empty when added: the objective's tag
  std::int64_t step = 0;  // 0 or more
  double value = 0;
  double wall_time = 0;  // seconds since the Unix epoch; 0 when added: now
  // The attempt of the trial that reported it (Trial::attempt); 0 when added: the trial's current
  // attempt. A rerun trial keeps its earlier attempts' measurements, told apart by this.
  int attempt = 0;

  bool operator==(const Measurement&) const = default;
};

// Who runs a pending trial: the client it was handed to and the attempt it runs. A state change
// made with one (Study::Complete, Requeue, ...) is refused with FailedPrecondition when the trial
// has since been requeued, handed to another client, or finished: the caller lost the trial and
// must stop its process.
struct TrialOwner {
  std::string client_id;
  int attempt = 1;

  bool operator==(const TrialOwner&) const = default;
};

// A batch-system job that ran one attempt of a trial (a Slurm job id), so that a runner started
// later can find it again (re-attach to it while it runs, collect its result once it ended).
struct TrialJob {
  int attempt = 1;
  std::string job_id;  // "4242"

  bool operator==(const TrialJob&) const = default;
};

// "4242" for attempt 1, "2:4250" for later attempts, joined with ", ": how status/trials show a
// trial's jobs; "" for none.
std::string DescribeTrialJobs(const std::vector<TrialJob>& jobs);

struct Trial {
  std::int64_t id = 0;  // 1, 2, ... within its study
  TrialState state = TrialState::kRequested;
  ParameterValues parameters;
  std::string client_id;
  std::vector<int> gpus;             // the GPUs it ran on; empty: CPU
  int attempt = 1;                   // 2 and up when an interrupted trial is rerun
  std::optional<double> start_time;  // seconds since the Unix epoch
  std::optional<double> end_time;
  std::optional<double> final_value;  // the objective, when SUCCEEDED (or stopped early)
  std::optional<std::int64_t> final_step;
  std::string failure_reason;  // FAILED or INFEASIBLE: why
  bool stopped_early = false;
  // Where ASHA stopped it, recorded with the stop (StopDecision::rung: "rung 1 (step 3)", with ",
  // bracket 0" for several brackets); "" for another rule, a client's stop, or a stop stored
  // before schema version 9 (the readers then decide again: TrialRungText).
  std::string stop_rung;
  std::vector<Measurement> measurements;  // every metric of every attempt, in the order reported
  std::vector<TrialJob> jobs;  // the Slurm job of each attempt run through Slurm, in order
  // A multi-objective study's SUCCEEDED trial: one value per objective (StudySpec::metrics), the
  // first equal to final_value. Empty otherwise (and always for a study of one objective).
  std::vector<double> final_values;

  bool IsFinished() const { return bayestune::IsFinished(state); }
  // The measurements of one metric reported by the current attempt (and those without an attempt),
  // in the order reported: what the trial's value, early stopping and the report go by.
  std::vector<Measurement> MeasurementsOf(std::string_view metric) const;
  // Whether `m` was reported by the current attempt (or carries no attempt).
  bool IsCurrentAttempt(const Measurement& m) const {
    return m.attempt == attempt || m.attempt == 0;
  }
  // Who runs it now: {client_id, attempt}.
  TrialOwner Owner() const { return {client_id, attempt}; }
  // The job id of the current attempt, or "" when it has none (not run through Slurm).
  std::string CurrentJobId() const;

  bool operator==(const Trial&) const = default;
};

// Seconds since the Unix epoch, now.
double NowSeconds();

}  // namespace bayestune
