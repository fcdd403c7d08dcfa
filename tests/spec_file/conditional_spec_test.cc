// conditionalParameterSpecs in tuning.yaml: the tree loads as a flat list in depth-first order,
// and every mistake is reported at its line with what would be valid.
#include <catch2/catch.hpp>

#include "bayestune/optimizer/conditional_parameters.h"
#include "bayestune/spec_file/tuning_config_loader.h"
#include "spec_errors.h"
#include "study_spec_json.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// A study whose params list is `params` (indented for "    params:").
std::string Study(const std::string& params) {
  return "trainingInput:\n"
         "  hyperparameters:\n"
         "    goal: MAXIMIZE\n"
         "    hyperparameterMetricTag: accuracy\n"
         "    maxTrials: 10\n"
         "    params:\n" +
         params;
}

// Lines 7-: an optimizer with one sgd child; `child_extra` replaces the child's condition.
std::string OptimizerWithChild(const std::string& condition,
                               const std::string& child_name = "momentum") {
  return Study(
      "      - parameterName: optimizer\n"        // 7
      "        type: CATEGORICAL\n"               // 8
      "        categoricalValues: [sgd, adam]\n"  // 9
      "        conditionalParameterSpecs:\n"      // 10
      "          - parameterSpec:\n"              // 11
      "              parameterName: " +
      child_name +
      "\n"                             // 12
      "              type: DOUBLE\n"   // 13
      "              minValue: 0\n"    // 14
      "              maxValue: 1\n" +  // 15
      condition);                      // 16-
}

}  // namespace

TEST_CASE("conditional: examples/conditional loads as a depth-first list", "[conditional]") {
  auto result = LoadTuningConfigFile(BAYESTUNE_SOURCE_DIR "/examples/conditional/tuning.yaml");
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  const auto& parameters = result.config.study.parameters;
  std::vector<std::string> names;
  for (const auto& p : parameters)
    names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"optimizer", "momentum", "beta1", "beta2",
                                          "learning_rate", "n_layers", "hidden_units"});
  CHECK_FALSE(parameters[0].condition.has_value());
  CHECK(parameters[1].condition == ParentCondition{"optimizer", {"sgd"}});
  CHECK(parameters[3].condition == ParentCondition{"optimizer", {"adam"}});
  CHECK(parameters[6].condition ==
        ParentCondition{"n_layers",
                        {ParameterValue(std::int64_t{2}), ParameterValue(std::int64_t{3})}});
  CHECK(StudySpecFromJson(StudySpecToJson(result.config.study)) == result.config.study);
}

TEST_CASE("conditional: nested children, DISCRETE parents, several values", "[conditional]") {
  const std::string text = Study(
      "      - parameterName: layers\n"
      "        type: INTEGER\n"
      "        minValue: 1\n"
      "        maxValue: 3\n"
      "        conditionalParameterSpecs:\n"
      "          - parentIntValues: {values: [2, 3]}\n"
      "            parameterSpec:\n"
      "              parameterName: width\n"
      "              type: DISCRETE\n"
      "              discreteValues: [8, 16]\n"
      "              conditionalParameterSpecs:\n"
      "                - parentDiscreteValues: {values: [16]}\n"
      "                  parameterSpec:\n"
      "                    parameterName: dropout\n"
      "                    type: DOUBLE\n"
      "                    minValue: 0\n"
      "                    maxValue: 0.5\n"
      "          - parentIntValues: {values: [3]}\n"
      "            parameterSpec: {parameterName: third, type: CATEGORICAL, "
      "categoricalValues: [a, b]}\n"
      "      - parameterName: lr\n"
      "        type: DOUBLE\n"
      "        minValue: 0.1\n"
      "        maxValue: 1\n");
  auto result = ParseTuningConfig(text, "good.yaml");
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  const auto& p = result.config.study.parameters;
  REQUIRE(p.size() == 5);
  CHECK(p[1].name == "width");
  CHECK(p[2].name == "dropout");
  CHECK(p[2].condition == ParentCondition{"width", {16.0}});
  CHECK(p[3].name == "third");
  CHECK(p[4].name == "lr");
  CHECK_FALSE(p[4].condition.has_value());
  CHECK(ConditionsProblem(p).empty());
}

