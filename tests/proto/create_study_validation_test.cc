// CreateStudy refuses what no study may be: a name that is a path, a spec the YAML loader would
// refuse, a resumePreviousJobId naming no study; INVALID_ARGUMENT naming the field, and nothing
// made.
#include <catch2/catch.hpp>
#include <filesystem>

#include "grpc_test_support.h"
#include "study_proto_conversion.h"

using namespace bayestune;
using namespace bayestune::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

using Stub = v1::StudyService::Stub;

grpc::Status Create(proto::StudyClient& client, const v1::CreateStudyRequest& request) {
  grpc::ClientContext context;
  client.PrepareContext(context);
  v1::Study response;
  return client.stub().CreateStudy(&context, request, &response);
}

v1::CreateStudyRequest FromYaml(const std::string& name, const std::string& yaml) {
  v1::CreateStudyRequest request;
  request.set_name(name);
  request.set_tuning_yaml(yaml);
  return request;
}

v1::CreateStudyRequest FromSpec(const std::string& name, const StudySpec& spec) {
  v1::CreateStudyRequest request;
  request.set_name(name);
  *request.mutable_spec() = proto::StudySpecToProto(spec);
  return request;
}

StudySpec SmallSpec() {
  StudySpec spec;
  spec.max_trials = 4;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  return spec;
}

}  // namespace

TEST_CASE("CreateStudy: a study name that is a path is INVALID_ARGUMENT naming name",
          "[grpc][validation]") {
  TempFolder dir("grpc-study-names");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  for (const std::string name : {"../../../../tmp/x", "a/b", "..", ".hidden", "-x"}) {
    INFO(name);
    grpc::Status status = Create(client, FromYaml(name, TestTuningYaml(2)));
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(),
               StartsWith("name: study name '") && Contains("a study name is a name, not a path"));
    status = Create(client, FromSpec(name, SmallSpec()));
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), StartsWith("name: "));
  }
  CHECK(client.ListStudies().empty());
  CHECK(client.CreateStudyFromYaml("fine name", TestTuningYaml(2)).name() == "fine name");
}

