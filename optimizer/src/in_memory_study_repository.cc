#include "bayestune/optimizer/in_memory_study_repository.h"

#include "bayestune/optimizer/errors.h"

namespace bayestune {

InMemoryStudyRepository::StoredStudy& InMemoryStudyRepository::StudyOrThrow(std::int64_t id) {
  auto it = studies_.find(id);
  if (it == studies_.end()) throw names_.Missing(id, "");
  return it->second;
}

Trial& InMemoryStudyRepository::TrialOrThrow(std::int64_t study_id, std::int64_t trial_id) {
  StoredStudy& study = StudyOrThrow(study_id);
  auto it = study.trials.find(trial_id);
  if (it == study.trials.end()) {
    throw NotFound("study '" + study.record.name + "' has no trial " + std::to_string(trial_id));
  }
  return it->second;
}

void InMemoryStudyRepository::Counted(StoredStudy& study, const Trial& trial) {
  ++study.counts[{trial.state, trial.stopped_early}];
  if (trial.state == TrialState::kRequested) study.requested.insert(trial.id);
  if (trial.state == TrialState::kActive || trial.state == TrialState::kStopping) {
    study.pending_by_client[trial.client_id].insert(trial.id);
  }
}

void InMemoryStudyRepository::Uncounted(StoredStudy& study, const Trial& trial) {
  const auto count = study.counts.find({trial.state, trial.stopped_early});
  if (count != study.counts.end() && --count->second == 0) study.counts.erase(count);
  study.requested.erase(trial.id);
  if (const auto pending = study.pending_by_client.find(trial.client_id);
      pending != study.pending_by_client.end()) {
    pending->second.erase(trial.id);
    if (pending->second.empty()) study.pending_by_client.erase(pending);
  }
}

StudyRecord InMemoryStudyRepository::CreateStudy(StudyRecord study) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, stored] : studies_) {
    if (stored.record.name == study.name) {
      throw AlreadyExists("a study named '" + study.name + "' already exists");
    }
  }
  if (study.id == 0) study.id = next_study_id_;
  next_study_id_ = std::max(next_study_id_, study.id + 1);
  if (study.created_time == 0) study.created_time = NowSeconds();
  studies_[study.id] = StoredStudy{study, {}, {}, {}, {}, {}};
  names_.Remember(study);
  return study;
}

std::optional<StudyRecord> InMemoryStudyRepository::FindStudy(const std::string& name) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, stored] : studies_) {
    if (stored.record.name == name) return stored.record;
  }
  return std::nullopt;
}

std::optional<StudyRecord> InMemoryStudyRepository::GetStudy(std::int64_t study_id) {
  std::lock_guard lock(mutex_);
  auto it = studies_.find(study_id);
  if (it == studies_.end()) return std::nullopt;
  return it->second.record;
}

std::vector<StudyRecord> InMemoryStudyRepository::ListStudies() {
  std::lock_guard lock(mutex_);
  std::vector<StudyRecord> out;
  for (const auto& [id, stored] : studies_)
    out.push_back(stored.record);
  return out;
}

void InMemoryStudyRepository::DeleteStudy(std::int64_t study_id) {
  std::lock_guard lock(mutex_);
  StudyOrThrow(study_id);
  studies_.erase(study_id);
}

void InMemoryStudyRepository::SetStudyState(std::int64_t study_id, StudyState state) {
  std::lock_guard lock(mutex_);
  StudyOrThrow(study_id).record.state = state;
}

void InMemoryStudyRepository::UpdateStudySpec(std::int64_t study_id, const StudySpec& spec,
                                              const std::string& spec_text,
                                              const StudyChange& change) {
  std::lock_guard lock(mutex_);
  StoredStudy& study = StudyOrThrow(study_id);
  study.record.spec = spec;
  study.record.spec_text = spec_text;
  study.changes.push_back(change);
}

void InMemoryStudyRepository::AddStudyChange(std::int64_t study_id, const StudyChange& change) {
  std::lock_guard lock(mutex_);
  StudyOrThrow(study_id).changes.push_back(change);
}

std::vector<StudyChange> InMemoryStudyRepository::ListStudyChanges(std::int64_t study_id) {
  std::lock_guard lock(mutex_);
  return StudyOrThrow(study_id).changes;
}

