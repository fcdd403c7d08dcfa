// The study service through a real `bayestune serve` process on 127.0.0.1.

#include <catch2/catch.hpp>
#include <csignal>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "grpc_test_support.h"
#include "raw_grpc_call.h"
#include "study_proto_conversion.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// grpc.health.v1.Health/Check by hand: HealthCheckRequest{service} is field 1 (a string), and
// HealthCheckResponse{status: SERVING} is the two bytes 08 01.
std::string HealthCheck(const std::string& address, const std::string& service) {
  const std::string request = "\x0a" + std::string(1, static_cast<char>(service.size())) + service;
  std::string response;
  const grpc::Status status =
      RawUnaryCall(address, "/grpc.health.v1.Health/Check", request, &response);
  if (!status.ok()) return "error " + std::to_string(status.error_code());
  return response == std::string("\x08\x01", 2) ? "SERVING" : "not serving";
}

// grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo with list_services (field 7,
// empty): the raw answer, which names every service.
std::string ReflectionListServices(const std::string& address) {
  return RawStreamFirstAnswer(address,
                              "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                              std::string("\x3a\x00", 2));
}

StudySpec StructuredSpec() {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "loss";
  spec.max_trials = 6;
  spec.max_parallel_trials = 2;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.measurement_selection = MeasurementSelection::kBest;
  spec.seed = 42;
  spec.parameters = {ParameterSpec::Double("lr", 1e-4, 1e-1, ScaleType::kLog),
                     ParameterSpec::Discrete("batch", {16, 32, 64}),
                     ParameterSpec::Categorical("act", {"relu", "gelu"})};
  return spec;
}

}  // namespace