TEST_CASE("CreateStudy: bad parameters are INVALID_ARGUMENT naming the field, from YAML or a spec",
          "[grpc][validation]") {
  TempFolder dir("grpc-bad-params");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));

  StudySpec nul = SmallSpec();
  nul.parameters = {ParameterSpec::Categorical("c", {"a", std::string("a\0b", 3)})};
  grpc::Status status = Create(client, FromSpec("nul", nul));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(),
             StartsWith("spec.params[0]: ") && Contains("holds a NUL byte"));

  StudySpec wide = SmallSpec();
  wide.parameters = {ParameterSpec::Integer("n", 0, 1)};
  wide.parameters[0].min_value = -1e300;
  wide.parameters[0].max_value = 1e300;
  status = Create(client, FromSpec("wide", wide));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(),
             StartsWith("spec.params[0]: ") && Contains("bounds must be from -9007199254740992"));

  StudySpec job_dir = SmallSpec();
  job_dir.parameters = {ParameterSpec::Double("job-dir", 0, 1)};
  status = Create(client, FromSpec("job-dir", job_dir));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), Contains("the --job-dir flag the runner gives every trial"));

  StudySpec long_name = SmallSpec();
  long_name.parameters = {ParameterSpec::Double(std::string(100000, 'a'), 0, 1)};
  status = Create(client, FromSpec("long-name", long_name));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), StartsWith("spec.params[0]: ") &&
                                         Contains("is 100000 bytes long") &&
                                         Contains("a parameter name is at most 255 bytes"));
  CHECK(status.error_message().size() < 500);
  std::string long_yaml = TestTuningYaml(2);
  const std::size_t name_at = long_yaml.find("parameterName: ") + 15;
  long_yaml.insert(name_at, std::string(100000, 'a'));
  status = Create(client, FromYaml("long-name-yaml", long_yaml));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), StartsWith("tuning_yaml:") && Contains("parameterName") &&
                                         Contains("a parameter name is at most 255 bytes"));
  CHECK(status.error_message().size() < 500);

  StudySpec collide = SmallSpec();
  collide.parameters = {ParameterSpec::Double("a-b", 0, 1), ParameterSpec::Double("a_b", 0, 1)};
  status = Create(client, FromSpec("collide", collide));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), StartsWith("spec: ") && Contains("would be one flag"));

  // 100,000 parameters (a 4 MB message) took the server 66 s to create, then minutes for each
  // SuggestTrials.
  StudySpec many = SmallSpec();
  many.parameters.clear();
  for (int i = 0; i < 100000; ++i)
    many.parameters.push_back(ParameterSpec::Double("p" + std::to_string(i), 0, 1));
  const auto started = std::chrono::steady_clock::now();
  status = Create(client, FromSpec("many", many));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() ==
        "spec: the study has 100000 parameters; a study has at most 1000 (conditional ones "
        "included): tune fewer at once");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  std::string many_yaml = TestTuningYaml(2);
  std::string params;
  for (int i = 0; i < 1001; ++i)
    params += "      - {parameterName: p" + std::to_string(i) +
              ", type: DOUBLE, minValue: 0, maxValue: 1}\n";
  many_yaml.insert(many_yaml.find("params:\n") + 8, params);
  status = Create(client, FromYaml("many-yaml", many_yaml));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), StartsWith("tuning_yaml:") &&
                                         Contains("has 1004 parameters; a study has at most 1000"));

  std::string yaml = TestTuningYaml(2);
  yaml.replace(yaml.find("[adam, sgd]"), 11, "[adam, \"sg\\0d\"]");
  status = Create(client, FromYaml("nul-yaml", yaml));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), StartsWith("tuning_yaml:") &&
                                         Contains("categoricalValues[1]") &&
                                         Contains("holds a NUL byte"));

  // A field of another type, which the tuning.yaml refuses: a DOUBLE given categorical_values
  // made a DOUBLE study from 0 to 1 and dropped the values without a word.
  v1::CreateStudyRequest stray = FromSpec("stray", SmallSpec());
  stray.mutable_spec()->mutable_params(0)->add_categorical_values("a");
  status = Create(client, stray);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() ==
        "spec.params[0]: parameter 'x': categoricalValues is not allowed for a DOUBLE parameter; "
        "it is only for CATEGORICAL");
  StudySpec categorical = SmallSpec();
  categorical.parameters = {ParameterSpec::Categorical("c", {"a", "b"})};
  stray = FromSpec("stray", categorical);
  stray.mutable_spec()->mutable_params(0)->set_max_value(3);
  status = Create(client, stray);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() ==
        "spec.params[0]: parameter 'c': minValue and maxValue are not allowed for a CATEGORICAL "
        "parameter; list the values in categoricalValues");
  StudySpec discrete = SmallSpec();
  discrete.parameters = {ParameterSpec::Discrete("d", {1, 2})};
  stray = FromSpec("stray", discrete);
  stray.mutable_spec()->mutable_params(0)->add_categorical_values("a");
  status = Create(client, stray);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() ==
        "spec.params[0]: parameter 'd': categoricalValues is not allowed for a DISCRETE "
        "parameter; it is only for CATEGORICAL");
  stray = FromSpec("stray", SmallSpec());
  stray.mutable_spec()->mutable_params(0)->set_type(v1::ParameterSpec::INTEGER);
  stray.mutable_spec()->mutable_params(0)->add_discrete_values(0.5);
  status = Create(client, stray);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() ==
        "spec.params[0]: parameter 'x': discreteValues is not allowed for an INTEGER parameter; "
        "it is only for DISCRETE");
  CHECK(client.ListStudies().empty());
}

TEST_CASE("CreateStudy: resumePreviousJobId naming no study is INVALID_ARGUMENT with the closest",
          "[grpc][validation]") {
  TempFolder dir("grpc-resume");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  client.CreateStudyFromYaml("first-run", TestTuningYaml(2));

  std::string yaml = TestTuningYaml(2);
  yaml.insert(yaml.find("    params:"), "    resumePreviousJobId: frist-run\n");
  grpc::Status status = Create(client, FromYaml("second-run", yaml));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() ==
        "tuning_yaml: trainingInput.hyperparameters.resumePreviousJobId: no study named "
        "'frist-run' to learn from; did you mean 'first-run'? The studies there: 'first-run' (a "
        "study learns from the finished trials of that one)");

  StudySpec spec = SmallSpec();
  spec.resume_previous_job_id = "nope";
  status = Create(client, FromSpec("third-run", spec));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), StartsWith("spec.resume_previous_job_id: no study named "
                                                "'nope' to learn from"));
  CHECK(client.ListStudies().size() == 1);

  // Named right, it is made.
  yaml.replace(yaml.find("frist-run"), 9, "first-run");
  CHECK(client.CreateStudyFromYaml("second-run", yaml).name() == "second-run");
  CHECK(client.ListStudies().size() == 2);
}

