// A multi-objective study through a real `bayestune serve` process on 127.0.0.1: created from
// YAML (metrics) and from a structured spec, its trials' values per objective, and
// ListOptimalTrials returning the Pareto front.
#include <catch2/catch.hpp>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "grpc_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

const std::string kTwoObjectiveYaml =
    "trainingInput:\n"
    "  hyperparameters:\n"
    "    metrics:\n"
    "      - {metricId: accuracy, goal: MAXIMIZE}\n"
    "      - {metricId: latency, goal: MINIMIZE}\n"
    "    maxTrials: 8\n"
    "    algorithm: RANDOM_SEARCH\n"
    "    params:\n"
    "      - parameterName: x\n"
    "        type: DOUBLE\n"
    "        minValue: 0\n"
    "        maxValue: 1\n";

}  // namespace

TEST_CASE("gRPC: ListOptimalTrials returns the Pareto front of a two-metric study",
          "[grpc][multi-objective]") {
  TempFolder dir("grpc-multi");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  const v1::Study created = client.CreateStudyFromYaml("mo", kTwoObjectiveYaml);
  REQUIRE(created.spec().metrics_size() == 2);
  CHECK(created.spec().metrics(1).metric_id() == "latency");
  CHECK(created.spec().metrics(1).goal() == v1::StudySpec::MINIMIZE);
  CHECK(created.spec().hyperparameter_metric_tag() == "accuracy");

  // (accuracy, latency): trials 1, 2 and 4 trade off, 3 is dominated by 1, 5 duplicates 2; 6 has
  // no latency and fails.
  const std::vector<std::pair<double, double>> results = {
      {0.9, 10}, {0.8, 5}, {0.85, 12}, {0.95, 20}, {0.8, 5}};
  for (const auto& [accuracy, latency] : results) {
    const Trial t = client.SuggestTrials("mo", 1, "client").at(0);
    client.AddMeasurements("mo", t.id,
                           {{.metric = "accuracy", .step = 3, .value = accuracy},
                            {.metric = "latency", .step = 3, .value = latency}});
    const Trial done = client.CompleteTrial("mo", t.id);
    CHECK(done.state == TrialState::kSucceeded);
    CHECK(done.final_values == std::vector<double>{accuracy, latency});
  }
  const Trial missing = client.SuggestTrials("mo", 1, "client").at(0);
  client.AddMeasurement("mo", missing.id, 1, 0.99, "accuracy");
  const Trial failed = client.CompleteTrial("mo", missing.id);
  CHECK(failed.state == TrialState::kFailed);
  CHECK_THAT(failed.failure_reason, Catch::Contains("'latency'"));

  std::vector<std::int64_t> optimal;
  for (const Trial& t : client.ListOptimalTrials("mo"))
    optimal.push_back(t.id);
  CHECK(optimal == std::vector<std::int64_t>{4, 1, 2, 5});  // by accuracy, best first, then id

  // The same study as a structured spec is the same study; a spec whose metrics disagree with
  // its hyperparameter_metric_tag is refused.
  StudySpec spec;  // kTwoObjectiveYaml's study, built in code
  spec.metric_tag = "accuracy";
  spec.metrics = {{"accuracy", Goal::kMaximize}, {"latency", Goal::kMinimize}};
  spec.max_trials = 8;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  CHECK(client.CreateStudy("mo-structured", spec).spec().metrics_size() == 2);
  CHECK(StatusCodeOf([&] {
          client.CreateStudy("bad", [&] {
            StudySpec s = spec;
            s.metric_tag = "loss";  // metrics[0] is accuracy
            return s;
          }());
        }) == "INVALID_ARGUMENT");
}

TEST_CASE("gRPC: the Python example client runs a two-metric study and prints its front",
          "[grpc][multi-objective][examples]") {
  TempFolder dir("grpc-multi-python");
  WriteFile(dir.File("two.yaml"), kTwoObjectiveYaml);
  auto server = StartServer(dir);
  const auto result = RunProcess(
      {BAYESTUNE_PYTHON3,
       std::string(BAYESTUNE_SOURCE_DIR) + "/examples/python_client/bayestune_client.py",
       "--server", server->address(), "--study", "two", "--create", dir.File("two.yaml")},
      std::chrono::seconds(120));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Catch::Contains("the study is done") &&
                                Catch::Contains("pareto-optimal: trial") &&
                                Catch::Contains("latency "));
  proto::StudyClient client(PlainClientOptions(*server));
  const auto trials = client.ListTrials("two");
  REQUIRE(trials.size() == 8);
  for (const Trial& t : trials) {
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(t.final_values.size() == 2);
  }
  CHECK_FALSE(client.ListOptimalTrials("two").empty());
}
