#include "bayestune/proto/study_client.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "bayestune/optimizer/errors.h"
#include "small_file.h"
#include "status_conversion.h"
#include "study_proto_conversion.h"

namespace bayestune::proto {
namespace {

// Large enough for the ListTrials answer of a study of many thousand trials.
constexpr int kMaxResponseBytes = 256 * 1024 * 1024;

std::shared_ptr<grpc::ChannelCredentials> MakeCredentials(const StudyClientOptions& options) {
  if (!options.tls && options.tls_ca_file.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!options.tls_ca_file.empty()) {
    // Read with a limit: /dev/zero was read until the OOM killer came.
    ssl.pem_root_certs = ReadSmallFile("the TLS CA file '" + options.tls_ca_file + "'",
                                       options.tls_ca_file, std::size_t{16} << 20);
    // gRPC takes empty root certificates for "the system's": a CA file with no certificate in it
    // (empty, the server's key, a text) trusted every public CA and then failed as "empty address
    // list" (grpcfield3).
    if (ssl.pem_root_certs.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      throw InvalidArgument(
          "the TLS CA file '" + options.tls_ca_file + "' holds no certificate (" +
          (ssl.pem_root_certs.empty() ? std::string("it is empty")
                                      : std::string("no '-----BEGIN CERTIFICATE-----' line")) +
          "); give the PEM certificate that the server's is, or is signed by (for a "
          "self-signed server, the file its --tls-cert names)");
    }
  }
  return grpc::SslCredentials(ssl);
}

std::vector<Trial> TrialsFromProto(const google::protobuf::RepeatedPtrField<v1::Trial>& trials) {
  std::vector<Trial> out;
  out.reserve(trials.size());
  for (const v1::Trial& t : trials)
    out.push_back(TrialFromProto(t));
  return out;
}

template <typename Request>
Request TrialRequest(const std::string& study, std::int64_t trial_id,
                     const std::optional<TrialOwner>& owner = std::nullopt) {
  Request request;
  request.set_study(study);
  request.set_trial_id(trial_id);
  if constexpr (requires { request.mutable_owner(); }) {
    if (owner) *request.mutable_owner() = TrialOwnerToProto(*owner);
  }
  return request;
}

}  // namespace

StudyClient::StudyClient(const StudyClientOptions& options) : options_(options) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxResponseBytes);
  channel_ =
      grpc::CreateCustomChannel(options_.server_address, MakeCredentials(options_), arguments);
  stub_ = v1::StudyService::NewStub(channel_);
}

void StudyClient::PrepareContext(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
  context.set_wait_for_ready(options_.wait_for_ready);
  if (options_.token)
    context.AddMetadata(BearerToken::kMetadataKey, options_.token->MetadataValue());
}

template <typename Request, typename Response>
Response StudyClient::Call(const char* what,
                           grpc::Status (v1::StudyService::Stub::*method)(grpc::ClientContext*,
                                                                          const Request&,
                                                                          Response*),
                           const Request& request) {
  grpc::ClientContext context;
  PrepareContext(context);
  Response response;
  const grpc::Status status = ((*stub_).*method)(&context, request, &response);
  if (status.ok()) return response;
  const std::string where = std::string(what) + " on " + options_.server_address;
  const std::size_t bytes = request.ByteSizeLong();
  if (const auto limit = RequestSizeRefusal(status, context.GetServerTrailingMetadata(), bytes)) {
    // Refused however often it is sent: not retried as the server's full disk is.
    throw InvalidArgument(where + ": RESOURCE_EXHAUSTED: " + status.error_message() +
                          ": the request (" + std::to_string(bytes) +
                          " bytes) is larger than the server " + options_.server_address +
                          " takes (" + std::to_string(*limit) +
                          " bytes), and the same request never will be; start bayestune serve "
                          "with a larger --max-message-mb (1 to 1024 MiB)");
  }
  ThrowIfError(status, where);
  return response;
}

v1::Study StudyClient::CreateStudyFromYaml(const std::string& name,
                                           const std::string& tuning_yaml) {
  v1::CreateStudyRequest request;
  request.set_name(name);
  request.set_tuning_yaml(tuning_yaml);
  return Call("CreateStudy", &v1::StudyService::Stub::CreateStudy, request);
}

v1::Study StudyClient::CreateStudy(const std::string& name, const StudySpec& spec) {
  v1::CreateStudyRequest request;
  request.set_name(name);
  *request.mutable_spec() = StudySpecToProto(spec);
  return Call("CreateStudy", &v1::StudyService::Stub::CreateStudy, request);
}

v1::Study StudyClient::GetStudy(const std::string& name) {
  v1::GetStudyRequest request;
  request.set_name(name);
  return Call("GetStudy", &v1::StudyService::Stub::GetStudy, request);
}

std::vector<v1::Study> StudyClient::ListStudies() {
  const auto response =
      Call("ListStudies", &v1::StudyService::Stub::ListStudies, v1::ListStudiesRequest());
  return {response.studies().begin(), response.studies().end()};
}

void StudyClient::DeleteStudy(const std::string& name) {
  v1::DeleteStudyRequest request;
  request.set_name(name);
  Call("DeleteStudy", &v1::StudyService::Stub::DeleteStudy, request);
}

std::vector<Trial> StudyClient::SuggestTrials(const std::string& study, int count,
                                              const std::string& client_id, bool* study_done) {
  v1::SuggestTrialsRequest request;
  request.set_study(study);
  request.set_count(count);
  request.set_client_id(client_id);
  const auto response = Call("SuggestTrials", &v1::StudyService::Stub::SuggestTrials, request);
  if (study_done != nullptr) *study_done = response.study_done();
  return TrialsFromProto(response.trials());
}

