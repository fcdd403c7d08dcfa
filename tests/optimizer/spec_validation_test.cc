// The spec rules that a YAML file, a gRPC spec and an embedding program all meet through
// ValidateStudySpec: INTEGER bounds a double holds exactly, categorical values that can be flags,
// parameter names that are not the runner's own flag nor another parameter's, a resumed study
// that exists.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/search_space.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/optimizer/study_spec.h"
#include "model_encoding.h"

using namespace bayestune;
using Catch::Matchers::Contains;

namespace {

StudySpec SpecWith(std::vector<ParameterSpec> parameters) {
  StudySpec spec;
  spec.max_trials = 20;
  spec.parameters = std::move(parameters);
  return spec;
}

ParameterSpec IntegerRange(double lo, double hi) {
  ParameterSpec spec = ParameterSpec::Integer("n", 0, 1);
  spec.min_value = lo;
  spec.max_value = hi;
  return spec;
}

}  // namespace

TEST_CASE("INTEGER bounds beyond 2^53 are refused, naming the bound", "[spec_validation]") {
  for (const auto& [lo, hi] : std::vector<std::pair<double, double>>{
           {-1e300, 1e300},
           {0, 9223372036854775807.0},  // int64's largest, which a double rounds up to 2^63
           {-9223372036854775808.0, 0},
           {0, 9007199254740994.0}}) {
    INFO(lo << " " << hi);
    CHECK_THROWS_WITH(ValidateStudySpec(SpecWith({IntegerRange(lo, hi)})),
                      Contains("parameter 'n': an INTEGER parameter's bounds must be from "
                               "-9007199254740992 to 9007199254740992"));
  }
  CHECK_NOTHROW(
      ValidateStudySpec(SpecWith({IntegerRange(-9007199254740992.0, 9007199254740992.0)})));
}

TEST_CASE("INTEGER values at the largest bounds round without overflow", "[spec_validation]") {
  const SearchSpace space(
      {IntegerRange(-9007199254740992.0, 9007199254740992.0),
       ParameterSpec::Integer("log", 1, 9007199254740992LL, ScaleType::kLog),
       ParameterSpec::Integer("rlog", 1, 9007199254740992LL, ScaleType::kReverseLog)});
  for (double u : {0.0, 1e-17, 0.25, 0.5, 1 - 1e-16, 1.0}) {
    INFO(u);
    Eigen::VectorXd x = Eigen::VectorXd::Constant(3, u);
    const ParameterValues values = DecodeFromModel(space, x);
    for (const auto& [name, value] : values) {
      INFO(name);
      REQUIRE(value.IsInteger());
      CHECK(std::abs(static_cast<double>(value.AsInteger())) <= 9007199254740992.0);
    }
    CHECK_NOTHROW(space.Validate(values));
  }
  CHECK(DecodeFromModel(space, Eigen::VectorXd::Constant(3, 1.0)).at("n").AsInteger() ==
        9007199254740992LL);
  CHECK(DecodeFromModel(space, Eigen::VectorXd::Constant(3, 0.0)).at("n").AsInteger() ==
        -9007199254740992LL);
}

TEST_CASE("categorical values with a NUL or other control character are refused",
          "[spec_validation]") {
  for (const std::string& bad : std::vector<std::string>{
           std::string("a\0b", 3), std::string("line\nbreak"), std::string("cr\r"),
           std::string("\x1b[2J"), std::string("\xff\xfe")}) {
    INFO(bad);
    CHECK_THROWS_WITH(ValidateStudySpec(SpecWith({ParameterSpec::Categorical("c", {"ok", bad})})),
                      Contains("parameter 'c': categoricalValues: '") &&
                          Contains("a value is passed to the trainer as --name=value"));
  }
  CHECK_NOTHROW(ValidateStudySpec(SpecWith({ParameterSpec::Categorical(
      "c", {"adam", "sgd with momentum", "élan", "a=b", "tab\there"})})));
}

TEST_CASE("parameter names that are the runner's --job-dir, or one flag with another, are refused",
          "[spec_validation]") {
  for (const char* name : {"job-dir", "job_dir"}) {
    INFO(name);
    CHECK_THROWS_WITH(ValidateStudySpec(SpecWith({ParameterSpec::Double(name, 0, 1)})),
                      Contains("is the --job-dir flag the runner gives every trial"));
  }
  for (const char* name : {"", "=x", "-x", "a b", "a=b", "1x", "a\tb"}) {
    INFO(name);
    CHECK_THROWS_WITH(ValidateStudySpec(SpecWith({ParameterSpec::Double(name, 0, 1)})),
                      Contains("is not a valid name: it is passed as --name=value"));
  }
  CHECK_THROWS_WITH(
      ValidateStudySpec(SpecWith({ParameterSpec::Double("learning-rate", 0, 1),
                                  ParameterSpec::Double("learning_rate", 0, 1)})),
      Contains("parameters 'learning-rate' and 'learning_rate' would be one flag for the trainer"));
  CHECK_NOTHROW(ValidateStudySpec(
      SpecWith({ParameterSpec::Double("job-dirs", 0, 1), ParameterSpec::Double("job.dir", 0, 1)})));
}

TEST_CASE("resumePreviousJobId must name a study there is, with the closest name",
          "[spec_validation]") {
  StudySpec spec = SpecWith({ParameterSpec::Double("x", 0, 1)});
  CHECK(ResumeStudyProblem(spec, {}).empty());  // resumes nothing
  spec.resume_previous_job_id = "mnist-1";
  CHECK(ResumeStudyProblem(spec, {"book", "mnist-1"}).empty());
  CHECK(ResumeStudyProblem(spec, {"book", "mnist-2"}) ==
        "no study named 'mnist-1' to learn from; did you mean 'mnist-2'? The studies there: "
        "'book', 'mnist-2'");
  CHECK(ResumeStudyProblem(spec, {}) ==
        "no study named 'mnist-1' to learn from (there is no study yet); remove it, or check the "
        "name");
  // No name close to it: the list follows after a semicolon (it read "...to learn from The
  // studies there").
  spec.resume_previous_job_id = "three";
  CHECK(ResumeStudyProblem(spec, {"book"}) ==
        "no study named 'three' to learn from; the studies there: 'book'");
}

// Found by the fault campaign fieldtest11: metrics had no bound, and their uniqueness check is
// quadratic: a 4 MB CreateStudy of 300,000 metrics held bayestune serve for over 5 minutes (the
// client's deadline passed), and 1,000 made every GP suggestion fit 1,000 models.
TEST_CASE("a study has at most kMaxStudyMetrics objectives", "[spec_validation]") {
  StudySpec spec = SpecWith({ParameterSpec::Double("x", 0, 1)});
  for (std::size_t i = 0; i < kMaxStudyMetrics; ++i)
    spec.metrics.push_back({.metric_id = "m" + std::to_string(i), .goal = Goal::kMaximize});
  spec.metric_tag = spec.metrics[0].metric_id;
  spec.goal = spec.metrics[0].goal;
  CHECK_NOTHROW(ValidateStudySpec(spec));
  spec.metrics.push_back({.metric_id = "one_more", .goal = Goal::kMinimize});
  CHECK_THROWS_WITH(ValidateStudySpec(spec),
                    Contains("metrics has " + std::to_string(kMaxStudyMetrics + 1) +
                             " entries; a study has at most " + std::to_string(kMaxStudyMetrics)));
}