TEST_CASE(
    "CreateStudy with ASHA: bad early_stopping fields are INVALID_ARGUMENT naming them, and a "
    "good one stops trials at a rung with the reason",
    "[grpc][validation][asha]") {
  TempFolder dir("grpc-asha");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  StudySpec spec = SmallSpec();
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha, .min_step = 9, .max_step = 9};
  grpc::Status status = Create(client, FromSpec("a", spec));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(),
             Contains("spec.early_stopping.max_step must be more than min_step (9)"));
  spec.early_stopping = {
      .rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 9, .reduction_factor = 1};
  status = Create(client, FromSpec("a", spec));
  CHECK_THAT(status.error_message(), Contains("spec.early_stopping.reduction_factor"));
  spec.enable_early_stopping = false;
  spec.early_stopping.reduction_factor = 3;
  status = Create(client, FromSpec("a", spec));
  CHECK_THAT(status.error_message(),
             Contains("spec.early_stopping.rule is ASHA but spec.enable_trial_early_stopping"));

  spec.enable_early_stopping = true;
  REQUIRE(Create(client, FromSpec("a", spec)).ok());
  const auto trials = client.SuggestTrials("a", 2, "w");
  REQUIRE(trials.size() == 2);
  client.AddMeasurement("a", trials[0].id, 1, 0.8);
  CHECK_FALSE(client.ShouldStopTrial("a", trials[0].id).stop);
  client.AddMeasurement("a", trials[1].id, 1, 0.2);
  const StopDecision decision = client.ShouldStopTrial("a", trials[1].id);
  CHECK(decision.stop);
  CHECK_THAT(decision.reason, StartsWith("ASHA rung 0 (step 1)") && Contains("0.8"));
}

TEST_CASE(
    "ShouldStopTrial with ASHA answers every rung the trial was let past, lowest first, with "
    "the reason",
    "[grpc][asha]") {
  TempFolder dir("grpc-asha-promotions");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  StudySpec spec = SmallSpec();
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 9};
  REQUIRE(Create(client, FromSpec("p", spec)).ok());
  const auto trials = client.SuggestTrials("p", 2, "w");
  REQUIRE(trials.size() == 2);
  // Below the first rung (step 1): nothing to say yet.
  CHECK(client.ShouldStopTrial("p", trials[0].id).promotions.empty());
  client.AddMeasurement("p", trials[0].id, 1, 0.8);
  StopDecision first = client.ShouldStopTrial("p", trials[0].id);
  CHECK_FALSE(first.stop);
  REQUIRE(first.promotions.size() == 1);
  CHECK(first.promotions[0].rung == 0);
  CHECK(first.promotions[0].step == 1);
  CHECK(first.promotions[0].reason ==
        "ASHA rung 0 (step 1): " + spec.metric_tag +
            " 0.8 at step 1 ranks 1st of 1 trials that reached the rung, in the top 1 (1/3) that "
            "go on");
  // At step 3 (rung 1), both rungs: the rule keeps no state, the client says each once.
  client.AddMeasurement("p", trials[0].id, 3, 0.85);
  first = client.ShouldStopTrial("p", trials[0].id);
  REQUIRE(first.promotions.size() == 2);
  CHECK(first.promotions[0].rung == 0);
  CHECK(first.promotions[1].rung == 1);
  CHECK(first.promotions[1].step == 3);
  CHECK_THAT(first.promotions[1].reason,
             StartsWith("ASHA rung 1 (step 3): " + spec.metric_tag + " 0.85"));
  // A trial stopped at rung 0 was let past none.
  client.AddMeasurement("p", trials[1].id, 1, 0.2);
  const StopDecision second = client.ShouldStopTrial("p", trials[1].id);
  CHECK(second.stop);
  CHECK(second.promotions.empty());
}
