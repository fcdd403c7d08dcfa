#include "bayestune/optimizer/trial.h"

#include <chrono>

namespace bayestune {

std::string_view TrialStateName(TrialState state) {
  switch (state) {
    case TrialState::kRequested:
      return "REQUESTED";
    case TrialState::kActive:
      return "ACTIVE";
    case TrialState::kStopping:
      return "STOPPING";
    case TrialState::kSucceeded:
      return "SUCCEEDED";
    case TrialState::kFailed:
      return "FAILED";
    case TrialState::kInfeasible:
      return "INFEASIBLE";
  }
  return "?";
}

std::optional<TrialState> ParseTrialState(std::string_view name) {
  for (auto s : {TrialState::kRequested, TrialState::kActive, TrialState::kStopping,
                 TrialState::kSucceeded, TrialState::kFailed, TrialState::kInfeasible}) {
    if (TrialStateName(s) == name) return s;
  }
  return std::nullopt;
}

bool IsFinished(TrialState state) {
  return state == TrialState::kSucceeded || state == TrialState::kFailed ||
         state == TrialState::kInfeasible;
}

std::vector<Measurement> Trial::MeasurementsOf(std::string_view metric) const {
  std::vector<Measurement> out;
  for (const auto& m : measurements) {
    if (m.metric == metric && IsCurrentAttempt(m)) out.push_back(m);
  }
  return out;
}

double NowSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace bayestune