TEST_CASE("conditional: every mistake is reported at its line with what is valid",
          "[conditional]") {
  // A parent value the parent cannot take.
  ExpectError(
      Errors(OptimizerWithChild("            parentCategoricalValues:\n"
                                "              values: [sgd, adamw]\n")),
      17,
      {"values[1]",
       "'adamw' is not a value parent 'optimizer' can take: did you mean 'adam'? expected one of "
       "'sgd', 'adam'"});
  // The wrong kind for the parent's type.
  ExpectError(Errors(OptimizerWithChild("            parentIntValues:\n"
                                        "              values: [1]\n")),
              17,
              {"parentIntValues", "parent 'optimizer' is CATEGORICAL",
               "its children take parentCategoricalValues"});
  // Two kinds at once.
  ExpectError(Errors(OptimizerWithChild("            parentCategoricalValues: {values: [sgd]}\n"
                                        "            parentIntValues: {values: [1]}\n")),
              17, {"give only one of"});
  // None at all.
  ExpectError(Errors(OptimizerWithChild("")), 11,
              {"missing the parent's values", "parentCategoricalValues: {values: [...]}"});
  // Empty values.
  ExpectError(Errors(OptimizerWithChild("            parentCategoricalValues: {values: []}\n")), 16,
              {"is empty", "give at least one value of one of 'sgd', 'adam'"});
  // Not {values: [...]}.
  ExpectError(Errors(OptimizerWithChild("            parentCategoricalValues: [sgd]\n")), 16,
              {"expected {values: [...]}"});
  // A name used twice, across branches and levels.
  ExpectError(Errors(OptimizerWithChild("            parentCategoricalValues: {values: [sgd]}\n",
                                        "optimizer")),
              12, {"'optimizer' is already defined at line 7", "every branch"});
  // Two names that would be one flag.
  {
    const std::string text =
        OptimizerWithChild("            parentCategoricalValues: {values: [sgd]}\n",
                           "learning-rate") +
        "      - parameterName: learning_rate\n"  // 17
        "        type: DOUBLE\n"
        "        minValue: 0.1\n"
        "        maxValue: 1\n";
    ExpectError(Errors(text), 17, {"one flag"});
  }
  // A child without parameterSpec, and an unknown key beside it.
  ExpectError(Errors(Study("      - parameterName: optimizer\n"  // 7
                           "        type: CATEGORICAL\n"
                           "        categoricalValues: [sgd, adam]\n"
                           "        conditionalParameterSpecs:\n"                    // 10
                           "          - parentCategoricalValues: {values: [sgd]}\n"  // 11
                           "            parameterSpecs: {}\n")),                     // 12
              11, {"conditionalParameterSpecs[0].parameterSpec", "missing required field"});
  ExpectError(Errors(Study("      - parameterName: optimizer\n"
                           "        type: CATEGORICAL\n"
                           "        categoricalValues: [sgd, adam]\n"
                           "        conditionalParameterSpecs:\n"
                           "          - parentCategoricalValues: {values: [sgd]}\n"
                           "            parameterSpecs: {}\n")),
              12, {"unknown key 'parameterSpecs'", "did you mean 'parameterSpec'"});
  // A DOUBLE parent.
  ExpectError(Errors(Study("      - parameterName: lr\n"  // 7
                           "        type: DOUBLE\n"
                           "        minValue: 0.1\n"
                           "        maxValue: 1\n"
                           "        conditionalParameterSpecs:\n"  // 11
                           "          - parentDiscreteValues: {values: [0.5]}\n"
                           "            parameterSpec: {parameterName: x, type: DOUBLE, "
                           "minValue: 0, maxValue: 1}\n")),
              12, {"'lr' is DOUBLE, which cannot have conditional parameters"});
  // An INTEGER parent's value out of range, and a DISCRETE one not listed.
  ExpectError(Errors(Study("      - parameterName: layers\n"  // 7
                           "        type: INTEGER\n"
                           "        minValue: 1\n"
                           "        maxValue: 3\n"
                           "        conditionalParameterSpecs:\n"
                           "          - parentIntValues: {values: [2, 5]}\n"  // 12
                           "            parameterSpec: {parameterName: x, type: DOUBLE, "
                           "minValue: 0, maxValue: 1}\n"
                           "      - parameterName: batch\n"  // 14
                           "        type: DISCRETE\n"
                           "        discreteValues: [16, 32]\n"
                           "        conditionalParameterSpecs:\n"
                           "          - parentDiscreteValues: {values: [64]}\n"  // 18
                           "            parameterSpec: {parameterName: y, type: DOUBLE, "
                           "minValue: 0, maxValue: 1}\n")),
              12, {"5 is not a value parent 'layers' can take", "an integer in [1, 3]"});
  ExpectError(Errors(Study("      - parameterName: batch\n"  // 7
                           "        type: DISCRETE\n"
                           "        discreteValues: [16, 32]\n"
                           "        conditionalParameterSpecs:\n"
                           "          - parentDiscreteValues: {values: [64]}\n"  // 11
                           "            parameterSpec: {parameterName: y, type: DOUBLE, "
                           "minValue: 0, maxValue: 1}\n")),
              11, {"64 is not a value parent 'batch' can take", "one of 16, 32"});
  // A mistake inside a nested child is reported at its own line.
  ExpectError(Errors(Study("      - parameterName: optimizer\n"  // 7
                           "        type: CATEGORICAL\n"
                           "        categoricalValues: [sgd, adam]\n"
                           "        conditionalParameterSpecs:\n"
                           "          - parentCategoricalValues: {values: [sgd]}\n"
                           "            parameterSpec:\n"
                           "              parameterName: momentum\n"
                           "              type: DOUBLE\n"
                           "              minValue: 2\n"  // 15
                           "              maxValue: 1\n")),
              15, {"conditionalParameterSpecs[0].parameterSpec.minValue", "must be less than"});
}
