// Specs a careless or hostile user writes, each refused with the place and what would be valid,
// by the YAML loader and by ValidateStudySpec alike (the rule a gRPC spec and an embedding program
// meet): values that pass every type check but break the study later.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study_spec.h"
#include "spec_errors.h"

using namespace bayestune;
using namespace bayestune::testing;
using Catch::Matchers::Contains;

namespace {

std::string Yaml(const std::string& tag, const std::string& bounds, const std::string& runner) {
  return "trainingInput:\n"
         "  hyperparameters:\n"
         "    goal: MAXIMIZE\n"
         "    hyperparameterMetricTag: " +
         tag +
         "\n"
         "    maxTrials: 10\n"
         "    params:\n"
         "      - parameterName: x\n"
         "        type: DOUBLE\n" +
         bounds + "runner:\n" + runner;
}

const std::string kBounds = "        minValue: 0\n        maxValue: 1\n";
const std::string kRunner = "  command: [python3, train.py]\n";

StudySpec SpecOf(std::string tag, ParameterSpec parameter) {
  StudySpec spec;
  spec.max_trials = 10;
  spec.metric_tag = std::move(tag);
  spec.parameters = {std::move(parameter)};
  return spec;
}

}  // namespace

TEST_CASE("hostile spec: a range wider than a double holds is refused", "[config][hostile]") {
  // maxValue - minValue overflows to infinity: every trial ran at maxValue.
  ExpectError(
      Errors(Yaml("accuracy", "        minValue: -1e308\n        maxValue: 1e308\n", kRunner)), 10,
      {"params[0].maxValue", "wider than a double holds", "narrow it"});
  CHECK_THROWS_WITH(
      ValidateStudySpec(SpecOf("accuracy", ParameterSpec::Double("x", -1e308, 1e308))),
      Contains("parameter 'x': the range from -1e+308 to 1e+308 is wider than a double holds"));
  CHECK_NOTHROW(ValidateStudySpec(SpecOf("accuracy", ParameterSpec::Double("x", -1e307, 1e307))));
}

TEST_CASE("hostile spec: a metric tag with control characters, bad UTF-8 or 1 MB is refused",
          "[config][hostile]") {
  ExpectError(Errors(Yaml("\"lo\\nss\"", kBounds, kRunner)), 4,
              {"hyperparameterMetricTag", "holds a control character",
               "a metric tag is UTF-8 text without control characters"});
  ExpectError(Errors(Yaml("\"lo\\0ss\"", kBounds, kRunner)), 4,
              {"hyperparameterMetricTag", "holds a NUL byte"});
  ExpectError(Errors(Yaml("lo\xe9ss", kBounds, kRunner)), 4,
              {"hyperparameterMetricTag", "is not valid UTF-8"});
  const auto long_tag = Errors(Yaml(std::string(1 << 20, 't'), kBounds, kRunner));
  ExpectError(long_tag, 4,
              {"hyperparameterMetricTag", "is 1048576 bytes long", "at most 1024 bytes"});
  CHECK(long_tag.front().message.size() < 400);
  ExpectError(Errors("trainingInput:\n"
                     "  hyperparameters:\n"
                     "    metrics:\n"
                     "      - {metricId: acc, goal: MAXIMIZE}\n"
                     "      - {metricId: \"l\\to\", goal: MINIMIZE}\n"
                     "    maxTrials: 10\n"
                     "    params:\n"
                     "      - {parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}\n"
                     "runner: {command: [python3, train.py]}\n"),
              5, {"metrics[1].metricId", "holds a control character"});

  for (const std::string& bad : {std::string("lo\nss"), std::string("lo\0ss", 5),
                                 std::string("\xff"), std::string(1025, 't')}) {
    CHECK_THROWS_AS(ValidateStudySpec(SpecOf(bad, ParameterSpec::Double("x", 0, 1))),
                    InvalidArgument);
  }
  StudySpec two = SpecOf("acc", ParameterSpec::Double("x", 0, 1));
  two.metrics = {{"acc", Goal::kMaximize}, {"lo\x1bss", Goal::kMinimize}};
  CHECK_THROWS_WITH(ValidateStudySpec(two),
                    Contains("metrics[1].metricId 'lo\\x1Bss' holds a control character"));
  for (const std::string& good : {std::string("validation/epoch_accuracy"),
                                  std::string("précision top-1"), std::string(1024, 't')}) {
    CHECK_NOTHROW(ValidateStudySpec(SpecOf(good, ParameterSpec::Double("x", 0, 1))));
  }
}

