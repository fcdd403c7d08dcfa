#include "bayestune/trial_runner/study_connection.h"

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

Trial LocalStudyConnection::MarkStarted(std::int64_t trial_id, const TrialOwner& owner,
                                        const std::vector<int>& gpus) {
  return study_->MarkStarted(trial_id, gpus, owner);
}

Trial StudyConnection::RecordJob(std::int64_t /*trial_id*/, const TrialOwner& /*owner*/,
                                 const std::string& /*job_id*/) {
  throw FailedPrecondition(
      "this study connection cannot record Slurm job ids: run the Slurm launcher with the study's "
      "database (bayestune run), not through a gRPC service");
}

Trial LocalStudyConnection::RecordJob(std::int64_t trial_id, const TrialOwner& owner,
                                      const std::string& job_id) {
  return study_->RecordJob(trial_id, job_id, owner);
}

void LocalStudyConnection::AddMeasurements(std::int64_t trial_id, const TrialOwner& owner,
                                           const std::vector<Measurement>& measurements) {
  study_->AddMeasurements(trial_id, measurements, owner);
}

StopDecision LocalStudyConnection::ShouldStop(std::int64_t trial_id, const TrialOwner& owner) {
  return study_->ShouldStop(trial_id, owner);
}

Trial LocalStudyConnection::Complete(std::int64_t trial_id, const TrialOwner& owner,
                                     std::optional<double> value, std::optional<std::int64_t> step,
                                     std::optional<double> ended_at) {
  return study_->Complete(trial_id, value, step, owner, ended_at);
}

Trial LocalStudyConnection::Fail(std::int64_t trial_id, const TrialOwner& owner,
                                 const std::string& reason, std::optional<double> ended_at) {
  return study_->Fail(trial_id, reason, owner, ended_at);
}

Trial LocalStudyConnection::MarkInfeasible(std::int64_t trial_id, const TrialOwner& owner,
                                           const std::string& reason,
                                           std::optional<double> ended_at) {
  return study_->MarkInfeasible(trial_id, reason, owner, ended_at);
}

Trial LocalStudyConnection::Requeue(std::int64_t trial_id, const TrialOwner& owner,
                                    const std::string& reason) {
  return study_->Requeue(trial_id, reason, owner);
}

StudyProgress LocalStudyConnection::Progress() {
  return study_->Progress();
}

}  // namespace bayestune
