#include "bayestune/trial_runner/study_connection.h"

#include <cmath>

#include "bayestune/optimizer/errors.h"

namespace bayestune {

LocalStudyConnection::LocalStudyConnection(std::shared_ptr<Study> study)
    : study_(std::move(study)) {}

std::string LocalStudyConnection::StudyName() {
  return study_->name();
}

StudySpec LocalStudyConnection::Spec() {
  return study_->spec();
}

std::vector<Trial> LocalStudyConnection::Suggest(int count, const std::string& client_id) {
  return study_->Suggest(count, client_id);
}

std::vector<Trial> LocalStudyConnection::PendingTrials() {
  std::vector<Trial> pending;
  for (Trial& t : study_->Trials()) {
    if (t.state == TrialState::kActive || t.state == TrialState::kStopping) {
      pending.push_back(std::move(t));
    }
  }
  return pending;
}

Trial LocalStudyConnection::MarkStarted(std::int64_t trial_id, const std::vector<int>& gpus) {
  return study_->MarkStarted(trial_id, gpus);
}

void LocalStudyConnection::AddMeasurements(std::int64_t trial_id,
                                           const std::vector<Measurement>& measurements) {
  if (measurements.size() <= 1) {
    for (const Measurement& m : measurements)
      study_->AddMeasurement(trial_id, m);
    return;
  }
  // A trainer reports many scalars between two polls: one transaction (one commit, one fsync)
  // for all of them instead of one each. The checks are Study::AddMeasurement's. The repository
  // is used directly, without the Study's lock, so no lock is ever taken in the other order.
  for (const Measurement& m : measurements) {
    if (!std::isfinite(m.value)) {
      throw InvalidArgument("measurement value of trial " + std::to_string(trial_id) +
                            " must be a finite number; complete the trial as infeasible instead");
    }
  }
  StudyRepository& repository = study_->repository();
  repository.RunInTransaction([&] {
    const auto trial = repository.GetTrial(study_->id(), trial_id);
    if (!trial) {
      throw NotFound("study '" + study_->name() + "' has no trial " + std::to_string(trial_id));
    }
    if (trial->state != TrialState::kActive && trial->state != TrialState::kStopping) {
      throw FailedPrecondition("trial " + std::to_string(trial_id) + " of study '" +
                               study_->name() + "' is " +
                               std::string(TrialStateName(trial->state)) +
                               "; only an ACTIVE or STOPPING trial can take measurements");
    }
    const double now = NowSeconds();
    for (Measurement m : measurements) {
      if (m.metric.empty()) m.metric = study_->spec().metric_tag;
      if (m.wall_time == 0) m.wall_time = now;
      repository.AddMeasurement(study_->id(), trial_id, m);
    }
  });
}

bool LocalStudyConnection::ShouldStop(std::int64_t trial_id) {
  return study_->ShouldStop(trial_id);
}

Trial LocalStudyConnection::Complete(std::int64_t trial_id, std::optional<double> value,
                                     std::optional<std::int64_t> step) {
  return study_->Complete(trial_id, value, step);
}

Trial LocalStudyConnection::Fail(std::int64_t trial_id, const std::string& reason) {
  return study_->Fail(trial_id, reason);
}

Trial LocalStudyConnection::MarkInfeasible(std::int64_t trial_id, const std::string& reason) {
  return study_->MarkInfeasible(trial_id, reason);
}

Trial LocalStudyConnection::Requeue(std::int64_t trial_id, const std::string& reason) {
  return study_->Requeue(trial_id, reason);
}

bool LocalStudyConnection::IsDone() {
  return study_->IsDone();
}

StudyProgress LocalStudyConnection::Progress() {
  return study_->Progress();
}

}  // namespace bayestune
