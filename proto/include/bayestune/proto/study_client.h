#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/stopping_rule.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/proto/bearer_token.h"
#include "bayestune/v1/study_service.grpc.pb.h"

namespace bayestune::proto {

struct StudyClientOptions {
  std::string server_address;  // host:port
  // TLS: the PEM file of the certificate(s) to trust (a self-signed server certificate itself),
  // or empty with `tls` for the system's roots. Neither: plaintext.
  bool tls = false;
  std::string tls_ca_file;
  std::optional<BearerToken> token;  // sent as `authorization: Bearer <token>`
  // Each call's deadline.
  std::chrono::milliseconds call_timeout = std::chrono::seconds(60);
  // Wait (within the deadline) for a server that is not reachable yet or restarting, instead of
  // failing at once with UNAVAILABLE. A call is never sent twice.
  bool wait_for_ready = false;
};

// A typed client of `bayestune.v1.StudyService`: the calls of `Study`, made remotely. It returns
// the optimizer's types and throws its errors (a NOT_FOUND status as NotFound, ...; the message
// names the call and the gRPC code). Thread-safe; one channel for all calls.
class StudyClient {
 public:
  // Throws NotFound when the CA file cannot be read.
  explicit StudyClient(const StudyClientOptions& options);

  v1::Study CreateStudyFromYaml(const std::string& name, const std::string& tuning_yaml);
  v1::Study CreateStudy(const std::string& name, const StudySpec& spec);
  v1::Study GetStudy(const std::string& name);
  std::vector<v1::Study> ListStudies();
  void DeleteStudy(const std::string& name);

  // Up to `count` trials for `client_id`; `study_done` (when given) tells whether the study will
  // suggest nothing more.
  std::vector<Trial> SuggestTrials(const std::string& study, int count,
                                   const std::string& client_id, bool* study_done = nullptr);
  // The calls about one trial take an optional owner (TrialOwner): with one, the server changes the
  // trial only while it is still that client's attempt (FailedPrecondition otherwise).
  void AddMeasurement(const std::string& study, std::int64_t trial_id, std::int64_t step,
                      double value, const std::string& metric = "",
                      const std::optional<TrialOwner>& owner = std::nullopt);
  // One call, one transaction for all of them (AddMeasurements): safe to send again.
  void AddMeasurements(const std::string& study, std::int64_t trial_id,
                       const std::vector<Measurement>& measurements,
                       const std::optional<TrialOwner>& owner = std::nullopt);
  Trial CompleteTrial(const std::string& study, std::int64_t trial_id,
                      std::optional<double> final_value = std::nullopt,
                      std::optional<std::int64_t> final_step = std::nullopt,
                      const std::optional<TrialOwner>& owner = std::nullopt);
  Trial CompleteTrialInfeasible(const std::string& study, std::int64_t trial_id,
                                const std::string& reason,
                                const std::optional<TrialOwner>& owner = std::nullopt);
  StopDecision ShouldStopTrial(const std::string& study, std::int64_t trial_id,
                               const std::optional<TrialOwner>& owner = std::nullopt);
  Trial StopTrial(const std::string& study, std::int64_t trial_id);
  Trial GetTrial(const std::string& study, std::int64_t trial_id);
  // Every trial in id order, or only those in `states`.
  std::vector<Trial> ListTrials(const std::string& study,
                                const std::vector<TrialState>& states = {});
  std::vector<Trial> ListOptimalTrials(const std::string& study);
  Trial FailTrial(const std::string& study, std::int64_t trial_id, const std::string& reason,
                  const std::optional<TrialOwner>& owner = std::nullopt);
  // `ran` false: RequeueTrialRequest.not_started.
  Trial RequeueTrial(const std::string& study, std::int64_t trial_id, const std::string& reason,
                     const std::optional<TrialOwner>& owner = std::nullopt, bool ran = true);
  Trial MarkTrialStarted(const std::string& study, std::int64_t trial_id,
                         const std::vector<int>& gpus,
                         const std::optional<TrialOwner>& owner = std::nullopt);
  Trial ExcludeTrialPause(const std::string& study, std::int64_t trial_id, double seconds,
                          const std::optional<TrialOwner>& owner = std::nullopt);

  // The generated stub, for calls made by hand; PrepareContext sets the deadline and the token.
  v1::StudyService::Stub& stub() { return *stub_; }
  void PrepareContext(grpc::ClientContext& context) const;

  const std::string& server_address() const { return options_.server_address; }

 private:
  template <typename Request, typename Response>
  Response Call(const char* what,
                grpc::Status (v1::StudyService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                               Response*),
                const Request& request);

  StudyClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::StudyService::Stub> stub_;
};

}  // namespace bayestune::proto
