#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "bayestune/proto/study_client.h"
#include "bayestune/trial_runner/study_connection.h"

namespace bayestune::cli {

// The trial runner's StudyConnection over gRPC: the study lives in a `bayestune serve` process,
// and this worker runs some of its trials. A call that fails because the server is unreachable,
// restarting or cannot serve it for now (UNAVAILABLE: its database locked by another process;
// RESOURCE_EXHAUSTED: its disk full) is retried for up to `retry_for`, while the trainers go on;
// a completion that the server had already committed before the answer was lost is recognised and
// not reported as an error.
class RemoteStudyConnection : public StudyConnection {
 public:
  // Told the first error of each spell of retries (the server's reason; `over` false), and that
  // the calls go through again when they do (`over` true).
  using RetryNotice = std::function<void(const std::string& message, bool over)>;

  // Reads the study's spec once. Throws NotFound for an unknown study. With `create_yaml` (a
  // tuning.yaml's text), the study is first created from it, or checked to be the same (the
  // server's CreateStudy), retried as the other calls: a worker started before its server waits
  // for it.
  RemoteStudyConnection(std::shared_ptr<proto::StudyClient> client, std::string study,
                        std::chrono::milliseconds retry_for = std::chrono::minutes(2),
                        RetryNotice notice = nullptr, const std::string& create_yaml = {});

  // The study's tuning.yaml as stored by the server (empty for a structured spec).
  const std::string& tuning_yaml() const { return tuning_yaml_; }

  std::string StudyName() override { return study_; }
  StudySpec Spec() override { return spec_; }
  std::vector<Trial> Suggest(int count, const std::string& client_id) override;
  std::vector<Trial> PendingTrials() override;
  Trial MarkStarted(std::int64_t trial_id, const TrialOwner& owner,
                    const std::vector<int>& gpus) override;
  // Retried as a change: a retry whose attempt before was committed (the start moved) is not
  // applied twice.
  Trial ExcludePause(std::int64_t trial_id, const TrialOwner& owner, double seconds) override;
  // One AddMeasurements call (one transaction on the server) per batch (at most 10,000
  // measurements and 768 KiB), retried as a whole: the server leaves out measurements it already
  // has.
  void AddMeasurements(std::int64_t trial_id, const TrialOwner& owner,
                       const std::vector<Measurement>& measurements) override;
  StopDecision ShouldStop(std::int64_t trial_id, const TrialOwner& owner) override;
  // `ended_at` is left to the server, which stamps its own time.
  Trial Complete(std::int64_t trial_id, const TrialOwner& owner, std::optional<double> value,
                 std::optional<std::int64_t> step, std::optional<double> ended_at) override;
  Trial Fail(std::int64_t trial_id, const TrialOwner& owner, const std::string& reason,
             std::optional<double> ended_at) override;
  Trial MarkInfeasible(std::int64_t trial_id, const TrialOwner& owner, const std::string& reason,
                       std::optional<double> ended_at) override;
  Trial Requeue(std::int64_t trial_id, const TrialOwner& owner, const std::string& reason,
                bool ran) override;
  StudyProgress Progress() override;

 private:
  // Runs `call`, again while it throws Unavailable or ResourceExhausted and `retry_for` has not
  // passed.
  template <typename Call>
  auto Retrying(Call&& call) -> decltype(call());
  // A state change, retried like the others; before a retry, a trial for which `done` holds
  // shows that the attempt before was committed although its answer was lost: that is the result.
  Trial ChangeTrial(std::int64_t trial_id, const std::function<Trial()>& change,
                    const std::function<bool(const Trial&)>& done);

  std::shared_ptr<proto::StudyClient> client_;
  std::string study_;
  std::chrono::milliseconds retry_for_;
  RetryNotice notice_;
  std::atomic<bool> retrying_{false};  // in a spell of retries that `notice_` was told about
  StudySpec spec_;
  std::string tuning_yaml_;
};

}  // namespace bayestune::cli