Trial InMemoryStudyRepository::AddTrial(std::int64_t study_id, Trial trial) {
  std::lock_guard lock(mutex_);
  StoredStudy& study = StudyOrThrow(study_id);
  trial.id = study.trials.empty() ? 1 : study.trials.rbegin()->first + 1;
  study.trials[trial.id] = trial;
  Counted(study, trial);
  return trial;
}

void InMemoryStudyRepository::UpdateTrial(std::int64_t study_id, const Trial& trial) {
  std::lock_guard lock(mutex_);
  StoredStudy& study = StudyOrThrow(study_id);
  Trial& stored = TrialOrThrow(study_id, trial.id);
  Uncounted(study, stored);
  std::vector<Measurement> measurements = std::move(stored.measurements);
  stored = trial;
  stored.measurements = std::move(measurements);
  Counted(study, stored);
}

void InMemoryStudyRepository::AddMeasurement(std::int64_t study_id, std::int64_t trial_id,
                                             const Measurement& measurement) {
  std::lock_guard lock(mutex_);
  TrialOrThrow(study_id, trial_id).measurements.push_back(measurement);
}

std::optional<Trial> InMemoryStudyRepository::GetTrial(std::int64_t study_id,
                                                       std::int64_t trial_id) {
  std::lock_guard lock(mutex_);
  StoredStudy& study = StudyOrThrow(study_id);
  auto it = study.trials.find(trial_id);
  if (it == study.trials.end()) return std::nullopt;
  return it->second;
}

std::optional<Trial> InMemoryStudyRepository::GetTrialWithoutMeasurements(std::int64_t study_id,
                                                                          std::int64_t trial_id) {
  std::lock_guard lock(mutex_);
  StoredStudy& study = StudyOrThrow(study_id);
  auto it = study.trials.find(trial_id);
  if (it == study.trials.end()) return std::nullopt;
  // Copied without its measurements: they are set aside while the rest is copied.
  Trial& stored = it->second;
  std::vector<Measurement> measurements = std::move(stored.measurements);
  stored.measurements.clear();
  std::optional<Trial> trial;
  try {
    trial = stored;
  } catch (...) {
    stored.measurements = std::move(measurements);
    throw;
  }
  stored.measurements = std::move(measurements);
  return trial;
}

std::vector<bool> InMemoryStudyRepository::StoredMeasurements(
    std::int64_t study_id, std::int64_t trial_id, std::span<const Measurement> measurements) {
  std::lock_guard lock(mutex_);
  return MatchStoredMeasurements(TrialOrThrow(study_id, trial_id).measurements, measurements);
}

std::vector<Trial> InMemoryStudyRepository::ListTrials(std::int64_t study_id) {
  std::lock_guard lock(mutex_);
  std::vector<Trial> out;
  for (const auto& [id, trial] : StudyOrThrow(study_id).trials)
    out.push_back(trial);
  return out;
}

std::vector<ParameterValues> InMemoryStudyRepository::ListTrialParameters(std::int64_t study_id) {
  std::lock_guard lock(mutex_);
  std::vector<ParameterValues> out;
  for (const auto& [id, trial] : StudyOrThrow(study_id).trials) {
    if (!trial.parameters.empty()) out.push_back(trial.parameters);
  }
  return out;
}

TrialTally InMemoryStudyRepository::TallyTrials(std::int64_t study_id, const std::string& client_id,
                                                int requested_limit) {
  std::lock_guard lock(mutex_);
  StoredStudy& study = StudyOrThrow(study_id);
  TrialTally tally;
  tally.total = static_cast<std::int64_t>(study.trials.size());
  tally.counts = study.counts;
  for (const std::int64_t id : study.requested) {
    if (static_cast<int>(tally.requested.size()) >= requested_limit) break;
    tally.requested.push_back(study.trials.at(id));
  }
  if (!client_id.empty()) {
    if (const auto pending = study.pending_by_client.find(client_id);
        pending != study.pending_by_client.end()) {
      for (const std::int64_t id : pending->second)
        tally.pending_of_client.push_back(study.trials.at(id));
    }
  }
  return tally;
}

void InMemoryStudyRepository::RunInTransaction(const std::function<void()>& body) {
  // Memory needs no rollback: `Study` checks every argument before it writes anything.
  std::lock_guard lock(mutex_);
  body();
}

}  // namespace bayestune
