#include "bayestune/proto/remote_study_connection.h"

#include <cmath>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "study_proto_conversion.h"
#include "study_service.h"

namespace bayestune::cli {

RemoteStudyConnection::RemoteStudyConnection(std::shared_ptr<proto::StudyClient> client,
                                             std::string study, std::chrono::milliseconds retry_for,
                                             RetryNotice notice, const std::string& create_yaml)
    : client_(std::move(client)),
      study_(std::move(study)),
      retry_for_(retry_for),
      notice_(std::move(notice)) {
  // Creating a study that exists with the same spec returns it: safe to retry.
  if (!create_yaml.empty())
    Retrying([&] { return client_->CreateStudyFromYaml(study_, create_yaml); });
  const v1::Study stored = Retrying([&] { return client_->GetStudy(study_); });
  spec_ = proto::StudySpecFromProto(stored.spec());
  tuning_yaml_ = stored.tuning_yaml();
}

template <typename Call>
auto RemoteStudyConnection::Retrying(Call&& call) -> decltype(call()) {
  const auto give_up = std::chrono::steady_clock::now() + retry_for_;
  auto pause = std::chrono::milliseconds(100);
  const std::string seconds =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(retry_for_).count());
  while (true) {
    std::string failure;
    try {
      auto result = call();
      if (retrying_ && notice_)
        notice_("the server " + client_->server_address() + " serves again", true);
      retrying_ = false;
      return result;
    } catch (const Unavailable& e) {
      failure = e.what();
    } catch (const ResourceExhausted& e) {
      // The server's disk (or memory) is full, or it serves --max-calls calls already: its
      // operator can free some, as a server that restarts comes back; the trainers go on
      // meanwhile. (A request over the server's --max-message-mb, refused however often it is
      // sent, is InvalidArgument from StudyClient, told by its status and source: a --create
      // file of 4 MB was sent again for two minutes.)
      failure = e.what();
    } catch (const InvalidArgument&) {
      retrying_ = false;
      throw;
    }
    if (std::chrono::steady_clock::now() + pause >= give_up) {
      retrying_ = false;
      throw Unavailable("the server " + client_->server_address() +
                        " did not answer, or could not serve the call, for " + seconds +
                        " s (last: " + failure +
                        "); when it serves again, start this worker again: the trials it was "
                        "running run again");
    }
    if (!retrying_ && notice_) {
      notice_("the server " + client_->server_address() + " cannot serve the call now (" + failure +
                  "); retrying for up to " + seconds + " s while the running trials go on",
              false);
    }
    retrying_ = true;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(5000));
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

Trial RemoteStudyConnection::MarkStarted(std::int64_t trial_id, const TrialOwner& owner,
                                         const std::vector<int>& gpus) {
  return Retrying([&] { return client_->MarkTrialStarted(study_, trial_id, gpus, owner); });
}

Trial RemoteStudyConnection::ExcludePause(std::int64_t trial_id, const TrialOwner& owner,
                                          double seconds) {
  const Trial before = Retrying([&] { return client_->GetTrial(study_, trial_id); });
  return ChangeTrial(
      trial_id, [&] { return client_->ExcludeTrialPause(study_, trial_id, seconds, owner); },
      [&](const Trial& now) { return now.start_time != before.start_time; });
}

void RemoteStudyConnection::AddMeasurements(std::int64_t trial_id, const TrialOwner& owner,
                                            const std::vector<Measurement>& measurements) {
  // A batch is at most the service's count and at most kBatchBytes, well under the smallest
  // request a server takes (--max-message-mb 1): 10,000 scalars of a 1,000-byte tag made a 10 MB
  // request, which the server refused (RESOURCE_EXHAUSTED) however often it was sent.
  constexpr std::size_t kBatch = proto::StudyServiceImpl::kMaxMeasurementsPerCall;
  constexpr std::size_t kBatchBytes = 768 * 1024;  // 10,000 of a tag under 30 bytes
  // A measurement's encoding: its metric, and at most 48 bytes of tags, lengths, step, value, wall
  // time and attempt.
  const auto bytes_of = [](const Measurement& m) { return m.metric.size() + 48; };
  std::size_t begin = 0;
  while (begin < measurements.size()) {
    std::size_t end = begin;
    std::size_t bytes = 0;
    while (end < measurements.size() && end - begin < kBatch &&
           (end == begin || bytes + bytes_of(measurements[end]) <= kBatchBytes)) {
      bytes += bytes_of(measurements[end]);
      ++end;
    }
    const std::vector<Measurement> batch(measurements.begin() + static_cast<std::ptrdiff_t>(begin),
                                         measurements.begin() + static_cast<std::ptrdiff_t>(end));
    Retrying([&] {
      client_->AddMeasurements(study_, trial_id, batch, owner);
      return 0;
    });
    begin = end;
  }
}

StopDecision RemoteStudyConnection::ShouldStop(std::int64_t trial_id, const TrialOwner& owner) {
  return Retrying([&] { return client_->ShouldStopTrial(study_, trial_id, owner); });
}

Trial RemoteStudyConnection::Complete(std::int64_t trial_id, const TrialOwner& owner,
                                      std::optional<double> value, std::optional<std::int64_t> step,
                                      std::optional<double> ended_at) {
  // The service refuses a non-finite value; the local Study makes such a trial INFEASIBLE, and so
  // does this.
  if (value && !std::isfinite(*value)) {
    return MarkInfeasible(trial_id, owner, "the objective value is " + FormatDouble(*value),
                          ended_at);
  }
  return ChangeTrial(
      trial_id, [&] { return client_->CompleteTrial(study_, trial_id, value, step, owner); },
      [&](const Trial& t) { return t.IsFinished() && t.attempt == owner.attempt; });
}

Trial RemoteStudyConnection::Fail(std::int64_t trial_id, const TrialOwner& owner,
                                  const std::string& reason, std::optional<double> /*ended_at*/) {
  return ChangeTrial(
      trial_id, [&] { return client_->FailTrial(study_, trial_id, reason, owner); },
      [&](const Trial& t) { return t.state == TrialState::kFailed && t.attempt == owner.attempt; });
}

Trial RemoteStudyConnection::MarkInfeasible(std::int64_t trial_id, const TrialOwner& owner,
                                            const std::string& reason,
                                            std::optional<double> /*ended_at*/) {
  return ChangeTrial(
      trial_id, [&] { return client_->CompleteTrialInfeasible(study_, trial_id, reason, owner); },
      [&](const Trial& t) {
        return t.state == TrialState::kInfeasible && t.attempt == owner.attempt;
      });
}

Trial RemoteStudyConnection::Requeue(std::int64_t trial_id, const TrialOwner& owner,
                                     const std::string& reason, bool ran) {
  return ChangeTrial(
      trial_id, [&] { return client_->RequeueTrial(study_, trial_id, reason, owner, ran); },
      [&](const Trial& t) {
        return t.state == TrialState::kRequested && t.attempt == owner.attempt + (ran ? 1 : 0);
      });
}

StudyProgress RemoteStudyConnection::Progress() {
  return proto::StudyProgressFromProto(
      Retrying([&] { return client_->GetStudy(study_).progress(); }));
}

}  // namespace bayestune::cli
