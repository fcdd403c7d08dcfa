#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bayestune/optimizer/study.h"
#include "bayestune/optimizer/study_repository.h"
#include "bayestune/proto/bearer_token.h"
#include "bayestune/v1/study_service.grpc.pb.h"

namespace bayestune::proto {

// The handlers of `bayestune.v1.StudyService`: each checks the bearer token (when there is one),
// then takes one of the `max_calls` call slots (RESOURCE_EXHAUSTED when all are taken), so that
// calls without a valid token never hold one, then checks the request's fields and makes one
// call on a `Study` over the repository. Errors keep
// their kind as the gRPC code (InvalidArgument -> INVALID_ARGUMENT naming the field, NotFound ->
// NOT_FOUND, ...). Thread-safe: the server calls it from many threads at once.
class StudyServiceImpl final : public v1::StudyService::Service {
 public:
  // The most trials one SuggestTrials call may ask for.
  static constexpr int kMaxSuggestCount = 1000;
  // The most measurements one AddMeasurements call may carry.
  static constexpr int kMaxMeasurementsPerCall = 10000;
  // The most GPU ids one MarkTrialStarted call may give a trial.
  static constexpr std::size_t kMaxTrialGpus = 1024;

  StudyServiceImpl(std::shared_ptr<StudyRepository> repository, std::optional<BearerToken> token,
                   int max_calls = 1024);

  grpc::Status CreateStudy(grpc::ServerContext* context, const v1::CreateStudyRequest* request,
                           v1::Study* response) override;
  grpc::Status GetStudy(grpc::ServerContext* context, const v1::GetStudyRequest* request,
                        v1::Study* response) override;
  grpc::Status ListStudies(grpc::ServerContext* context, const v1::ListStudiesRequest* request,
                           v1::ListStudiesResponse* response) override;
  grpc::Status DeleteStudy(grpc::ServerContext* context, const v1::DeleteStudyRequest* request,
                           v1::DeleteStudyResponse* response) override;
  grpc::Status SuggestTrials(grpc::ServerContext* context, const v1::SuggestTrialsRequest* request,
                             v1::SuggestTrialsResponse* response) override;
  grpc::Status AddMeasurement(grpc::ServerContext* context,
                              const v1::AddMeasurementRequest* request,
                              v1::AddMeasurementResponse* response) override;
  grpc::Status AddMeasurements(grpc::ServerContext* context,
                               const v1::AddMeasurementsRequest* request,
                               v1::AddMeasurementsResponse* response) override;
  grpc::Status CompleteTrial(grpc::ServerContext* context, const v1::CompleteTrialRequest* request,
                             v1::Trial* response) override;
  grpc::Status ShouldStopTrial(grpc::ServerContext* context,
                               const v1::ShouldStopTrialRequest* request,
                               v1::ShouldStopTrialResponse* response) override;
  grpc::Status StopTrial(grpc::ServerContext* context, const v1::StopTrialRequest* request,
                         v1::Trial* response) override;
  grpc::Status GetTrial(grpc::ServerContext* context, const v1::GetTrialRequest* request,
                        v1::Trial* response) override;
  grpc::Status ListTrials(grpc::ServerContext* context, const v1::ListTrialsRequest* request,
                          v1::ListTrialsResponse* response) override;
  grpc::Status ListOptimalTrials(grpc::ServerContext* context,
                                 const v1::ListOptimalTrialsRequest* request,
                                 v1::ListOptimalTrialsResponse* response) override;
  grpc::Status FailTrial(grpc::ServerContext* context, const v1::FailTrialRequest* request,
                         v1::Trial* response) override;
  grpc::Status RequeueTrial(grpc::ServerContext* context, const v1::RequeueTrialRequest* request,
                            v1::Trial* response) override;
  grpc::Status MarkTrialStarted(grpc::ServerContext* context,
                                const v1::MarkTrialStartedRequest* request,
                                v1::Trial* response) override;
  grpc::Status ExcludeTrialPause(grpc::ServerContext* context,
                                 const v1::ExcludeTrialPauseRequest* request,
                                 v1::Trial* response) override;

 private:
  // Checks the token, takes a call slot, runs `body`, and turns what it throws into a status.
  template <typename Body>
  grpc::Status Serve(grpc::ServerContext& context, Body&& body);
  // The study of that name (NotFound naming `field` otherwise), with its record as stored now. One
  // `Study` a study is kept, so that calls on the same study share it.
  std::shared_ptr<Study> OpenStudy(const std::string& field, const std::string& name,
                                   StudyRecord* record = nullptr);
  v1::Study DescribeStudy(const std::string& name);
  // Creates the study, or opens it with `spec` (which may change its budgets), and caches it.
  void CreateOrOpen(const std::string& name, const StudySpec& spec, const std::string& spec_text);
  // The trial as a message, after `body` returned it.
  v1::Trial Describe(Study& study, const Trial& trial) const;

  std::shared_ptr<StudyRepository> repository_;
  std::optional<BearerToken> token_;
  int max_calls_;
  std::atomic<int> calls_in_slots_{0};  // authenticated calls being served
  std::mutex studies_mutex_;
  std::map<std::string, std::shared_ptr<Study>> studies_;  // by name
};

}  // namespace bayestune::proto
