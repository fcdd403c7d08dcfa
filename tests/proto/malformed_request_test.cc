// Requests a careless or hostile client can send: each gets the conventional status code, and the
// server keeps serving.

#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <limits>

#include "grpc_test_support.h"
#include "raw_grpc_call.h"
#include "study_proto_conversion.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

using Stub = v1::StudyService::Stub;

// One call through the generated stub, returning its status as is.
template <typename Request, typename Response>
grpc::Status Invoke(proto::StudyClient& client,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request) {
  grpc::ClientContext context;
  client.PrepareContext(context);
  Response response;
  return (client.stub().*method)(&context, request, &response);
}

v1::AddMeasurementRequest Measure(const std::string& study, std::int64_t trial, double value) {
  v1::AddMeasurementRequest request;
  request.set_study(study);
  request.set_trial_id(trial);
  request.set_step(1);
  request.set_value(value);
  return request;
}

}  // namespace

TEST_CASE("malformed requests get the right status code and the server keeps serving", "[grpc]") {
  TempFolder dir("grpc-malformed");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  client.CreateStudyFromYaml("s", TestTuningYaml(10));
  const std::int64_t trial = client.SuggestTrials("s", 1, "c").at(0).id;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  grpc::Status status;

  SECTION("an unknown study or trial is NOT_FOUND") {
    v1::GetStudyRequest get;
    get.set_name("nope");
    status = Invoke(client, &Stub::GetStudy, get);
    CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK_THAT(status.error_message(), Catch::Contains("nope"));
    CHECK(Invoke(client, &Stub::AddMeasurement, Measure("nope", trial, 1.0)).error_code() ==
          grpc::StatusCode::NOT_FOUND);
    status = Invoke(client, &Stub::AddMeasurement, Measure("s", 999, 1.0));
    CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK_THAT(status.error_message(), Catch::Contains("trial 999"));
    CHECK(StatusCodeOf([&] { client.CompleteTrial("s", 999, 0.5); }) == "NOT_FOUND");
    CHECK(StatusCodeOf([&] { client.GetTrial("s", 999); }) == "NOT_FOUND");
    CHECK(StatusCodeOf([&] { client.ListTrials("nope"); }) == "NOT_FOUND");
    status = Invoke(client, &Stub::AddMeasurement, Measure("s", 0, 1.0));
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::Contains("trial_id"));
  }
  SECTION("a count of 0 or 10,000 is INVALID_ARGUMENT naming count") {
    for (int count : {0, -1, 10000}) {
      v1::SuggestTrialsRequest suggest;
      suggest.set_study("s");
      suggest.set_count(count);
      status = Invoke(client, &Stub::SuggestTrials, suggest);
      CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK_THAT(status.error_message(), Catch::StartsWith("count:"));
    }
  }
  SECTION("NaN and infinite values are INVALID_ARGUMENT, and the trial stays ACTIVE") {
    for (double bad : {nan, inf, -inf}) {
      status = Invoke(client, &Stub::AddMeasurement, Measure("s", trial, bad));
      CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK_THAT(status.error_message(), Catch::StartsWith("value:"));
      v1::CompleteTrialRequest complete;
      complete.set_study("s");
      complete.set_trial_id(trial);
      complete.set_final_value(bad);
      status = Invoke(client, &Stub::CompleteTrial, complete);
      CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK_THAT(status.error_message(), Catch::StartsWith("final_value:"));
    }
    v1::CompleteTrialRequest step_only;
    step_only.set_study("s");
    step_only.set_trial_id(trial);
    step_only.set_final_step(3);
    status = Invoke(client, &Stub::CompleteTrial, step_only);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::StartsWith("final_step:"));
    step_only.set_final_value(0.5);
    step_only.set_infeasible(true);
    status = Invoke(client, &Stub::CompleteTrial, step_only);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::StartsWith("final_value, infeasible:"));
    CHECK(client.GetTrial("s", trial).state == TrialState::kActive);
    CHECK(client.GetTrial("s", trial).measurements.empty());

    v1::CreateStudyRequest create;
    create.set_name("nan-spec");
    StudySpec spec;
    spec.parameters = {ParameterSpec::Double("x", 0, 1)};
    *create.mutable_spec() = proto::StudySpecToProto(spec);
    create.mutable_spec()->mutable_params(0)->set_max_value(nan);
    status = Invoke(client, &Stub::CreateStudy, create);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::Contains("spec.params[0]"));
  }
  SECTION("a trial's GPUs: more than 1024 ids, or one twice, are INVALID_ARGUMENT") {
    // 100,000 ids were stored with the trial, and `bayestune trials` printed them all.
    v1::MarkTrialStartedRequest start;
    start.set_study("s");
    start.set_trial_id(trial);
    for (int gpu = 0; gpu < 100000; ++gpu)
      start.add_gpus(gpu);
    status = Invoke(client, &Stub::MarkTrialStarted, start);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(status.error_message() == "gpus: 100000 GPU ids; a trial runs on at most 1024");
    start.clear_gpus();
    for (int gpu : {2, 3, 2})
      start.add_gpus(gpu);
    status = Invoke(client, &Stub::MarkTrialStarted, start);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(status.error_message() == "gpus[2]: GPU 2 is listed twice; give each GPU once");
    CHECK(client.GetTrial("s", trial).gpus.empty());
  }
  SECTION("a 10 MB message is RESOURCE_EXHAUSTED") {
    v1::CreateStudyRequest create;
    create.set_name("huge");
    create.set_tuning_yaml(std::string(10 * 1024 * 1024, '#'));
    status = Invoke(client, &Stub::CreateStudy, create);
    CHECK(status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    v1::SuggestTrialsRequest suggest;
    suggest.set_study("s");
    suggest.set_count(1);
    suggest.set_client_id(std::string(10 * 1024 * 1024, 'c'));
    CHECK(Invoke(client, &Stub::SuggestTrials, suggest).error_code() ==
          grpc::StatusCode::RESOURCE_EXHAUSTED);
    // Within the limit but longer than a name may be.
    suggest.set_client_id(std::string(1000, 'c'));
    status = Invoke(client, &Stub::SuggestTrials, suggest);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::StartsWith("client_id:"));
  }
  SECTION("names that are not UTF-8, hold control characters, or are empty are INVALID_ARGUMENT") {
    const std::string not_utf8 = "study-\xff\xfe";
    v1::GetStudyRequest get;
    get.set_name(not_utf8);
    status = Invoke(client, &Stub::GetStudy, get);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::Contains("UTF-8"));
    CHECK_THAT(status.error_message(), Catch::Contains("GetStudy"));
    v1::CreateStudyRequest create;
    create.set_name(not_utf8);
    create.set_tuning_yaml(TestTuningYaml(3));
    CHECK(Invoke(client, &Stub::CreateStudy, create).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);
    v1::SuggestTrialsRequest suggest;
    suggest.set_study("s");
    suggest.set_count(1);
    suggest.set_client_id("client-\xc3\x28");
    CHECK(Invoke(client, &Stub::SuggestTrials, suggest).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);
    auto measure = Measure("s", trial, 1.0);
    measure.set_metric("acc\x80");
    CHECK(Invoke(client, &Stub::AddMeasurement, measure).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);

    get.set_name("tab\tname");
    status = Invoke(client, &Stub::GetStudy, get);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::Contains("name: holds a control character"));
    get.set_name("");
    status = Invoke(client, &Stub::GetStudy, get);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::Contains("name: must not be empty"));
    // A name in UTF-8 that is not ASCII is fine.
    CHECK(client.CreateStudyFromYaml("étude-学习", TestTuningYaml(2)).name() == "étude-学习");

    // Bytes that are not a protobuf message at all.
    std::string ignored;
    status = RawUnaryCall(server->address(), "/bayestune.v1.StudyService/GetStudy",
                          std::string("\xff\xff\xff\xff\xff\x0f garbage", 14), &ignored);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    // The log escapes what the client sent.
    CHECK_THAT(server->Log(), Catch::Contains("/bayestune.v1.StudyService/GetStudy from"));
    CHECK(server->Log().find("\xff") == std::string::npos);
  }

  // Whatever came before, the server still serves.
  REQUIRE(server->Running());
  CHECK(client.GetStudy("s").name() == "s");
  client.AddMeasurement("s", trial, 1, 0.25);
  CHECK(client.CompleteTrial("s", trial).final_value == 0.25);
  CHECK(server->Stop(SIGTERM) == 0);
}
