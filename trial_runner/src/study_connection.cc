#include "bayestune/trial_runner/study_connection.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <type_traits>

#include "bayestune/optimizer/errors.h"

namespace bayestune {

LocalStudyConnection::LocalStudyConnection(std::shared_ptr<Study> study,
                                           std::shared_ptr<StorageFullWait> space_wait)
    : study_(std::move(study)), space_wait_(std::move(space_wait)) {}

template <typename Call>
auto LocalStudyConnection::Writing(Call&& call) -> decltype(call()) {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> since;
  // A write on a full disk fails at once and costs little: retried after 0.1 s, then less often,
  // every second at most; the observer is asked every 20 ms meanwhile (the runner's loop turns
  // in it).
  std::chrono::milliseconds delay{100};
  const auto waited = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *since);
  };
  for (;;) {
    try {
      if constexpr (std::is_void_v<decltype(call())>) {
        call();
        if (since) space_wait_->SpaceAgain(waited());
        return;
      } else {
        auto result = call();
        if (since) space_wait_->SpaceAgain(waited());
        return result;
      }
    } catch (const StorageFull& e) {
      if (!space_wait_) throw;
      if (!since) since = Clock::now();
      const auto retry_at = Clock::now() + delay;
      delay = std::min(delay * 2, std::chrono::milliseconds(1000));
      do {
        if (!space_wait_->KeepWaitingForSpace(waited(), e.what())) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      } while (Clock::now() < retry_at);
    }
  }
}

std::string LocalStudyConnection::StudyName() {
  return study_->name();
}

StudySpec LocalStudyConnection::Spec() {
  return study_->spec();
}

std::vector<Trial> LocalStudyConnection::Suggest(int count, const std::string& client_id) {
  return Writing([&] { return study_->Suggest(count, client_id); });
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
  return Writing([&] { return study_->MarkStarted(trial_id, gpus, owner); });
}

Trial LocalStudyConnection::ExcludePause(std::int64_t trial_id, const TrialOwner& owner,
                                         double seconds) {
  return Writing([&] { return study_->ExcludePause(trial_id, seconds, owner); });
}

Trial StudyConnection::RecordJob(std::int64_t /*trial_id*/, const TrialOwner& /*owner*/,
                                 const std::string& /*job_id*/) {
  throw FailedPrecondition(
      "this study connection cannot record Slurm job ids: run the Slurm launcher with the study's "
      "database (bayestune run), not through a gRPC service");
}

Trial LocalStudyConnection::RecordJob(std::int64_t trial_id, const TrialOwner& owner,
                                      const std::string& job_id) {
  return Writing([&] { return study_->RecordJob(trial_id, job_id, owner); });
}

void LocalStudyConnection::AddMeasurements(std::int64_t trial_id, const TrialOwner& owner,
                                           const std::vector<Measurement>& measurements) {
  Writing([&] { study_->AddMeasurements(trial_id, measurements, owner); });
}

StopDecision LocalStudyConnection::ShouldStop(std::int64_t trial_id, const TrialOwner& owner) {
  return Writing([&] { return study_->ShouldStop(trial_id, owner); });
}

Trial LocalStudyConnection::Complete(std::int64_t trial_id, const TrialOwner& owner,
                                     std::optional<double> value, std::optional<std::int64_t> step,
                                     std::optional<double> ended_at) {
  return Writing([&] { return study_->Complete(trial_id, value, step, owner, ended_at); });
}

Trial LocalStudyConnection::Fail(std::int64_t trial_id, const TrialOwner& owner,
                                 const std::string& reason, std::optional<double> ended_at) {
  return Writing([&] { return study_->Fail(trial_id, reason, owner, ended_at); });
}

Trial LocalStudyConnection::MarkInfeasible(std::int64_t trial_id, const TrialOwner& owner,
                                           const std::string& reason,
                                           std::optional<double> ended_at) {
  return Writing([&] { return study_->MarkInfeasible(trial_id, reason, owner, ended_at); });
}

Trial LocalStudyConnection::Requeue(std::int64_t trial_id, const TrialOwner& owner,
                                    const std::string& reason, bool ran) {
  return Writing([&] { return study_->Requeue(trial_id, reason, owner, ran); });
}

StudyProgress LocalStudyConnection::Progress() {
  return study_->Progress();
}

}  // namespace bayestune
