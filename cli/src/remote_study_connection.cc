#include "remote_study_connection.h"

#include <cmath>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/proto/study_proto_conversion.h"

namespace bayestune::cli {

RemoteStudyConnection::RemoteStudyConnection(std::shared_ptr<proto::StudyClient> client,
                                             std::string study, std::chrono::milliseconds retry_for)
    : client_(std::move(client)), study_(std::move(study)), retry_for_(retry_for) {
  const v1::Study stored = Retrying([&] { return client_->GetStudy(study_); });
  spec_ = proto::StudySpecFromProto(stored.spec());
  tuning_yaml_ = stored.tuning_yaml();
}

template <typename Call>
auto RemoteStudyConnection::Retrying(Call&& call) -> decltype(call()) {
  const auto give_up = std::chrono::steady_clock::now() + retry_for_;
  auto pause = std::chrono::milliseconds(100);
  while (true) {
    try {
      return call();
    } catch (const Unavailable& e) {
      if (std::chrono::steady_clock::now() + pause >= give_up) {
        throw Unavailable(
            "the server " + client_->server_address() + " did not answer for " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(retry_for_).count()) +
            " s (last: " + e.what() +
            "); when it is back, start this worker again: the trials it was running run again");
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(5000));
    }
  }
}

Trial RemoteStudyConnection::ChangeTrial(std::int64_t trial_id,
                                         const std::function<Trial()>& change,
                                         const std::function<bool(const Trial&)>& done) {
  bool retry = false;
  return Retrying([&] {
    if (retry) {
      // The attempt before may have been committed although its answer was lost.
      Trial now = client_->GetTrial(study_, trial_id);
      if (done(now)) return now;
    }
    retry = true;
    return change();
  });
}

std::vector<Trial> RemoteStudyConnection::Suggest(int count, const std::string& client_id) {
  // Asking again with the same client id gives the same trials: safe to retry.
  return Retrying([&] { return client_->SuggestTrials(study_, count, client_id); });
}

std::vector<Trial> RemoteStudyConnection::PendingTrials() {
  return Retrying([&] {
    return client_->ListTrials(study_, {TrialState::kActive, TrialState::kStopping});
  });
}

Trial RemoteStudyConnection::MarkStarted(std::int64_t trial_id, const std::vector<int>& gpus) {
  return Retrying([&] { return client_->MarkTrialStarted(study_, trial_id, gpus); });
}

void RemoteStudyConnection::AddMeasurements(std::int64_t trial_id,
                                            const std::vector<Measurement>& measurements) {
  for (const Measurement& m : measurements) {
    Retrying([&] {
      client_->AddMeasurement(study_, trial_id, m.step, m.value, m.metric);
      return 0;
    });
  }
}

bool RemoteStudyConnection::ShouldStop(std::int64_t trial_id) {
  return Retrying([&] { return client_->ShouldStopTrial(study_, trial_id); });
}

Trial RemoteStudyConnection::Complete(std::int64_t trial_id, std::optional<double> value,
                                      std::optional<std::int64_t> step) {
  // The service refuses a non-finite value; the local Study makes such a trial INFEASIBLE, and so
  // does this.
  if (value && !std::isfinite(*value)) {
    return MarkInfeasible(trial_id, "the objective value is " + FormatDouble(*value));
  }
  return ChangeTrial(
      trial_id, [&] { return client_->CompleteTrial(study_, trial_id, value, step); },
      [](const Trial& t) { return t.IsFinished(); });
}

Trial RemoteStudyConnection::Fail(std::int64_t trial_id, const std::string& reason) {
  return ChangeTrial(
      trial_id, [&] { return client_->FailTrial(study_, trial_id, reason); },
      [](const Trial& t) { return t.state == TrialState::kFailed; });
}

Trial RemoteStudyConnection::MarkInfeasible(std::int64_t trial_id, const std::string& reason) {
  return ChangeTrial(
      trial_id, [&] { return client_->CompleteTrialInfeasible(study_, trial_id, reason); },
      [](const Trial& t) { return t.state == TrialState::kInfeasible; });
}

Trial RemoteStudyConnection::Requeue(std::int64_t trial_id, const std::string& reason) {
  return ChangeTrial(
      trial_id, [&] { return client_->RequeueTrial(study_, trial_id, reason); },
      [](const Trial& t) { return t.state == TrialState::kRequested; });
}

bool RemoteStudyConnection::IsDone() {
  return Retrying([&] { return client_->GetStudy(study_).state() == v1::Study::COMPLETED; });
}

StudyProgress RemoteStudyConnection::Progress() {
  const v1::StudyProgress p = Retrying([&] { return client_->GetStudy(study_).progress(); });
  StudyProgress out;
  out.requested = p.requested();
  out.active = p.active();
  out.succeeded = p.succeeded();
  out.failed = p.failed();
  out.infeasible = p.infeasible();
  out.stopped_early = p.stopped_early();
  out.max_trials = p.max_trials();
  return out;
}

}  // namespace bayestune::cli
