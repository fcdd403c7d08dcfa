// tuning.yaml's `metrics` (several objectives, Vertex AI's form) beside hyperparameterMetricTag and
// goal: how the two forms load, and every mistake named with its line.
#include <catch2/catch.hpp>

#include "bayestune/spec_file/tuning_config_loader.h"
#include "spec_errors.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// A study whose objective lines are `objectives` (indented as keys of hyperparameters).
std::string StudyWith(const std::string& objectives, const std::string& extra = "") {
  return "trainingInput:\n"
         "  hyperparameters:\n"
         "    maxTrials: 10\n" +
         objectives + extra +
         "    params:\n"
         "      - parameterName: lr\n"
         "        type: DOUBLE\n"
         "        minValue: 0.001\n"
         "        maxValue: 0.1\n";
}

const std::string kTwoMetrics =
    "    metrics:\n"
    "      - metricId: accuracy\n"
    "        goal: MAXIMIZE\n"
    "      - metricId: param_count\n"
    "        goal: MINIMIZE\n";

}  // namespace

TEST_CASE("metrics with two entries make a multi-objective study", "[spec][metrics]") {
  const TuningConfig config = ParseTuningConfigOrThrow(StudyWith(kTwoMetrics), "tuning.yaml");
  const StudySpec& spec = config.study;
  CHECK(IsMultiObjective(spec));
  CHECK(spec.metrics ==
        std::vector<MetricSpec>{{"accuracy", Goal::kMaximize}, {"param_count", Goal::kMinimize}});
  // The first metric is also the single objective everything else knows.
  CHECK(spec.metric_tag == "accuracy");
  CHECK(spec.goal == Goal::kMaximize);
  CHECK_NOTHROW(ValidateStudySpec(spec));
}

TEST_CASE("metrics with one entry is the same study as hyperparameterMetricTag and goal",
          "[spec][metrics]") {
  const TuningConfig one = ParseTuningConfigOrThrow(
      StudyWith("    metrics: [{metricId: loss, goal: MINIMIZE}]\n"), "tuning.yaml");
  const TuningConfig single = ParseTuningConfigOrThrow(
      StudyWith("    hyperparameterMetricTag: loss\n    goal: MINIMIZE\n"), "tuning.yaml");
  CHECK(one.study == single.study);
  CHECK_FALSE(IsMultiObjective(one.study));
}

TEST_CASE("metrics mistakes are named with their line", "[spec][metrics]") {
  SECTION("given with hyperparameterMetricTag") {
    const auto errors = Errors(StudyWith("    hyperparameterMetricTag: accuracy\n" + kTwoMetrics));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "trainingInput.hyperparameters.metrics");
    CHECK(errors[0].line == 6);  // the list's first entry
    CHECK_THAT(errors[0].message,
               Catch::Contains("hyperparameterMetricTag (line 4)") && Catch::Contains("not both"));
  }
  SECTION("given with goal") {
    const auto errors = Errors(StudyWith("    goal: MINIMIZE\n" + kTwoMetrics));
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0].message, Catch::Contains("goal (line 4)"));
  }
  SECTION("a metricId twice") {
    const auto errors =
        Errors(StudyWith("    metrics:\n"
                         "      - {metricId: accuracy, goal: MAXIMIZE}\n"
                         "      - {metricId: accuracy, goal: MINIMIZE}\n"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "trainingInput.hyperparameters.metrics[1].metricId");
    CHECK(errors[0].line == 6);
    CHECK_THAT(errors[0].message,
               Catch::Contains("already metrics[0] (line 5)") && Catch::Contains("unique"));
  }
  SECTION("a bad goal") {
    const auto errors =
        Errors(StudyWith("    metrics:\n"
                         "      - {metricId: accuracy, goal: MAXIMISE}\n"
                         "      - {metricId: loss, goal: MINIMIZE}\n"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "trainingInput.hyperparameters.metrics[0].goal");
    CHECK(errors[0].line == 5);
    CHECK_THAT(errors[0].message, Catch::Contains("did you mean 'MAXIMIZE'"));
  }
  SECTION("an empty list") {
    const auto errors = Errors(StudyWith("    metrics: []\n"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 4);
    CHECK_THAT(errors[0].message, Catch::Contains("is empty"));
  }
  SECTION("a missing goal, an empty metricId, an unknown key") {
    const auto errors =
        Errors(StudyWith("    metrics:\n"
                         "      - {metricId: accuracy}\n"
                         "      - {metricId: '', goal: MINIMIZE}\n"
                         "      - {metricId: loss, goal: MINIMIZE, threshold: 3}\n"));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].field == "trainingInput.hyperparameters.metrics[0].goal");
    CHECK(errors[1].field == "trainingInput.hyperparameters.metrics[1].metricId");
    CHECK(errors[2].field == "trainingInput.hyperparameters.metrics[2].threshold");
  }
  SECTION("more metrics than a study may have") {
    std::string list = "    metrics:\n";
    for (std::size_t i = 0; i <= kMaxStudyMetrics; ++i)
      list += "      - {metricId: m" + std::to_string(i) + ", goal: MAXIMIZE}\n";
    const auto errors = Errors(StudyWith(list));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "trainingInput.hyperparameters.metrics");
    CHECK(errors[0].line == 5);
    CHECK_THAT(errors[0].message, Catch::Contains("has " + std::to_string(kMaxStudyMetrics + 1) +
                                                  " entries; a study has at most " +
                                                  std::to_string(kMaxStudyMetrics)));
  }
  SECTION("early stopping with several metrics") {
    const auto errors = Errors(StudyWith(kTwoMetrics, "    enableTrialEarlyStopping: true\n"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "trainingInput.hyperparameters.enableTrialEarlyStopping");
    CHECK(errors[0].line == 9);
    CHECK_THAT(errors[0].message, Catch::Contains("several metrics (line 5)"));
  }
}