TEST_CASE("studies are created from YAML or a structured spec, listed and deleted", "[grpc]") {
  TempFolder dir("grpc-studies");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));

  const v1::Study created = client.CreateStudyFromYaml("yaml-study", TestTuningYaml(10));
  CHECK(created.name() == "yaml-study");
  CHECK(created.spec().max_trials() == 10);
  CHECK(created.spec().hyperparameter_metric_tag() == "accuracy");
  CHECK(created.tuning_yaml() == TestTuningYaml(10));
  CHECK(created.state() == v1::Study::ACTIVE);
  CHECK(created.progress().max_trials() == 10);

  SECTION("the same name and spec again returns the existing study") {
    const v1::Study again = client.CreateStudyFromYaml("yaml-study", TestTuningYaml(10));
    CHECK(again.create_time() == created.create_time());
    CHECK(StatusCodeOf([&] {
            client.CreateStudyFromYaml("yaml-study", TestTuningYaml(10, /*early_stopping=*/true));
          }) == "ALREADY_EXISTS");
    // Its budget may grow, as a run's may.
    const v1::Study grown = client.CreateStudyFromYaml("yaml-study", TestTuningYaml(11));
    CHECK(grown.spec().max_trials() == 11);
    CHECK(grown.progress().max_trials() == 11);
    CHECK(grown.create_time() == created.create_time());
  }
  SECTION("a structured spec round-trips") {
    const v1::Study study = client.CreateStudy("spec-study", StructuredSpec());
    CHECK(proto::StudySpecFromProto(study.spec()) == StructuredSpec());
    CHECK(study.tuning_yaml().empty());
    CHECK(client.CreateStudy("spec-study", StructuredSpec()).create_time() == study.create_time());
    std::set<std::string> names;
    for (const auto& s : client.ListStudies())
      names.insert(s.name());
    CHECK(names == std::set<std::string>{"spec-study", "yaml-study"});
  }
  SECTION("an invalid spec is INVALID_ARGUMENT naming the field") {
    v1::CreateStudyRequest request;
    request.set_name("bad");
    *request.mutable_spec() = proto::StudySpecToProto(StructuredSpec());
    request.mutable_spec()->mutable_params(1)->set_type(
        v1::ParameterSpec::PARAMETER_TYPE_UNSPECIFIED);
    grpc::ClientContext context;
    client.PrepareContext(context);
    v1::Study response;
    grpc::Status status = client.stub().CreateStudy(&context, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::Contains("spec.params[1].type"));

    std::string yaml = TestTuningYaml(5);
    yaml.replace(yaml.find("maxTrials: 5"), 12, "maxTrials: 0");
    try {
      client.CreateStudyFromYaml("bad", yaml);
      FAIL("an invalid tuning_yaml was accepted");
    } catch (const InvalidArgument& e) {
      CHECK_THAT(e.what(), Catch::Contains("tuning_yaml:5:") && Catch::Contains("maxTrials"));
    }
    CHECK(StatusCodeOf([&] { client.CreateStudyFromYaml("", TestTuningYaml(5)); }) ==
          "INVALID_ARGUMENT");
    v1::CreateStudyRequest empty;
    empty.set_name("no-config");
    grpc::ClientContext empty_context;
    client.PrepareContext(empty_context);
    status = client.stub().CreateStudy(&empty_context, empty, &response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::Contains("tuning_yaml, spec"));
  }
  SECTION("a deleted study is gone, and its name can be used again") {
    client.DeleteStudy("yaml-study");
    CHECK(StatusCodeOf([&] { client.GetStudy("yaml-study"); }) == "NOT_FOUND");
    CHECK(StatusCodeOf([&] { client.DeleteStudy("yaml-study"); }) == "NOT_FOUND");
    CHECK(StatusCodeOf([&] { client.SuggestTrials("yaml-study", 1, "a"); }) == "NOT_FOUND");
    const v1::Study fresh = client.CreateStudyFromYaml("yaml-study", TestTuningYaml(3));
    CHECK(fresh.spec().max_trials() == 3);
    CHECK(client.SuggestTrials("yaml-study", 1, "a").at(0).id == 1);
  }
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("trials go through suggest, measure, complete and the worker calls", "[grpc]") {
  TempFolder dir("grpc-trials");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  client.CreateStudyFromYaml("s", TestTuningYaml(8));

  const auto first = client.SuggestTrials("s", 2, "client-a");
  REQUIRE(first.size() == 2);
  CHECK(first[0].state == TrialState::kActive);
  CHECK(first[0].client_id == "client-a");
  CHECK(first[0].parameters.at("layers").IsInteger());
  CHECK(first[0].parameters.at("optimizer").IsString());
  CHECK(first[0].parameters.at("lr").IsDouble());
  // Vizier: the same client asking again while its trials are active gets them back.
  const auto again = client.SuggestTrials("s", 2, "client-a");
  REQUIRE(again.size() == 2);
  CHECK(again[0].id == first[0].id);
  CHECK(again[1].id == first[1].id);
  const auto other = client.SuggestTrials("s", 1, "client-b");
  REQUIRE(other.size() == 1);
  CHECK(other[0].id == 3);

  const std::int64_t a = first[0].id;
  client.AddMeasurement("s", a, 1, 0.5);
  client.AddMeasurement("s", a, 2, 0.7);
  client.AddMeasurement("s", a, 2, 12.0, "loss");
  const Trial done = client.CompleteTrial("s", a);
  CHECK(done.state == TrialState::kSucceeded);
  CHECK(done.final_value == 0.7);
  CHECK(done.final_step == 2);
  CHECK(done.measurements.size() == 3);
  CHECK(done.measurements[2].metric == "loss");
  CHECK(StatusCodeOf([&] { client.CompleteTrial("s", a, 0.9); }) == "FAILED_PRECONDITION");
  CHECK(StatusCodeOf([&] { client.AddMeasurement("s", a, 3, 0.9); }) == "FAILED_PRECONDITION");

  const Trial infeasible = client.CompleteTrialInfeasible("s", first[1].id, "out of memory");
  CHECK(infeasible.state == TrialState::kInfeasible);
  CHECK(infeasible.failure_reason == "out of memory");

  const Trial with_value = client.CompleteTrial("s", other[0].id, 0.95, 7);
  CHECK(with_value.final_value == 0.95);
  CHECK(with_value.final_step == 7);
  const auto optimal = client.ListOptimalTrials("s");
  REQUIRE(optimal.size() == 1);
  CHECK(optimal[0].id == other[0].id);

  SECTION("stop, should-stop, requeue, mark started and fail") {
    const auto t = client.SuggestTrials("s", 1, "worker").at(0);
    CHECK_FALSE(client.ShouldStopTrial("s", t.id).stop);
    CHECK(client.StopTrial("s", t.id).state == TrialState::kStopping);
    CHECK(client.ShouldStopTrial("s", t.id).stop);

    const Trial started = client.MarkTrialStarted("s", t.id, {0, 2});
    CHECK(started.gpus == std::vector<int>{0, 2});
    CHECK(started.start_time.has_value());
    const Trial requeued = client.RequeueTrial("s", t.id, "the worker was stopped");
    CHECK(requeued.state == TrialState::kRequested);
    CHECK(requeued.attempt == 2);
    const auto rerun = client.SuggestTrials("s", 1, "worker-2");
    REQUIRE(rerun.size() == 1);
    CHECK(rerun[0].id == t.id);
    CHECK(rerun[0].parameters == t.parameters);

    const Trial failed = client.FailTrial("s", t.id, "exit code 3");
    CHECK(failed.state == TrialState::kFailed);
    CHECK(failed.failure_reason == "exit code 3");
    CHECK(client.GetTrial("s", t.id).state == TrialState::kFailed);
  }
  SECTION("a study that has run all its trials suggests nothing and is COMPLETED") {
    bool study_done = false;
    for (int i = 0; i < 5; ++i) {
      const auto t = client.SuggestTrials("s", 1, "loop", &study_done).at(0);
      client.CompleteTrial("s", t.id, 0.1 * i);
    }
    CHECK(client.SuggestTrials("s", 1, "late", &study_done).empty());
    CHECK(study_done);
    const v1::Study study = client.GetStudy("s");
    CHECK(study.state() == v1::Study::COMPLETED);
    CHECK(study.progress().succeeded() == 7);
    CHECK(study.progress().infeasible() == 1);
    CHECK(client.ListTrials("s").size() == 8);
    const auto infeasible_only = client.ListTrials("s", {TrialState::kInfeasible});
    REQUIRE(infeasible_only.size() == 1);
    CHECK(infeasible_only[0].id == first[1].id);
  }
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("the server answers health checks and reflection, and stops on SIGTERM", "[grpc]") {
  TempFolder dir("grpc-health");
  auto server = StartServer(dir);
  CHECK(HealthCheck(server->address(), "") == "SERVING");
  CHECK(HealthCheck(server->address(), "bayestune.v1.StudyService") == "SERVING");
  CHECK(HealthCheck(server->address(), "no.such.Service") ==
        "error " + std::to_string(grpc::StatusCode::NOT_FOUND));
  const std::string services = ReflectionListServices(server->address());
  CHECK_THAT(services, Catch::Contains("bayestune.v1.StudyService"));
  CHECK_THAT(services, Catch::Contains("grpc.health.v1.Health"));
  CHECK(server->Stop(SIGTERM) == 0);
  CHECK_THAT(server->Log(), Catch::Contains("stopping on SIGTERM"));
}