TEST_CASE("hostile spec: a categorical value longer than 4096 bytes is refused",
          "[config][hostile]") {
  // A value of 200 KB passed validation, then no trainer could start (argv's word limit).
  const std::string yaml =
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    goal: MAXIMIZE\n"
      "    hyperparameterMetricTag: accuracy\n"
      "    maxTrials: 10\n"
      "    params:\n"
      "      - parameterName: c\n"
      "        type: CATEGORICAL\n"
      "        categoricalValues: [a, " +
      std::string(200000, 'b') + "]\nrunner: {command: [python3, train.py]}\n";
  const auto errors = Errors(yaml);
  ExpectError(errors, 9,
              {"categoricalValues[1]", "is 200000 bytes long", "a value is at most 4096 bytes"});
  CHECK(errors.front().message.size() < 400);
  CHECK_THROWS_WITH(ValidateStudySpec(SpecOf("accuracy", ParameterSpec::Categorical(
                                                             "c", {"a", std::string(4097, 'b')}))),
                    Contains("is 4097 bytes long"));
  CHECK_NOTHROW(ValidateStudySpec(
      SpecOf("accuracy", ParameterSpec::Categorical("c", {"a", std::string(4096, 'b')}))));
}

TEST_CASE("hostile spec: a NUL in the trainer's command, arguments or environment is refused",
          "[config][hostile]") {
  // The word was cut at the NUL and the rest dropped without a word: `run` started another program.
  ExpectError(Errors(Yaml("accuracy", kBounds, "  command: [\"train.py\\0 --evil\"]\n")), 12,
              {"runner.command[0]", "holds a NUL byte (at byte 8)"});
  ExpectError(Errors(Yaml("accuracy", kBounds, "  command: \"python3 train.py\\0x\"\n")), 12,
              {"runner.command", "holds a NUL byte"});
  ExpectError(Errors(Yaml("accuracy", kBounds, kRunner + "  env: {MODE: \"a\\0b\"}\n")), 13,
              {"runner.env.MODE", "holds a NUL byte"});
  ExpectError(
      Errors("trainingInput:\n  args: [\"--a\\0b\"]\n" +
             Yaml("accuracy", kBounds, kRunner).substr(std::string("trainingInput:\n").size())),
      2, {"trainingInput.args[0]", "holds a NUL byte"});
}

TEST_CASE("hostile spec: an invalid maxTrials is one error, without a warning about its stand-in",
          "[config][hostile]") {
  // The warning compared maxParallelTrials with the default of 1 that stood in for maxTrials.
  for (const char* bad : {"99999999999999999999999", "-5", "[1, 2]"}) {
    INFO(bad);
    const std::string yaml =
        "trainingInput:\n"
        "  hyperparameters:\n"
        "    goal: MAXIMIZE\n"
        "    hyperparameterMetricTag: accuracy\n"
        "    maxTrials: " +
        std::string(bad) +
        "\n"
        "    maxParallelTrials: 2\n"
        "    params:\n"
        "      - {parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}\n"
        "runner: {command: [python3, train.py]}\n";
    const auto result = ParseTuningConfig(yaml, kBadFile);
    INFO(FormatDiagnostics(result.diagnostics));
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].field == "trainingInput.hyperparameters.maxTrials");
  }
}

