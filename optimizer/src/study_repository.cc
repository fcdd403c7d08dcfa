#include "bayestune/optimizer/study_repository.h"

namespace bayestune {

std::string_view StudyStateName(StudyState state) {
  return state == StudyState::kActive ? "ACTIVE" : "COMPLETED";
}

std::optional<StudyState> ParseStudyState(std::string_view name) {
  if (name == "ACTIVE") return StudyState::kActive;
  if (name == "COMPLETED") return StudyState::kCompleted;
  return std::nullopt;
}

std::vector<ParameterValues> StudyRepository::ListTrialParameters(std::int64_t study_id) {
  std::vector<ParameterValues> parameters;
  for (Trial& trial : ListTrials(study_id)) {
    if (!trial.parameters.empty()) parameters.push_back(std::move(trial.parameters));
  }
  return parameters;
}

TrialTally StudyRepository::TallyTrials(std::int64_t study_id, const std::string& client_id,
                                        int requested_limit) {
  TrialTally tally;
  for (Trial& trial : ListTrials(study_id)) {
    ++tally.total;
    ++tally.counts[{trial.state, trial.stopped_early}];
    if (trial.state == TrialState::kRequested &&
        static_cast<int>(tally.requested.size()) < requested_limit) {
      tally.requested.push_back(std::move(trial));
    } else if (!client_id.empty() && trial.client_id == client_id &&
               (trial.state == TrialState::kActive || trial.state == TrialState::kStopping)) {
      tally.pending_of_client.push_back(std::move(trial));
    }
  }
  return tally;
}

}  // namespace bayestune