void StudyClient::AddMeasurement(const std::string& study, std::int64_t trial_id, std::int64_t step,
                                 double value, const std::string& metric,
                                 const std::optional<TrialOwner>& owner) {
  auto request = TrialRequest<v1::AddMeasurementRequest>(study, trial_id, owner);
  request.set_step(step);
  request.set_value(value);
  request.set_metric(metric);
  Call("AddMeasurement", &v1::StudyService::Stub::AddMeasurement, request);
}

void StudyClient::AddMeasurements(const std::string& study, std::int64_t trial_id,
                                  const std::vector<Measurement>& measurements,
                                  const std::optional<TrialOwner>& owner) {
  auto request = TrialRequest<v1::AddMeasurementsRequest>(study, trial_id, owner);
  for (const Measurement& m : measurements)
    *request.add_measurements() = MeasurementToProto(m);
  Call("AddMeasurements", &v1::StudyService::Stub::AddMeasurements, request);
}

Trial StudyClient::CompleteTrial(const std::string& study, std::int64_t trial_id,
                                 std::optional<double> final_value,
                                 std::optional<std::int64_t> final_step,
                                 const std::optional<TrialOwner>& owner) {
  auto request = TrialRequest<v1::CompleteTrialRequest>(study, trial_id, owner);
  if (final_value) request.set_final_value(*final_value);
  if (final_step) request.set_final_step(*final_step);
  return TrialFromProto(Call("CompleteTrial", &v1::StudyService::Stub::CompleteTrial, request));
}

Trial StudyClient::CompleteTrialInfeasible(const std::string& study, std::int64_t trial_id,
                                           const std::string& reason,
                                           const std::optional<TrialOwner>& owner) {
  auto request = TrialRequest<v1::CompleteTrialRequest>(study, trial_id, owner);
  request.set_infeasible(true);
  request.set_infeasible_reason(reason);
  return TrialFromProto(Call("CompleteTrial", &v1::StudyService::Stub::CompleteTrial, request));
}

StopDecision StudyClient::ShouldStopTrial(const std::string& study, std::int64_t trial_id,
                                          const std::optional<TrialOwner>& owner) {
  const auto response = Call("ShouldStopTrial", &v1::StudyService::Stub::ShouldStopTrial,
                             TrialRequest<v1::ShouldStopTrialRequest>(study, trial_id, owner));
  StopDecision decision{response.should_stop(), response.reason()};
  for (const v1::RungPromotion& promotion : response.promotions())
    decision.promotions.push_back({promotion.rung(), promotion.step(), promotion.reason()});
  return decision;
}

Trial StudyClient::StopTrial(const std::string& study, std::int64_t trial_id) {
  return TrialFromProto(Call("StopTrial", &v1::StudyService::Stub::StopTrial,
                             TrialRequest<v1::StopTrialRequest>(study, trial_id)));
}

Trial StudyClient::GetTrial(const std::string& study, std::int64_t trial_id) {
  return TrialFromProto(Call("GetTrial", &v1::StudyService::Stub::GetTrial,
                             TrialRequest<v1::GetTrialRequest>(study, trial_id)));
}

std::vector<Trial> StudyClient::ListTrials(const std::string& study,
                                           const std::vector<TrialState>& states) {
  v1::ListTrialsRequest request;
  request.set_study(study);
  for (TrialState state : states)
    request.add_states(TrialStateToProto(state));
  return TrialsFromProto(Call("ListTrials", &v1::StudyService::Stub::ListTrials, request).trials());
}

std::vector<Trial> StudyClient::ListOptimalTrials(const std::string& study) {
  v1::ListOptimalTrialsRequest request;
  request.set_study(study);
  return TrialsFromProto(
      Call("ListOptimalTrials", &v1::StudyService::Stub::ListOptimalTrials, request).trials());
}

Trial StudyClient::FailTrial(const std::string& study, std::int64_t trial_id,
                             const std::string& reason, const std::optional<TrialOwner>& owner) {
  auto request = TrialRequest<v1::FailTrialRequest>(study, trial_id, owner);
  request.set_reason(reason);
  return TrialFromProto(Call("FailTrial", &v1::StudyService::Stub::FailTrial, request));
}

Trial StudyClient::RequeueTrial(const std::string& study, std::int64_t trial_id,
                                const std::string& reason, const std::optional<TrialOwner>& owner,
                                bool ran) {
  auto request = TrialRequest<v1::RequeueTrialRequest>(study, trial_id, owner);
  request.set_reason(reason);
  request.set_not_started(!ran);
  return TrialFromProto(Call("RequeueTrial", &v1::StudyService::Stub::RequeueTrial, request));
}

Trial StudyClient::MarkTrialStarted(const std::string& study, std::int64_t trial_id,
                                    const std::vector<int>& gpus,
                                    const std::optional<TrialOwner>& owner) {
  auto request = TrialRequest<v1::MarkTrialStartedRequest>(study, trial_id, owner);
  for (int gpu : gpus)
    request.add_gpus(gpu);
  return TrialFromProto(
      Call("MarkTrialStarted", &v1::StudyService::Stub::MarkTrialStarted, request));
}

Trial StudyClient::ExcludeTrialPause(const std::string& study, std::int64_t trial_id,
                                     double seconds, const std::optional<TrialOwner>& owner) {
  auto request = TrialRequest<v1::ExcludeTrialPauseRequest>(study, trial_id, owner);
  request.set_seconds(seconds);
  return TrialFromProto(
      Call("ExcludeTrialPause", &v1::StudyService::Stub::ExcludeTrialPause, request));
}

}  // namespace bayestune::proto
