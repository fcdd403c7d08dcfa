#include "bayestune/optimizer/study_repository.h"

#include <map>
#include <tuple>
#include <utility>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study_names.h"

namespace bayestune {

std::string_view StudyStateName(StudyState state) {
  return state == StudyState::kActive ? "ACTIVE" : "COMPLETED";
}

std::optional<StudyState> ParseStudyState(std::string_view name) {
  if (name == "ACTIVE") return StudyState::kActive;
  if (name == "COMPLETED") return StudyState::kCompleted;
  return std::nullopt;
}

NotFound StudyRepository::DeletedStudy(const StudyRecord& study) const {
  return StudyDeletedError(study.name, study.id, "");
}

std::vector<ParameterValues> StudyRepository::ListTrialParameters(std::int64_t study_id) {
  std::vector<ParameterValues> parameters;
  for (Trial& trial : ListTrials(study_id)) {
    if (!trial.parameters.empty()) parameters.push_back(std::move(trial.parameters));
  }
  return parameters;
}

std::optional<Trial> StudyRepository::GetTrialWithoutMeasurements(std::int64_t study_id,
                                                                  std::int64_t trial_id) {
  std::optional<Trial> trial = GetTrial(study_id, trial_id);
  if (trial) trial->measurements.clear();
  return trial;
}

std::vector<bool> MatchStoredMeasurements(std::span<const Measurement> stored,
                                          std::span<const Measurement> measurements) {
  // The measurements asked about go in the map, the stored ones are only looked up: its size is
  // the batch's, whatever the trial holds.
  const auto key = [](const Measurement& m) {
    return std::tie(m.metric, m.step, m.value, m.wall_time, m.attempt);
  };
  using Key = decltype(key(std::declval<const Measurement&>()));
  std::map<Key, std::vector<std::size_t>> asked;
  for (std::size_t i = 0; i < measurements.size(); ++i)
    asked[key(measurements[i])].push_back(i);
  std::vector<bool> found(measurements.size(), false);
  for (const Measurement& m : stored) {
    auto it = asked.find(key(m));
    if (it == asked.end()) continue;
    for (std::size_t i : it->second)
      found[i] = true;
    asked.erase(it);
    if (asked.empty()) break;
  }
  return found;
}

std::vector<bool> StudyRepository::StoredMeasurements(std::int64_t study_id, std::int64_t trial_id,
                                                      std::span<const Measurement> measurements) {
  const std::optional<Trial> trial = GetTrial(study_id, trial_id);
  if (!trial) {
    throw NotFound("study " + std::to_string(study_id) + " has no trial " +
                   std::to_string(trial_id));
  }
  return MatchStoredMeasurements(trial->measurements, measurements);
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