TEST_CASE("hostile spec: a file larger than 16 MiB, or endless, is refused without reading it all",
          "[config][hostile]") {
  // /dev/zero was read until memory ran out.
  const auto big = std::filesystem::temp_directory_path() / "bayestune-hostile-big.yaml";
  {
    std::ofstream out(big, std::ios::binary);
    out << "# a comment line\n";
    out << std::string((16 << 20) + 1, '#');
  }
  const auto result = LoadTuningConfigFile(big.string());
  std::filesystem::remove(big);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].message ==
        "is larger than 16 MiB; a tuning.yaml is a few KB: give "
        "the path of one");
  const auto endless = LoadTuningConfigFile("/dev/zero");
  REQUIRE(endless.diagnostics.size() == 1);
  CHECK_THAT(endless.diagnostics[0].message, Contains("is larger than 16 MiB"));
}

TEST_CASE("hostile spec: a number too large or too small for its field says so",
          "[config][hostile]") {
  // All said "expected a number, got '1e400'" (or "an integer"), though each is one.
  ExpectError(Errors(Yaml("accuracy", "        minValue: 0\n        maxValue: 1e400\n", kRunner)),
              10,
              {"params[0].maxValue",
               "'1e400' is larger than a double holds (about 1.8e308); "
               "give a finite number"});
  ExpectError(Errors(Yaml("accuracy", "        minValue: -1e-400\n        maxValue: 1\n", kRunner)),
              9,
              {"params[0].minValue",
               "'-1e-400' is closer to 0 than a double holds (about 4.9e-324); give "
               "0 or a number further from 0"});
  // YAML's infinity and not-a-number are numbers, but not finite ones.
  ExpectError(Errors(Yaml("accuracy", "        minValue: -.Inf\n        maxValue: 1\n", kRunner)),
              9, {"params[0].minValue", "expected a finite number, got '-.Inf'"});
  ExpectError(Errors(Yaml("accuracy", "        minValue: 0\n        maxValue: .NaN\n", kRunner)),
              10, {"params[0].maxValue", "expected a finite number, got '.NaN'"});
  // An integer beyond a long long: its bound, as for any integer too large.
  std::string huge = Yaml("accuracy", kBounds, kRunner);
  huge.replace(huge.find("maxTrials: 10"), 13, "maxTrials: 99999999999999999999999");
  ExpectError(Errors(huge), 5,
              {"maxTrials", "must be at most 2147483647, got 99999999999999999999999"});
  huge.replace(huge.find("99999999999999999999999"), 23, "-99999999999999999999999");
  ExpectError(Errors(huge), 5, {"maxTrials", "must be at least 1, got -99999999999999999999999"});
}

TEST_CASE("hostile spec: a parameter name with a non-ASCII letter or a shell character names it",
          "[config][hostile]") {
  // 'größe' was refused for not holding "only letters", which it seems to.
  const auto named = [](const std::string& name) {
    std::string yaml = Yaml("accuracy", kBounds, kRunner);
    yaml.replace(yaml.find("parameterName: x"), 16, "parameterName: \"" + name + "\"");
    return Errors(yaml);
  };
  ExpectError(named("größe"), 7,
              {"params[0].parameterName", "'größe' is not a valid name",
               "must start with an ASCII letter (a-z, A-Z) and hold only ASCII letters, digits, "
               "'_', '-' and '.'; 'ö' is not one"});
  ExpectError(named("émoji🙂"), 7, {"'é' is not an ASCII letter"});
  ExpectError(named("x; rm -rf ~"), 7, {"; ';' is not one"});
  ExpectError(named("$(touch pwned)"), 7, {"; '$' is not an ASCII letter"});
  ExpectError(named("lr\\tx"), 7, {"'lr\\x09x' is not a valid name", "; '\\x09' is not one"});
  CHECK_THROWS_WITH(ValidateStudySpec(SpecOf("accuracy", ParameterSpec::Double("größe", 0, 1))),
                    Contains("'ö' is not one"));
  // So with runner.env's names, which said "(letters, digits, _)".
  ExpectError(Errors(Yaml("accuracy", kBounds, kRunner + "  env: {\"ü\": x, 1A: y}\n")), 13,
              {"runner.env.ü",
               "'ü' is not a valid environment variable name: ASCII letters, "
               "digits and _, not starting with a digit"});
}

