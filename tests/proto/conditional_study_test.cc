// A conditional study created by a gRPC client from a structured spec, through a real
// `bayestune serve` process on 127.0.0.1: the spec round-trips and every suggestion is a valid
// tree.
#include <catch2/catch.hpp>
#include <csignal>
#include <set>

#include "bayestune/optimizer/conditional_parameters.h"
#include "bayestune/optimizer/search_space.h"
#include "grpc_test_support.h"
#include "study_proto_conversion.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

ParameterSpec Under(ParameterSpec spec, std::string parent, std::vector<ParameterValue> values) {
  spec.condition = ParentCondition{std::move(parent), std::move(values)};
  return spec;
}

StudySpec ConditionalSpec() {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "loss";
  spec.max_trials = 14;
  spec.max_parallel_trials = 2;
  spec.seed = 5;
  spec.parameters = {
      ParameterSpec::Categorical("optimizer", {"sgd", "adam"}),
      Under(ParameterSpec::Double("momentum", 0, 0.99), "optimizer", {"sgd"}),
      Under(ParameterSpec::Discrete("beta2", {0.99, 0.999}), "optimizer", {"adam"}),
      Under(ParameterSpec::Integer("warmup", 0, 5), "beta2", {0.999}),
      ParameterSpec::Integer("layers", 1, 3),
      Under(ParameterSpec::Integer("width", 8, 64), "layers",
            {ParameterValue(std::int64_t{2}), ParameterValue(std::int64_t{3})}),
  };
  return spec;
}

}  // namespace

TEST_CASE("a conditional study over gRPC: the spec round-trips and suggestions are trees",
          "[grpc][conditional]") {
  TempFolder dir("grpc-conditional");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  const v1::Study study = client.CreateStudy("tree", ConditionalSpec());
  REQUIRE(study.spec().params_size() == 6);
  CHECK(study.spec().params(3).condition().parent_name() == "beta2");
  CHECK(study.spec().params(3).condition().parent_discrete_values_size() == 1);
  CHECK(proto::StudySpecFromProto(study.spec()) == ConditionalSpec());

  const SearchSpace space(ConditionalSpec().parameters);
  std::set<std::string> optimizers;
  int completed = 0;
  while (completed < 14) {
    const std::vector<Trial> trials = client.SuggestTrials("tree", 2, "client");
    REQUIRE_FALSE(trials.empty());
    for (const Trial& t : trials) {
      INFO("trial " << t.id);
      CHECK_NOTHROW(space.Validate(t.parameters));
      const std::vector<bool> active = ActiveParameters(space.parameters(), t.parameters);
      CHECK(static_cast<std::size_t>(std::count(active.begin(), active.end(), true)) ==
            t.parameters.size());
      optimizers.insert(t.parameters.at("optimizer").AsString());
      const double loss = t.parameters.at("optimizer").AsString() == "sgd"
                              ? 1.0 - t.parameters.at("momentum").AsDouble()
                              : 0.5;
      client.CompleteTrial("tree", t.id, loss, 1);
      ++completed;
    }
  }
  CHECK(optimizers.size() == 2);

  {  // a condition naming no earlier parent is INVALID_ARGUMENT naming it
    v1::CreateStudyRequest request;
    request.set_name("bad-tree");
    *request.mutable_spec() = proto::StudySpecToProto(ConditionalSpec());
    request.mutable_spec()->mutable_params(1)->mutable_condition()->set_parent_name("optimiser");
    grpc::ClientContext context;
    client.PrepareContext(context);
    v1::Study response;
    const grpc::Status status = client.stub().CreateStudy(&context, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::Contains("'momentum' names parent 'optimiser'"));
  }
  {  // a condition with values of two kinds is INVALID_ARGUMENT
    v1::CreateStudyRequest request;
    request.set_name("bad-kinds");
    *request.mutable_spec() = proto::StudySpecToProto(ConditionalSpec());
    request.mutable_spec()->mutable_params(1)->mutable_condition()->add_parent_int_values(1);
    grpc::ClientContext context;
    client.PrepareContext(context);
    v1::Study response;
    const grpc::Status status = client.stub().CreateStudy(&context, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(),
               Catch::Contains("spec.params[1].condition") && Catch::Contains("exactly one of"));
  }
  CHECK(server->Stop(SIGTERM) == 0);
}
