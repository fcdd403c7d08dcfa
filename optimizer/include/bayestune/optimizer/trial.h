#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/parameter_value.h"

namespace bayestune {

// The life of a trial:
//   REQUESTED  queued, not yet handed to a client (given by a user, or an interrupted trial to
//   rerun) ACTIVE     handed to a client that runs it STOPPING   asked to stop early; still running
//   until completed SUCCEEDED  completed with a finite objective value FAILED     the trainer
//   crashed, timed out or never reported the metric INFEASIBLE completed without a usable value
//   (NaN or infinite, or marked so by the client)
enum class TrialState { kRequested, kActive, kStopping, kSucceeded, kFailed, kInfeasible };

std::string_view TrialStateName(TrialState state);  // "REQUESTED", ...
std::optional<TrialState> ParseTrialState(std::string_view name);
// SUCCEEDED, FAILED or INFEASIBLE.
bool IsFinished(TrialState state);

// One reported value of one metric at one step.
struct Measurement {
  std::string metric;  // the tag as the trainer wrote it (the objective's is spec.metric_tag)
  std::int64_t step = 0;
  double wall_time = 0;  // seconds since the Unix epoch
  double value = 0;

  bool operator==(const Measurement&) const = default;
};

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
  std::vector<Measurement> measurements;  // every metric, in the order reported

  bool IsFinished() const { return bayestune::IsFinished(state); }
  // The measurements of one metric, in the order reported.
  std::vector<Measurement> MeasurementsOf(std::string_view metric) const;

  bool operator==(const Trial&) const = default;
};

// Seconds since the Unix epoch, now.
double NowSeconds();

}  // namespace bayestune