TEST_CASE("hostile spec: YAML nested thousands of levels deep is refused saying where",
          "[config][hostile]") {
  // 10,000 '[' or '{' or indented list items: yaml-cpp stopped at 500 levels with "bad file",
  // said at the end of the file.
  const std::string head = "trainingInput:\n  hyperparameters:\n    params: ";
  ExpectError(Errors(head + std::string(10000, '[') + "\n"), 3,
              {"'[' and '{' nest more than 64 levels deep here", "opened and never closed"});
  CHECK(Errors(head + std::string(10000, '[') + "\n")[0].column == 13 + 64);
  std::string maps = head;
  for (int i = 0; i < 10000; ++i)
    maps += "{a: ";
  ExpectError(Errors(maps + "\n"), 3, {"'[' and '{' nest more than 64 levels deep here"});
  // An anchor or a tag before each bracket hides none of them.
  std::string tagged = head;
  for (int i = 0; i < 10000; ++i)
    tagged += i % 2 == 0 ? "&a [" : "!!seq [";
  ExpectError(Errors(tagged + "\n"), 3, {"'[' and '{' nest more than 64 levels deep here"});
  // Closed again, a bracket in a quoted, plain or block scalar, or in a comment, is no nesting.
  const std::string closed = std::string(60, '[') + std::string(60, ']');
  const auto fine = ParseTuningConfig(
      head + "[" + closed + ", " + closed + "]\n" + "    # " + std::string(100, '[') + "\n" +
          "runner:\n  env:\n    X: |\n      " + std::string(100, '[') + "\n\n      " +
          std::string(100, '{') + "\n  command: [\"" + std::string(100, '[') + "\", a" +
          std::string(100, '{') + "]\n",
      kBadFile);
  INFO(FormatDiagnostics(fine.diagnostics));
  for (const auto& d : fine.diagnostics)
    CHECK(d.message.find("levels deep") == std::string::npos);
  // Block nesting: yaml-cpp's bound, said with its place and without "bad file".
  std::string block;
  for (int i = 0; i < 1000; ++i)
    block += std::string(static_cast<std::size_t>(2 * i), ' ') + "-\n";
  const auto deep = Errors(block);
  REQUIRE(deep.size() == 1);
  CHECK(deep[0].line > 400);
  CHECK_THAT(deep[0].message,
             Contains("nests 500 levels deep here, yaml-cpp's limit") && !Contains("bad file"));
}

TEST_CASE("hostile spec: a second YAML document ('---') with settings is refused saying where",
          "[config][hostile]") {
  // yaml-cpp's Load reads the first document only: a runner block after a '---' was dropped
  // without a word (the run took the trainer after -- and ignored runner.gpus and jobDir).
  const std::string first = Yaml("accuracy", kBounds, kRunner);
  ExpectError(Errors(first + "---\nrunner:\n  jobDir: /tmp/elsewhere\n"), 14,
              {"a second YAML document", "'---'", "one document"});
  // Settings only in a later document than an empty first one are not "no settings".
  const auto late = ParseTuningConfig("---\n---\n" + first, testing::kBadFile);
  INFO(FormatDiagnostics(late.diagnostics));
  CHECK(late.ok());
  // Empty documents around the one that holds the study ("---" at the top, "..." or a lone "---"
  // at the end) are what YAML writers emit: taken.
  for (const std::string& text : {"---\n" + first, first + "...\n", first + "---\n",
                                  first + "---\n# only a comment\n---\n"}) {
    const auto result = ParseTuningConfig(text, testing::kBadFile);
    INFO(text << FormatDiagnostics(result.diagnostics));
    CHECK(result.ok());
  }
}
