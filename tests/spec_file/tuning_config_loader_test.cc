#include "bayestune/spec_file/tuning_config_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "spec_errors.h"
#include "study_spec_json.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// The lines around every bad file below: a valid study whose parts each case replaces.
std::string Study(const std::string& hyperparameters_extra, const std::string& params) {
  return "trainingInput:\n"
         "  hyperparameters:\n"
         "    goal: MAXIMIZE\n"
         "    hyperparameterMetricTag: accuracy\n"
         "    maxTrials: 10\n" +
         hyperparameters_extra + "    params:\n" + params;
}

const std::string kGoodParam =
    "      - parameterName: lr\n"
    "        type: DOUBLE\n"
    "        minValue: 0.001\n"
    "        maxValue: 0.1\n"
    "        scaleType: UNIT_LOG_SCALE\n";

}  // namespace

TEST_CASE("the book's tuning.yaml loads unchanged with the right values", "[config]") {
  auto result = LoadTuningConfigFile(BAYESTUNE_SOURCE_DIR "/examples/book/tuning.yaml");
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  CHECK(result.diagnostics.empty());
  const StudySpec& spec = result.config.study;
  CHECK(spec.goal == Goal::kMaximize);
  CHECK(spec.metric_tag == "accuracy");
  CHECK(spec.max_trials == 10);
  CHECK(spec.max_parallel_trials == 2);
  CHECK(spec.max_failed_trials == 0);
  CHECK_FALSE(spec.enable_early_stopping);
  CHECK(spec.algorithm == Algorithm::kUnspecified);
  REQUIRE(spec.parameters.size() == 2);
  CHECK(spec.parameters[0] == ParameterSpec::Integer("n_layers", 10, 100, ScaleType::kLinear));
  CHECK(spec.parameters[1] == ParameterSpec::Double("momentum", 0.1, 1.0, ScaleType::kLog));
  CHECK(result.config.source_text.find("n_layers") != std::string::npos);
}

TEST_CASE("AI Platform's defaults apply to fields left out", "[config]") {
  auto config = ParseTuningConfigOrThrow(
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    params:\n"
      "      - parameterName: x\n"
      "        type: DOUBLE\n"
      "        minValue: 0\n"
      "        maxValue: 1\n",
      "defaults.yaml");
  CHECK(config.study.goal == Goal::kMaximize);
  CHECK(config.study.metric_tag == "training/hptuning/metric");
  // Left out, the tag is a warning at the hyperparameters block: a new user's trainer writes
  // "accuracy" or "loss", and every trial failed in turn ("metric 'training/hptuning/metric' not
  // found"), with a study that cannot change its tag afterwards.
  const auto result = ParseTuningConfig(
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    maxTrials: 3\n"
      "    params: [{parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}]\n",
      "notag.yaml");
  CHECK(result.ok());
  // So is the goal: a study of 'loss' left without one maximised its loss, and cannot change its
  // goal afterwards.
  CHECK(FormatDiagnostics(result.diagnostics) ==
        "notag.yaml:3:5: warning: trainingInput.hyperparameters.hyperparameterMetricTag: not "
        "given: the objective is the scalar tagged 'training/hptuning/metric' (AI Platform's "
        "default, what cloudml-hypertune writes without a tag); give the tag your trainer writes, "
        "for example hyperparameterMetricTag: accuracy\n"
        "notag.yaml:3:5: warning: trainingInput.hyperparameters.goal: not given: the study "
        "maximises 'training/hptuning/metric' (MAXIMIZE, AI Platform's default); give goal: "
        "MINIMIZE if lower is better (a loss, an error), else goal: MAXIMIZE\n");
  const auto loss = ParseTuningConfig(
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    hyperparameterMetricTag: loss\n"
      "    params: [{parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}]\n",
      "loss.yaml");
  CHECK(loss.ok());
  CHECK(FormatDiagnostics(loss.diagnostics) ==
        "loss.yaml:3:5: warning: trainingInput.hyperparameters.goal: not given: the study "
        "maximises 'loss' (MAXIMIZE, AI Platform's default); give goal: MINIMIZE if lower is "
        "better (a loss, an error), else goal: MAXIMIZE\n");
  CHECK(config.study.max_trials == 1);
  CHECK(config.study.max_parallel_trials == 1);
  CHECK(config.study.max_failed_trials == 0);
  CHECK(config.study.algorithm == Algorithm::kUnspecified);
  CHECK(config.study.measurement_selection == MeasurementSelection::kLast);
  CHECK(config.study.parameters[0].scale == ScaleType::kNone);
  CHECK(config.runner.gpus_per_trial == 1);
  CHECK(config.runner.trials_per_gpu == 1);
  CHECK(config.runner.cpu_trials == 0);  // one per CPU
  CHECK_FALSE(config.runner.gpus.has_value());
  CHECK(config.runner.command.empty());
}

TEST_CASE("every field, every type and the runner block load", "[config]") {
  auto result = ParseTuningConfig(
      "jobId: my_job\n"
      "trainingInput:\n"
      "  scaleTier: BASIC_GPU\n"
      "  args: [--epochs=5]\n"
      "  hyperparameters:\n"
      "    goal: MINIMIZE\n"
      "    hyperparameterMetricTag: validation/epoch_loss\n"
      "    maxTrials: 40\n"
      "    maxParallelTrials: 4\n"
      "    maxFailedTrials: 3\n"
      "    enableTrialEarlyStopping: true\n"
      "    resumePreviousJobId: old_study\n"
      "    algorithm: RANDOM_SEARCH\n"
      "    params:\n"
      "      - parameterName: learning_rate\n"
      "        type: DOUBLE\n"
      "        minValue: 1e-5\n"
      "        maxValue: 1e-1\n"
      "        scaleType: UNIT_LOG_SCALE\n"
      "      - parameterName: momentum\n"
      "        type: DOUBLE\n"
      "        minValue: 0.5\n"
      "        maxValue: 0.999\n"
      "        scaleType: UNIT_REVERSE_LOG_SCALE\n"
      "      - parameterName: n_layers\n"
      "        type: INTEGER\n"
      "        minValue: 1\n"
      "        maxValue: 8\n"
      "      - parameterName: activation\n"
      "        type: CATEGORICAL\n"
      "        categoricalValues: [relu, tanh]\n"
      "      - parameterName: batch_size\n"
      "        type: DISCRETE\n"
      "        discreteValues: [32, 64, 128]\n"
      "        scaleType: UNIT_LOG_SCALE\n"
      "runner:\n"
      "  command: [python3, train.py, \"--note=a b\"]\n"
      "  jobDir: /tmp/jobs\n"
      "  gpus: [0, 1, 3]\n"
      "  gpusPerTrial: 2\n"
      "  trialsPerGpu: 2\n"
      "  cpuTrials: 3\n"
      "  trialTimeoutSeconds: 600\n"
      "  stopGracePeriodSeconds: 5\n"
      "  measurementSelection: BEST\n"
      "  seed: 7\n"
      "  env:\n"
      "    OMP_NUM_THREADS: \"1\"\n",
      "full.yaml");
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  // scaleTier and jobId are AI Platform's: ignored with a warning each.
  CHECK(result.diagnostics.size() == 2);
  const auto& c = result.config;
  CHECK(c.study.goal == Goal::kMinimize);
  CHECK(c.study.metric_tag == "validation/epoch_loss");
  CHECK(c.study.max_trials == 40);
  CHECK(c.study.max_parallel_trials == 4);
  CHECK(c.study.max_failed_trials == 3);
  CHECK(c.study.enable_early_stopping);
  CHECK(c.study.resume_previous_job_id == "old_study");
  CHECK(c.study.algorithm == Algorithm::kRandomSearch);
  CHECK(c.study.measurement_selection == MeasurementSelection::kBest);
  CHECK(c.study.seed == 7);
  REQUIRE(c.study.parameters.size() == 5);
  CHECK(c.study.parameters[0].min_value == 1e-5);
  CHECK(c.study.parameters[1].scale == ScaleType::kReverseLog);
  CHECK(c.study.parameters[3].categorical_values == std::vector<std::string>{"relu", "tanh"});
  CHECK(c.study.parameters[4].discrete_values == std::vector<double>{32, 64, 128});
  CHECK(c.runner.command == std::vector<std::string>{"python3", "train.py", "--note=a b"});
  CHECK(c.runner.args == std::vector<std::string>{"--epochs=5"});
  CHECK(c.runner.job_dir == "/tmp/jobs");
  CHECK(c.runner.gpus == std::vector<int>{0, 1, 3});
  CHECK(c.runner.gpus_per_trial == 2);
  CHECK(c.runner.trials_per_gpu == 2);
  CHECK(c.runner.cpu_trials == 3);
  CHECK(c.runner.trial_timeout_seconds == 600);
  CHECK(c.runner.stop_grace_period_seconds == 5);
  CHECK(c.runner.env.at("OMP_NUM_THREADS") == "1");

  SECTION("the parsed spec survives a JSON round trip") {
    CHECK(StudySpecFromJson(StudySpecToJson(c.study)) == c.study);
  }
}

TEST_CASE("a file that is empty, missing or not YAML is an error with its place", "[config]") {
  ExpectError(Errors(""), 0, {"the file is empty"});
  // Every line commented out (or a bare null): not empty to its author's eyes.
  ExpectError(Errors("# trainingInput:\n#   hyperparameters:\n"), 0,
              {"the file holds no settings (only comments or null); it needs "
               "trainingInput.hyperparameters"});
  ExpectError(Errors("~\n"), 0, {"the file holds no settings (only comments or null)"});
  ExpectError(Errors("trainingInput: [unclosed\n"), 2, {"not valid YAML"});
  ExpectError(Errors("trainingInput:\n  hyperparameters:\n    goal: MAXIMIZE\n   maxTrials: 3\n"),
              4, {"not valid YAML"});
  ExpectError(Errors("just a sentence\n"), 1, {"expected a mapping with keys trainingInput"});
  auto missing = LoadTuningConfigFile("/nonexistent/tuning.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.diagnostics[0].ToString().find("/nonexistent/tuning.yaml") == 0);
  CHECK(missing.diagnostics[0].message.find("cannot read") != std::string::npos);
  auto folder = LoadTuningConfigFile(BAYESTUNE_SOURCE_DIR "/examples");
  REQUIRE_FALSE(folder.ok());
  CHECK(folder.diagnostics[0].message.find("is a folder") != std::string::npos);
  // A tab in the indentation is named as such (yaml-cpp's own message does not say).
  ExpectError(Errors("trainingInput:\n\thyperparameters:\n    goal: MAXIMIZE\n"), 2,
              {"not valid YAML", "line 2 is indented with a tab; YAML indents with spaces only"});
  // A key without its ':' is named: yaml-cpp reports 'illegal map value' at the line after it,
  // and the hint said only 'check the indentation and the ':' after each key'.
  ExpectError(Errors("trainingInput:\n  hyperparameters:\n    goal MAXIMIZE\n    maxTrials: 3\n"),
              4, {"not valid YAML", "line 3 ('goal MAXIMIZE') has no ':' after its key"});
  ExpectError(Errors("trainingInput:\n  hyperparameters:\n    params:\n    - parameterName: x\n"
                     "      minValue: 0\n     maxValue: 1\n"),
              6, {"not valid YAML", "check the indentation and the ':' after each key"});
}

TEST_CASE("a named pipe that no program writes to is an error, not a wait forever", "[config]") {
  char dir_template[] = "/tmp/bayestune_fifo_test_XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string fifo = std::string(dir_template) + "/tuning.yaml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Before the fix the open itself waited for a writer (forever at a user's prompt). This writer
  // comes and goes without writing only once a reader has the pipe open, so that an old loader
  // gets an empty file instead of hanging the test; a fixed one never waits for it.
  std::atomic<bool> loaded = false;
  std::thread writer([&] {
    while (!loaded) {
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  auto result = LoadTuningConfigFile(fifo);
  loaded = true;
  writer.join();
  REQUIRE_FALSE(result.ok());
  INFO(FormatDiagnostics(result.diagnostics));
  CHECK(result.diagnostics[0].ToString() ==
        fifo +
            ": error: is a named pipe (FIFO) that no program writes to; give the path of a "
            "tuning.yaml file");
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("a pipe with a writer, such as bash's <(...), is read to its end", "[config]") {
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  const std::string text =
      "trainingInput:\n  hyperparameters:\n    maxTrials: 2\n    params:\n"
      "      - {parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}\n";
  REQUIRE(::write(ends[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(ends[1]);
  auto result = LoadTuningConfigFile("/proc/self/fd/" + std::to_string(ends[0]));
  ::close(ends[0]);
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  CHECK(result.config.study.max_trials == 2);
}

TEST_CASE("aliases that expand a short file to billions of nodes are an error, not a hang",
          "[config]") {
  // Each level's conditional child lists the level below ten times: 10^7 parameters from 12
  // lines. The loader walked every expansion (minutes, gigabytes) before it was bounded.
  std::string text =
      "runner: {command: ['true']}\n"
      "levels:\n"
      "  - &c0 {parentCategoricalValues: {values: [x]}, parameterSpec: {parameterName: z0, "
      "type: CATEGORICAL, categoricalValues: [x, y]}}\n";
  for (int level = 1; level <= 7; ++level) {
    std::string children;
    for (int i = 0; i < 10; ++i)
      children += (i ? ", *c" : "*c") + std::to_string(level - 1);
    text += "  - &c" + std::to_string(level) +
            " {parentCategoricalValues: {values: [x]}, parameterSpec: {parameterName: z" +
            std::to_string(level) +
            ", type: CATEGORICAL, categoricalValues: [x, y], conditionalParameterSpecs: [" +
            children + "]}}\n";
  }
  text += Study("", kGoodParam + "        conditionalParameterSpecs: [*c7]\n");
  ExpectError(Errors(text), 1,
              {"expands to more than 1000000 YAML nodes through its aliases",
               "write the repeated parts out"});

  // An alias used as aliases are meant to be is fine.
  const auto fine = ParseTuningConfig(Study("",
                                            "      - parameterName: a\n        type: CATEGORICAL\n"
                                            "        categoricalValues: &choices [x, y]\n"
                                            "      - parameterName: b\n        type: CATEGORICAL\n"
                                            "        categoricalValues: *choices\n") +
                                          "runner: {command: ['true']}\n",
                                      kBadFile);
  INFO(FormatDiagnostics(fine.diagnostics));
  CHECK(fine.ok());
}

TEST_CASE("YAML merge keys (<<: *base) bring the fields of the mapping they name", "[config]") {
  // yaml-cpp reads '<<' as a key like any other: a file that shared a parameter's fields through
  // a merge key got "unknown key '<<'" and "type: missing required field" for every parameter.
  const std::string text = Study("",
                                 "      - &unit {parameterName: a, type: DOUBLE, minValue: 0, "
                                 "maxValue: 1, scaleType: UNIT_LINEAR_SCALE}\n"
                                 "      - <<: *unit\n"
                                 "        parameterName: b\n"
                                 "        maxValue: 2\n"
                                 "      - {<<: [{parameterName: c, maxValue: 5}, *unit]}\n") +
                           "runner: {command: ['true']}\n";
  const auto result = ParseTuningConfig(text, kBadFile);
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  const auto& params = result.config.study.parameters;
  REQUIRE(params.size() == 3);
  CHECK(params[1].name == "b");  // its own keys win over the merged ones
  CHECK(params[1].type == ParameterType::kDouble);
  CHECK(params[1].min_value == 0);
  CHECK(params[1].max_value == 2);
  CHECK(params[1].scale == ScaleType::kLinear);
  CHECK(params[2].name == "c");  // the first mapping of a list wins
  CHECK(params[2].max_value == 5);
  CHECK(params[2].min_value == 0);
  CHECK(params[0].max_value == 1);  // the anchored mapping is unchanged

  // A merge key naming something other than a mapping is one error, at its line.
  ExpectError(Errors(Study("", "      - <<: [1, 2]\n        parameterName: x\n")), 7,
              {"a YAML merge key takes a mapping or a list of mappings", "got '1'"});
  // A quoted '<<' is a plain key, unknown here.
  ExpectError(Errors(Study("", kGoodParam + "        '<<': {type: DOUBLE}\n")), 12,
              {"unknown key '<<'; valid keys: parameterName"});
}

TEST_CASE("unknown keys are errors with the closest valid key suggested", "[config]") {
  ExpectError(Errors(Study("    maxTrial: 3\n", kGoodParam)), 6,
              {"trainingInput.hyperparameters.maxTrial", "unknown key 'maxTrial'",
               "did you mean 'maxTrials'?"});
  ExpectError(Errors(Study("", kGoodParam + "        scale_type: UNIT_LOG_SCALE\n")), 12,
              {"params[0].scale_type", "AI Platform's keys are camelCase; write 'scaleType'"});
  ExpectError(Errors("trainingInputs:\n  hyperparameters: {}\n"), 1,
              {"did you mean 'trainingInput'?"});
  ExpectError(Errors(Study("", kGoodParam) + "runner:\n  gpu: [0]\n"), 13,
              {"runner.gpu", "did you mean 'gpus'?"});
}

TEST_CASE("snake_case keys: one error each, naming the camelCase key, and nothing said missing",
          "[config]") {
  // A file written with the protobuf fields' names (hyperparameter_metric_tag, parameter_name,
  // min_value) got, besides an error per key, "parameterName: missing required field", the same
  // for minValue and maxValue, and a warning that hyperparameterMetricTag was not given: 11
  // errors for 7 keys, 4 of them about keys the file does give (newuser10).
  const std::string text =
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    goal: MAXIMIZE\n"
      "    hyperparameter_metric_tag: accuracy\n"
      "    max_trials: 4\n"
      "    params:\n"
      "      - parameter_name: lr\n"
      "        type: DOUBLE\n"
      "        min_value: 0.0001\n"
      "        max_value: 0.1\n"
      "runner:\n"
      "  job_dir: out\n";
  const auto result = ParseTuningConfig(text, kBadFile);
  INFO(FormatDiagnostics(result.diagnostics));
  const auto errors = Errors(text);
  CHECK(errors.size() == 6);
  ExpectError(errors, 4,
              {"trainingInput.hyperparameters.hyperparameter_metric_tag",
               "unknown key 'hyperparameter_metric_tag': AI Platform's keys are camelCase; write "
               "'hyperparameterMetricTag'"});
  ExpectError(errors, 5, {"max_trials", "write 'maxTrials'"});
  ExpectError(errors, 7, {"params[0].parameter_name", "write 'parameterName'"});
  ExpectError(errors, 9, {"params[0].min_value", "write 'minValue'"});
  ExpectError(errors, 10, {"params[0].max_value", "write 'maxValue'"});
  ExpectError(errors, 12, {"runner.job_dir", "write 'jobDir'"});
  for (const auto& d : result.diagnostics) {
    CHECK_THAT(d.message,
               !Catch::Contains("missing required field") && !Catch::Contains("not given"));
  }
}

TEST_CASE("the study's keys at the top level: one error each saying where they go", "[config]") {
  // A file that left out trainingInput: (or trainingInput: and hyperparameters:) got "unknown
  // key 'hyperparameters'; valid keys: trainingInput, runner" and "trainingInput: missing
  // required field", and Vertex AI's job spec the same, saying nothing of what it is (newuser10).
  SECTION("hyperparameters without trainingInput") {
    const auto errors = Errors("hyperparameters:\n  goal: MAXIMIZE\n  maxTrials: 2\n");
    CHECK(errors.size() == 1);
    ExpectError(errors, 1,
                {"hyperparameters: unknown key 'hyperparameters' at the top level: it goes under "
                 "trainingInput:, as in AI Platform's job spec"});
  }
  SECTION("the study's keys without trainingInput.hyperparameters") {
    const auto errors = Errors("goal: MAXIMIZE\nmaxTrials: 2\n" + std::string("params: []\n"));
    CHECK(errors.size() == 3);
    ExpectError(errors, 1,
                {"goal: unknown key 'goal' at the top level: the study's keys go under "
                 "trainingInput.hyperparameters"});
    ExpectError(errors, 2, {"maxTrials: unknown key 'maxTrials' at the top level"});
  }
  SECTION("Vertex AI's HyperparameterTuningJob") {
    // Each key says where it goes: one text for all said the same paragraph at every key and
    // mapped neither maxFailedTrialCount nor measurementSelectionType (newuser11).
    const auto errors = Errors(
        "studySpec:\n  metrics: [{metricId: accuracy, goal: MAXIMIZE}]\nmaxTrialCount: 10\n"
        "maxFailedTrialCount: 2\ntrialJobSpec: {}\n");
    CHECK(errors.size() == 4);
    ExpectError(errors, 1,
                {"studySpec: unknown key 'studySpec' at the top level: this is Vertex AI's "
                 "HyperparameterTuningJob, which bayestune does not read; write its metrics as "
                 "trainingInput.hyperparameters.metrics",
                 "integerValueSpec's with type: INTEGER",
                 "measurementSelectionType as runner.measurementSelection (LAST or BEST)"});
    ExpectError(errors, 3,
                {"maxTrialCount: unknown key 'maxTrialCount' at the top level: this is Vertex "
                 "AI's HyperparameterTuningJob, which bayestune does not read; write it as "
                 "trainingInput.hyperparameters.maxTrials"});
    ExpectError(errors, 4, {"write it as trainingInput.hyperparameters.maxFailedTrials"});
    ExpectError(errors, 5, {"a pythonPackageSpec's pythonModule as [python3, -m, MODULE]"});
    for (const auto& error : errors) {
      if (error.line != 1) CHECK(error.message.find("studySpec.") == std::string::npos);
    }
  }
}

TEST_CASE("trainingInput.args with AI Platform's --job-dir is a warning at its place", "[config]") {
  // An AI Platform job's args often carry --job-dir gs://...; the trainer then got two --job-dir
  // flags, silently (newuser10).
  const std::string text =
      "trainingInput:\n"
      "  args: ['--job-dir', 'gs://bucket/out', '--epochs=2']\n"
      "  hyperparameters:\n"
      "    goal: MAXIMIZE\n"
      "    hyperparameterMetricTag: accuracy\n"
      "    params:\n" +
      kGoodParam;
  const auto result = ParseTuningConfig(text, kBadFile);
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  bool found = false;
  for (const auto& d : result.diagnostics) {
    if (d.field == "trainingInput.args[0]") {
      found = true;
      CHECK(d.line == 2);
      CHECK_THAT(d.message, Catch::Contains("'--job-dir': bayestune gives each trial its own "
                                            "folder as --job-dir=<jobDir>/trial-<n>, last"));
    }
  }
  CHECK(found);
  CHECK(result.config.runner.args.size() == 3);  // passed on all the same
}

TEST_CASE(
    "a '~' or $VARIABLE in the trainer's words, runner.env or jobDir is a warning at its place",
    "[config]") {
  // runner.env {DATA_DIR: $HOME/data} gave every trial DATA_DIR='$HOME/data', and jobDir: ~/runs
  // made a folder named '~' beside the YAML file, without a word: no shell reads the file
  // (newuser11). The values are kept as written.
  ::setenv("BAYESTUNE_TEST_DATA", "/data/set", 1);
  ::unsetenv("BAYESTUNE_TEST_UNSET");
  const std::string text =
      "trainingInput:\n"
      "  args: ['--data=$BAYESTUNE_TEST_DATA', '--price=$5', --plain]\n"
      "  hyperparameters:\n"
      "    goal: MAXIMIZE\n"
      "    hyperparameterMetricTag: accuracy\n"
      "    params:\n" +
      kGoodParam +
      "runner:\n"
      "  command: [python3, train.py, --out, '${BAYESTUNE_TEST_UNSET}/x']\n"
      "  jobDir: ~/runs\n"
      "  env:\n"
      "    DATA_DIR: $BAYESTUNE_TEST_DATA/digits\n"
      "    PLAIN: /data\n";
  const auto result = ParseTuningConfig(text, kBadFile);
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  std::map<std::string, const Diagnostic*> warnings;
  for (const auto& d : result.diagnostics) {
    if (d.message.find("is not expanded") != std::string::npos) warnings[d.field] = &d;
  }
  CHECK(warnings.size() == 4);
  REQUIRE(warnings.count("trainingInput.args[0]") == 1);
  CHECK(warnings["trainingInput.args[0]"]->line == 2);
  CHECK(warnings["trainingInput.args[0]"]->message ==
        "'--data=$BAYESTUNE_TEST_DATA' reaches the trainer as written: no shell reads this file, "
        "so '$BAYESTUNE_TEST_DATA' is not expanded; write the value out ('--data=/data/set' "
        "here)");
  REQUIRE(warnings.count("runner.command[3]") == 1);
  CHECK(warnings["runner.command[3]"]->message ==
        "'${BAYESTUNE_TEST_UNSET}/x' reaches the trainer as written: no shell reads this file, so "
        "'${BAYESTUNE_TEST_UNSET}' is not expanded; write the value out");
  REQUIRE(warnings.count("runner.jobDir") == 1);
  CHECK_THAT(warnings["runner.jobDir"]->message,
             Catch::StartsWith("'~/runs' is the trial folders' folder as written: no shell reads "
                               "this file, so '~' is not expanded; write the value out") &&
                 Catch::EndsWith("; as it stands, it is a folder beside this file"));
  REQUIRE(warnings.count("runner.env.DATA_DIR") == 1);
  CHECK(warnings["runner.env.DATA_DIR"]->line == 16);
  CHECK_THAT(warnings["runner.env.DATA_DIR"]->message,
             Catch::Contains("write the value out ('/data/set/digits' here), or leave it out of "
                             "runner.env and set it where bayestune runs"));
  CHECK(result.config.runner.env.at("DATA_DIR") == "$BAYESTUNE_TEST_DATA/digits");
  CHECK(result.config.runner.job_dir == "~/runs");
  CHECK(result.config.runner.args[0] == "--data=$BAYESTUNE_TEST_DATA");
  // A shell given its code with -c expands it itself.
  const auto shell = ParseTuningConfig(
      Study("", kGoodParam) +
          "runner:\n  command: [bash, -c, 'python3 train.py --data=$HOME/d \"$@\"', --]\n",
      kBadFile);
  INFO(FormatDiagnostics(shell.diagnostics));
  REQUIRE(shell.ok());
  for (const auto& d : shell.diagnostics)
    CHECK(d.message.find("is not expanded") == std::string::npos);
}

TEST_CASE("AI Platform's pythonModule is ignored with a warning that says how to run it",
          "[config]") {
  // Its warning said only "only AI Platform uses it", of the one key that told how the trainer
  // ran, while run stopped for want of runner.command (newuser11).
  const std::string text =
      "trainingInput:\n"
      "  pythonModule: trainer.task\n"
      "  hyperparameters:\n"
      "    goal: MAXIMIZE\n"
      "    hyperparameterMetricTag: accuracy\n"
      "    params:\n" +
      kGoodParam;
  const auto result = ParseTuningConfig(text, kBadFile);
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  REQUIRE(result.diagnostics.size() == 1);
  const Diagnostic& warning = result.diagnostics[0];
  CHECK_FALSE(warning.IsError());
  CHECK(warning.field == "trainingInput.pythonModule");
  CHECK(warning.line == 2);
  CHECK(warning.message ==
        "ignored: AI Platform ran the trainer as python -m trainer.task, bayestune runs "
        "runner.command: give it as runner.command: [python3, -m, trainer.task] (run from the "
        "folder that holds the package), or after --: bayestune run bad.yaml -- python3 -m "
        "trainer.task");
  CHECK(result.config.runner.command.empty());
}

TEST_CASE("wrong types and missing required fields are errors", "[config]") {
  ExpectError(Errors(Study("    maxParallelTrials: two\n", kGoodParam)), 6,
              {"maxParallelTrials", "expected an integer, got 'two'"});
  ExpectError(Errors(Study("    enableTrialEarlyStopping: maybe\n", kGoodParam)), 6,
              {"expected true or false"});
  ExpectError(Errors("trainingInput:\n  hyperparameters:\n    goal: MAXIMIZE\n"), 3,
              {"trainingInput.hyperparameters.params", "missing required field"});
  ExpectError(Errors(Study("", "      - type: DOUBLE\n        minValue: 0\n        maxValue: 1\n")),
              7, {"params[0].parameterName", "missing required field"});
  ExpectError(Errors(Study("",
                           "      - parameterName: x\n        type: DOUBLE\n"
                           "        minValue: 0\n")),
              7, {"params[0].maxValue", "missing required field"});
  ExpectError(Errors(Study("",
                           "      - parameterName: x\n        type: DOUBLE\n"
                           "        minValue: low\n        maxValue: 1\n")),
              9, {"params[0].minValue", "expected a number, got 'low'"});
  ExpectError(Errors("runner: {}\n"), 1, {"trainingInput", "missing required field"});
}

TEST_CASE("a parameter written as Optuna or Vertex AI write it: each mistake with what is meant",
          "[config]") {
  // type: FLOAT got no suggestion, and hid scaleType: LOG's error; Vertex AI's `values` of a
  // CATEGORICAL parameter got "did you mean 'discreteValues'?" beside "categoricalValues: missing
  // required field" (newuser11).
  const auto errors = Errors(Study("",
                                   "      - parameterName: lr\n"
                                   "        type: FLOAT\n"
                                   "        minValue: 0.001\n"
                                   "        maxValue: 0.1\n"
                                   "        scaleType: LOG\n"
                                   "      - parameterName: opt\n"
                                   "        type: CATEGORICAL\n"
                                   "        values: [sgd, adam]\n"
                                   "      - parameterName: bs\n"
                                   "        type: DISCRETE\n"
                                   "        values: [32, 64]\n"));
  CHECK(errors.size() == 4);
  ExpectError(errors, 8,
              {"params[0].type: unknown value 'FLOAT'; did you mean 'DOUBLE'? Valid values: "});
  ExpectError(errors, 11,
              {"params[0].scaleType: unknown value 'LOG'; did you mean 'UNIT_LOG_SCALE'?"});
  ExpectError(errors, 14,
              {"params[1].values: unknown key 'values'; did you mean "
               "'categoricalValues'? Valid keys: "});
  ExpectError(errors, 17,
              {"params[2].values: unknown key 'values'; did you mean 'discreteValues'?"});
  for (const auto& error : errors)
    CHECK(error.message.find("missing required field") == std::string::npos);
}

TEST_CASE("Vertex AI's parameters in a study: one error each, saying what to write", "[config]") {
  // Vertex AI's StudySpec.parameters, pasted under trainingInput.hyperparameters: 'parameters'
  // was an unknown key beside 'params: missing required field', and, under params, each parameter
  // had four errors ('parameterId; did you mean parameterName?', 'parameterName: missing', 'type:
  // missing', 'doubleValueSpec: unknown key'), none saying how to write the value spec.
  const std::string text =
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    goal: MAXIMIZE\n"
      "    hyperparameterMetricTag: accuracy\n"
      "    maxTrials: 10\n"
      "    parameters:\n"
      "    - parameterId: learning_rate\n"
      "      scaleType: UNIT_LOG_SCALE\n"
      "      doubleValueSpec: {minValue: 0.0001, maxValue: 0.1}\n"
      "    - parameterId: layers\n"
      "      integerValueSpec: {minValue: 1, maxValue: 8}\n"
      "    - parameterId: optimizer\n"
      "      categoricalValueSpec:\n"
      "        values: [sgd, adam]\n"
      "    - parameterId: batch_size\n"
      "      discreteValueSpec: {values: [32, 64, 128]}\n"
      "      scaleType: UNIT_LINEAR_SCALE\n";
  const auto errors = Errors(text);
  CHECK(errors.size() == 9);
  ExpectError(errors, 6,
              {"bad.yaml:6:5: error: trainingInput.hyperparameters.parameters: unknown key "
               "'parameters': Vertex AI's name for the list of parameters; write params"});
  ExpectError(errors, 7,
              {"parameters[0].parameterId: unknown key 'parameterId': Vertex AI's name for it; "
               "write parameterName: learning_rate"});
  ExpectError(errors, 9,
              {"parameters[0].doubleValueSpec: unknown key 'doubleValueSpec': Vertex AI's form; "
               "write type: DOUBLE, minValue: 0.0001, maxValue: 0.1 in the parameter itself, in "
               "place of doubleValueSpec"});
  ExpectError(errors, 11,
              {"parameters[1].integerValueSpec: unknown key 'integerValueSpec': Vertex AI's form; "
               "write type: INTEGER, minValue: 1, maxValue: 8 in the parameter itself"});
  ExpectError(errors, 13,
              {"parameters[2].categoricalValueSpec: unknown key 'categoricalValueSpec': Vertex "
               "AI's form; write type: CATEGORICAL, categoricalValues: [sgd, adam] in the "
               "parameter itself"});
  ExpectError(errors, 16,
              {"parameters[3].discreteValueSpec: unknown key 'discreteValueSpec': Vertex AI's "
               "form; write type: DISCRETE, discreteValues: [32, 64, 128] in the parameter"});
  for (const auto& error : errors)
    CHECK(error.message.find("missing required field") == std::string::npos);
  // Written as said, the file is valid.
  std::string fixed = text;
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\n    parameters:", "\n    params:"},
           {"parameterId:", "parameterName:"},
           {"doubleValueSpec: {minValue: 0.0001, maxValue: 0.1}",
            "type: DOUBLE\n      minValue: 0.0001\n      maxValue: 0.1"},
           {"integerValueSpec: {minValue: 1, maxValue: 8}",
            "type: INTEGER\n      minValue: 1\n      maxValue: 8"},
           {"categoricalValueSpec:\n        values: [sgd, adam]",
            "type: CATEGORICAL\n      categoricalValues: [sgd, adam]"},
           {"discreteValueSpec: {values: [32, 64, 128]}",
            "type: DISCRETE\n      discreteValues: [32, 64, 128]"}}) {
    for (std::size_t at = fixed.find(from); at != std::string::npos; at = fixed.find(from))
      fixed.replace(at, from.size(), to);
  }
  const auto result = ParseTuningConfig(fixed, kBadFile);
  INFO(fixed << FormatDiagnostics(result.diagnostics));
  CHECK(result.ok());

  // Vertex AI's counts and measurement selection under hyperparameters: only maxFailedTrialCount
  // got a suggestion, by its spelling.
  const auto counts =
      Errors(Study("    maxTrialCount: 10\n"
                   "    parallelTrialCount: 2\n"
                   "    maxFailedTrialCount: 3\n"
                   "    measurementSelectionType: BEST_MEASUREMENT\n",
                   kGoodParam));
  CHECK(counts.size() == 4);
  ExpectError(counts, 6,
              {"hyperparameters.maxTrialCount: unknown key 'maxTrialCount': Vertex AI's name; "
               "write maxTrials"});
  ExpectError(counts, 7, {"'parallelTrialCount': Vertex AI's name; write maxParallelTrials"});
  ExpectError(counts, 8, {"'maxFailedTrialCount': Vertex AI's name; write maxFailedTrials"});
  ExpectError(counts, 9,
              {"'measurementSelectionType': Vertex AI's name; write runner.measurementSelection "
               "(LAST or BEST), in bayestune's runner: block"});
  for (const auto& error : counts)
    CHECK(error.message.find("measurementSelection (LAST or BEST), in bayestune's runner: block "
                             "(AI Platform's") == std::string::npos);
}

TEST_CASE("Optuna's low, high, log, step and choices: one error each, saying what to write",
          "[config]") {
  // Each was "unknown key 'low'; valid keys: ..." beside 'minValue: missing required field' and
  // 'maxValue: missing required field'.
  const auto errors = Errors(
      Study("",
            "      - {parameterName: lr, type: DOUBLE, low: 0.001, high: 0.1, log: true}\n"
            "      - {parameterName: units, type: INTEGER, minValue: 16, maxValue: 256, step: 16}\n"
            "      - {parameterName: opt, type: CATEGORICAL, choices: [sgd, adam]}\n"));
  CHECK(errors.size() == 5);
  ExpectError(errors, 7,
              {"params[0].low: unknown key 'low': Optuna's name; write minValue: 0.001 (AI "
               "Platform's form, which bayestune reads)"});
  ExpectError(errors, 7,
              {"params[0].high: unknown key 'high': Optuna's name; write maxValue: 0.1"});
  ExpectError(errors, 7,
              {"params[0].log: unknown key 'log': Optuna's suggest_float(..., log=True) is "
               "scaleType: UNIT_LOG_SCALE here"});
  ExpectError(errors, 8,
              {"params[1].step: unknown key 'step': Optuna's step is a DISCRETE parameter here, "
               "listing the values: type: DISCRETE, discreteValues: [16, 32, 48, ..., 256] in "
               "place of minValue, maxValue and step"});
  ExpectError(errors, 9,
              {"params[2].choices: unknown key 'choices': Optuna's name; write categoricalValues"});
  for (const auto& error : errors)
    CHECK(error.message.find("missing required field") == std::string::npos);
}

TEST_CASE("range and scale errors name the parameter's field", "[config]") {
  ExpectError(Errors(Study("",
                           "      - parameterName: x\n        type: DOUBLE\n"
                           "        minValue: 5\n        maxValue: 5\n")),
              9, {"minValue (5) must be less than maxValue (5)"});
  ExpectError(Errors(Study("",
                           "      - parameterName: x\n        type: DOUBLE\n"
                           "        minValue: 0\n        maxValue: 1\n"
                           "        scaleType: UNIT_LOG_SCALE\n")),
              9, {"UNIT_LOG_SCALE needs minValue > 0, got 0"});
  ExpectError(Errors(Study("",
                           "      - parameterName: x\n        type: DOUBLE\n"
                           "        minValue: -1\n        maxValue: 1\n"
                           "        scaleType: UNIT_REVERSE_LOG_SCALE\n")),
              9, {"UNIT_REVERSE_LOG_SCALE needs minValue > 0"});
  ExpectError(Errors(Study("",
                           "      - parameterName: n\n        type: INTEGER\n"
                           "        minValue: 1.5\n        maxValue: 10\n")),
              9, {"INTEGER parameter needs integer bounds, got 1.5"});
}

TEST_CASE("a DISCRETE list out of order is one error with the list as it would be valid",
          "[config]") {
  // [64, 16, 32, 32] gave three errors ('16 follows 64', '32 follows 64', '32 follows 64') and a
  // duplicate read '16 follows 16'.
  auto result = ParseTuningConfig(
      Study("",
            "      - {parameterName: b, type: DISCRETE, discreteValues: [64, 16, 32, 32]}\n"
            "      - {parameterName: c, type: DISCRETE, discreteValues: [16, 16, 32]}\n"
            "      - {parameterName: d, type: DISCRETE, discreteValues: [1, 2, 3, 2]}\n"),
      "d.yaml");
  CHECK_FALSE(result.ok());
  CHECK(FormatDiagnostics(result.diagnostics) ==
        "d.yaml:7:65: error: trainingInput.hyperparameters.params[0].discreteValues[1]: "
        "discreteValues must be strictly increasing, but 16 follows 64; list them in increasing "
        "order, each once: [16, 32, 64]\n"
        "d.yaml:8:65: error: trainingInput.hyperparameters.params[1].discreteValues[1]: 16 is "
        "listed twice (also discreteValues[0]); each value must be unique; list them in "
        "increasing order, each once: [16, 32]\n"
        "d.yaml:9:70: error: trainingInput.hyperparameters.params[2].discreteValues[3]: 2 is "
        "listed twice (also discreteValues[1]); each value must be unique; list them in "
        "increasing order, each once: [1, 2, 3]\n");
}

TEST_CASE("a misspelt early-stopping rule is one error, its options not said to be ignored",
          "[config]") {
  // rule: asha gave the error and then, for each of ASHA's options, 'is used only by rule: ASHA;
  // the MEDIAN rule ignores it': the rule the user did not ask for.
  auto result = ParseTuningConfig(
      Study("    enableTrialEarlyStopping: true\n", kGoodParam) +
          "runner:\n  earlyStopping: {rule: asha, minStep: 1, maxStep: 9, reductionFactor: 1}\n",
      "es.yaml");
  CHECK_FALSE(result.ok());
  CHECK(FormatDiagnostics(result.diagnostics) ==
        "es.yaml:14:25: error: runner.earlyStopping.rule: unknown value 'asha'; did you mean "
        "'ASHA'? Valid values: MEDIAN, ASHA\n"
        "es.yaml:14:72: error: runner.earlyStopping.reductionFactor: must be at least 2, got 1\n");
}

TEST_CASE("a CATEGORICAL or DISCRETE parameter of one value is a warning", "[config]") {
  // An INTEGER or DOUBLE range of one value is an error; a list of one value was taken without a
  // word, a constant flag the optimizer spends a dimension on.
  auto result = ParseTuningConfig(
      Study("", kGoodParam + "      - {parameterName: opt, type: CATEGORICAL, categoricalValues: "
                             "[sgd]}\n"
                             "      - {parameterName: bs, type: DISCRETE, discreteValues: [32]}\n"),
      "one.yaml");
  CHECK(result.ok());
  CHECK(FormatDiagnostics(result.diagnostics) ==
        "one.yaml:12:68: warning: trainingInput.hyperparameters.params[1].categoricalValues: has "
        "one value: every trial gets --opt=sgd and there is nothing to tune; list two or more "
        "values, or give the fixed flag with the trainer (runner.command or trainingInput.args)\n"
        "one.yaml:13:61: warning: trainingInput.hyperparameters.params[2].discreteValues: has one "
        "value: every trial gets --bs=32 and there is nothing to tune; list two or more values, "
        "or give the fixed flag with the trainer (runner.command or trainingInput.args)\n");
}

TEST_CASE("discrete and categorical lists are checked", "[config]") {
  ExpectError(Errors(Study("",
                           "      - parameterName: d\n        type: DISCRETE\n"
                           "        discreteValues:\n          - 1\n          - 4\n"
                           "          - 2\n")),
              12,
              {"discreteValues[2]",
               "strictly increasing, but 2 follows 4; list them in "
               "increasing order, each once: [1, 2, 4]"});
  std::string many = "      - parameterName: d\n        type: DISCRETE\n        discreteValues: [";
  for (int i = 0; i < 1001; ++i)
    many += (i ? ", " : "") + std::to_string(i);
  many += "]\n";
  ExpectError(Errors(Study("", many)), 9, {"holds 1001 values; at most 1000"});
  // Each categorical value is a dimension of the GP: 3,000 made every suggestion take seconds.
  std::string categories =
      "      - parameterName: c\n        type: CATEGORICAL\n        categoricalValues: [";
  for (int i = 0; i < 1001; ++i)
    categories += (i ? ", v" : "v") + std::to_string(i);
  categories += "]\n";
  ExpectError(Errors(Study("", categories)), 9,
              {"params[0].categoricalValues", "holds 1001 values; at most 1000",
               "number the values with an INTEGER parameter"});
  ExpectError(Errors(Study("", "      - parameterName: c\n        type: CATEGORICAL\n")), 7,
              {"categoricalValues", "missing required field"});
  ExpectError(Errors(Study("",
                           "      - parameterName: c\n        type: CATEGORICAL\n"
                           "        categoricalValues: []\n")),
              9, {"is empty"});
  ExpectError(Errors(Study("",
                           "      - parameterName: c\n        type: CATEGORICAL\n"
                           "        categoricalValues: [relu, tanh, relu]\n")),
              9, {"categoricalValues[2]", "'relu' is listed twice"});
  ExpectError(Errors(Study("",
                           "      - parameterName: c\n        type: CATEGORICAL\n"
                           "        categoricalValues: [relu, tanh]\n"
                           "        scaleType: UNIT_LINEAR_SCALE\n")),
              10, {"takes no scaleType"});
  ExpectError(Errors(Study("",
                           "      - parameterName: c\n        type: CATEGORICAL\n"
                           "        categoricalValues: [relu]\n        minValue: 1\n")),
              10, {"minValue", "not allowed for a CATEGORICAL parameter"});
}

TEST_CASE("duplicate names, no params and bad enums are errors", "[config]") {
  ExpectError(Errors(Study("", kGoodParam + kGoodParam)), 12,
              {"params[1].parameterName", "'lr' is already defined at line 7"});
  ExpectError(Errors(Study("", "      []\n")), 7, {"has no parameters"});
  ExpectError(Errors(Study("    algorithm: BAYESIAN\n", kGoodParam)), 6,
              {"unknown value 'BAYESIAN'", "ALGORITHM_UNSPECIFIED, GRID_SEARCH, RANDOM_SEARCH"});
  ExpectError(
      Errors("trainingInput:\n  hyperparameters:\n    goal: MAXIMISE\n    params:\n" + kGoodParam),
      3, {"unknown value 'MAXIMISE'", "did you mean 'MAXIMIZE'?"});
  ExpectError(Errors(Study("",
                           "      - parameterName: x\n        type: FLOAT\n"
                           "        minValue: 0\n        maxValue: 1\n")),
              8, {"unknown value 'FLOAT'", "DOUBLE, INTEGER, CATEGORICAL, DISCRETE"});
  ExpectError(Errors(Study("",
                           "      - parameterName: x\n        type: DOUBLE\n"
                           "        minValue: 1\n        maxValue: 2\n"
                           "        scaleType: LOG\n")),
              11, {"unknown value 'LOG'", "UNIT_LOG_SCALE"});
  ExpectError(Errors(Study("",
                           "      - parameterName: \"learning rate\"\n        type: DOUBLE\n"
                           "        minValue: 1\n        maxValue: 2\n")),
              7, {"not a valid name"});
}

TEST_CASE(
    "maxTrials below 1 or beyond an int is an error, maxParallelTrials above maxTrials a warning",
    "[config]") {
  ExpectError(
      Errors("trainingInput:\n  hyperparameters:\n    maxTrials: 0\n    params:\n" + kGoodParam), 3,
      {"maxTrials", "must be at least 1, got 0"});
  ExpectError(Errors(Study("    maxParallelTrials: 0\n", kGoodParam)), 6,
              {"maxParallelTrials", "must be at least 1, got 0"});
  // Beyond an int: an error, never a silent wrap-around (4294967297 would read as 1).
  ExpectError(
      Errors("trainingInput:\n  hyperparameters:\n    maxTrials: 4294967297\n    params:\n" +
             kGoodParam),
      3, {"maxTrials", "must be at most 2147483647, got 4294967297"});
  auto result = ParseTuningConfig(Study("    maxParallelTrials: 20\n", kGoodParam), "warn.yaml");
  REQUIRE(result.ok());
  REQUIRE(result.diagnostics.size() == 1);
  CHECK_FALSE(result.diagnostics[0].IsError());
  CHECK(result.diagnostics[0].line == 6);
  CHECK(result.diagnostics[0].ToString().find("warning: ") != std::string::npos);
  CHECK(result.diagnostics[0].message.find("more than maxTrials (10)") != std::string::npos);
}

TEST_CASE("runner block values are checked", "[config]") {
  const std::string base = Study("", kGoodParam);
  ExpectError(Errors(base + "runner:\n  gpus: [0, 0]\n"), 13, {"GPU 0 is listed twice"});
  ExpectError(Errors(base + "runner:\n  gpus: [-1]\n"), 13, {"must be at least 0"});
  ExpectError(Errors(base + "runner:\n  gpus: some\n"), 13,
              {"runner.gpus", "[0, 1, 3], auto or none (CPU-only trials), got 'some'"});
  // none, as `--gpus none` says it: no GPU, CPU-only trials.
  const auto none = ParseTuningConfig(base + "runner:\n  gpus: none\n", "none.yaml");
  INFO(FormatDiagnostics(none.diagnostics));
  REQUIRE(none.ok());
  CHECK(none.config.runner.gpus == std::vector<int>{});
  ExpectError(Errors(base + "runner:\n  trialsPerGpu: 0\n"), 13, {"must be at least 1"});
  ExpectError(Errors(base + "runner:\n  trialsPerGpu: 100000\n"), 13, {"must be at most 1024"});
  ExpectError(Errors(base + "runner:\n  cpuTrials: 0\n"), 13,
              {"runner.cpuTrials", "must be at least 1"});
  ExpectError(Errors(base + "runner:\n  cpuTrials: many\n"), 13,
              {"runner.cpuTrials", "expected an integer"});
  ExpectError(Errors(base + "runner:\n  trialTimeoutSeconds: -5\n"), 13, {"must be 0 or more"});
  ExpectError(Errors(base + "runner:\n  command: []\n"), 13, {"is empty"});
  ExpectError(Errors(base + "runner:\n  command: python3 'my script.py'\n"), 13,
              {"must be given as a list"});
  ExpectError(Errors(base + "runner:\n  measurementSelection: FIRST\n"), 13,
              {"unknown value 'FIRST'", "LAST, BEST"});
}

TEST_CASE("launcher: slurm and its slurm block load, bad values name the field", "[config]") {
  const std::string base = Study("", kGoodParam);
  const auto result = ParseTuningConfig(base +
                                            "runner:\n"
                                            "  launcher: slurm\n"
                                            "  gpusPerTrial: 2\n"
                                            "  slurm:\n"
                                            "    partition: gpu\n"
                                            "    account: lab\n"
                                            "    qos: short\n"
                                            "    time: \"2:00:00\"\n"
                                            "    cpusPerTrial: 8\n"
                                            "    memory: 32G\n"
                                            "    constraint: a100|h100\n"
                                            "    extraArgs: [--exclusive, --nice=10]\n",
                                        "slurm.yaml");
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  const RunnerSpec& runner = result.config.runner;
  CHECK(runner.launcher == LauncherKind::kSlurm);
  CHECK(runner.slurm == SlurmSpec{.partition = "gpu",
                                  .account = "lab",
                                  .qos = "short",
                                  .time = "2:00:00",
                                  .cpus_per_trial = 8,
                                  .memory = "32G",
                                  .constraint = "a100|h100",
                                  .extra_args = {"--exclusive", "--nice=10"}});
  CHECK(ParseTuningConfig(base, "local.yaml").config.runner.launcher == LauncherKind::kLocal);

  ExpectError(Errors(base + "runner:\n  launcher: kubernetes\n"), 13,
              {"runner.launcher", "unknown launcher 'kubernetes'", "local", "slurm"});
  ExpectError(Errors(base + "runner:\n  launcher: slurm\n  slurm:\n    partiton: gpu\n"), 15,
              {"partiton"});
  ExpectError(Errors(base + "runner:\n  launcher: slurm\n  slurm:\n    cpusPerTrial: 0\n"), 15,
              {"runner.slurm.cpusPerTrial", "must be at least 1"});
  ExpectError(Errors(base + "runner:\n  launcher: slurm\n  slurm:\n    extraArgs: [exclusive]\n"),
              15, {"runner.slurm.extraArgs[0]", "not an sbatch option"});
  ExpectError(Errors(base + "runner:\n  launcher: slurm\n  slurm:\n    partition: \"\"\n"), 15,
              {"runner.slurm.partition", "not empty"});
  // A slurm block without the Slurm launcher is said, not an error.
  const auto unused =
      ParseTuningConfig(base + "runner:\n  slurm:\n    partition: gpu\n", "unused.yaml");
  REQUIRE(unused.ok());
  CHECK_THAT(FormatDiagnostics(unused.diagnostics), Catch::Contains("only with launcher: slurm"));
}

TEST_CASE("runner.cpuTrials: auto is one per CPU", "[config]") {
  const auto result =
      ParseTuningConfig(Study("", kGoodParam) + "runner:\n  cpuTrials: auto\n", "auto.yaml");
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  CHECK(result.config.runner.cpu_trials == 0);
}

TEST_CASE("every error of a file is reported, in file order", "[config]") {
  auto result = ParseTuningConfig(
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    goal: UP\n"
      "    maxTrials: 0\n"
      "    params:\n"
      "      - parameterName: x\n"
      "        type: DOUBLE\n"
      "        minValue: 2\n"
      "        maxValue: 1\n"
      "      - parameterName: y\n"
      "        type: BOOL\n"
      "    hyperparameterMetricTag: accuracy\n",
      "many.yaml");
  std::vector<int> lines;
  for (const auto& d : result.diagnostics)
    lines.push_back(d.line);
  INFO(FormatDiagnostics(result.diagnostics));
  CHECK(lines == std::vector<int>{3, 4, 8, 11});
  // Without a close match, the list of valid values is its own clause.
  CHECK_THAT(FormatDiagnostics(result.diagnostics),
             Catch::Contains("unknown value 'UP'; valid values: MAXIMIZE, MINIMIZE"));
  CHECK_THROWS_AS(ParseTuningConfigOrThrow(result.config.source_text, "many.yaml"),
                  InvalidArgument);
}

TEST_CASE("a file on disk reports its own path", "[config]") {
  const auto dir = std::filesystem::temp_directory_path() / "bayestune_config_test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "tuning.yaml").string();
  std::ofstream(path)
      << "trainingInput:\n  hyperparameters:\n    maxTrials: -2\n    hyperparameterMetricTag: a\n"
         "    goal: MAXIMIZE\n";
  auto result = LoadTuningConfigFile(path);
  REQUIRE_FALSE(result.ok());
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.diagnostics.size() == 2);
  CHECK(result.diagnostics[0].ToString().rfind(path + ":3:5: error: ", 0) == 0);
  CHECK(result.diagnostics[1].ToString() ==
        path + ":3:16: error: trainingInput.hyperparameters.maxTrials: must be at least 1, got -2");
  std::filesystem::remove_all(dir);
}

TEST_CASE("INTEGER bounds beyond 2^53 are errors at the bound", "[config]") {
  // -1e300..1e300 once passed, and every trial got --n=-9223372036854775808.
  const auto errors = Errors(Study("",
                                   "      - parameterName: n\n        type: INTEGER\n"
                                   "        minValue: -1e300\n        maxValue: 1e300\n"));
  ExpectError(errors, 9,
              {"params[0].minValue",
               "an INTEGER parameter's bounds must be from "
               "-9007199254740992 to 9007199254740992",
               "got -1e300"});
  ExpectError(errors, 10, {"params[0].maxValue", "got 1e300"});
  // As written: as a double, 9223372036854775807 reads 9223372036854775808.
  ExpectError(Errors(Study("",
                           "      - parameterName: n\n        type: INTEGER\n"
                           "        minValue: 0\n        maxValue: 9223372036854775807\n")),
              10,
              {"params[0].maxValue", "got 9223372036854775807;",
               "use a DOUBLE parameter for a wider range"});
  auto widest = ParseTuningConfig(Study("",
                                        "      - parameterName: n\n        type: INTEGER\n"
                                        "        minValue: -9007199254740992\n"
                                        "        maxValue: 9007199254740992\n"),
                                  "ok.yaml");
  INFO(FormatDiagnostics(widest.diagnostics));
  CHECK(widest.ok());
  CHECK_NOTHROW(ValidateStudySpec(widest.config.study));
  // A DOUBLE may be that wide.
  CHECK(ParseTuningConfig(Study("",
                                "      - parameterName: x\n        type: DOUBLE\n"
                                "        minValue: -1e300\n        maxValue: 1e300\n"),
                          "ok.yaml")
            .ok());
}

TEST_CASE("categorical values with a NUL or other control character are errors", "[config]") {
  // YAML's "\0" escape: the trainer would get --c=a and the database a\0b.
  ExpectError(Errors(Study("",
                           "      - parameterName: c\n        type: CATEGORICAL\n"
                           "        categoricalValues: [ok, \"a\\0b\"]\n")),
              9,
              {"categoricalValues[1]", "'a\\x00b' holds a NUL byte",
               "must be UTF-8 text without control characters"});
  ExpectError(Errors(Study("",
                           "      - parameterName: c\n        type: CATEGORICAL\n"
                           "        categoricalValues: [\"two\\nlines\", \"esc\\e[2J\"]\n")),
              9, {"categoricalValues[0]", "holds a control character"});
  const auto both = Errors(Study("",
                                 "      - parameterName: c\n        type: CATEGORICAL\n"
                                 "        categoricalValues: [\"two\\nlines\", \"esc\\e[2J\"]\n"));
  CHECK(both.size() == 2);
}

TEST_CASE("a parameter named job-dir, or one flag with another, is an error", "[config]") {
  for (const char* name : {"job-dir", "job_dir"}) {
    INFO(name);
    ExpectError(Errors(Study("", std::string("      - parameterName: ") + name +
                                     "\n        type: DOUBLE\n        minValue: 0\n"
                                     "        maxValue: 1\n")),
                7,
                {"params[0].parameterName", "is the --job-dir flag the runner gives every trial"});
  }
  for (const char* name : {"\"\"", "\"-x\"", "\"a=b\"", "\"a b\""}) {
    INFO(name);
    ExpectError(Errors(Study("", std::string("      - parameterName: ") + name +
                                     "\n        type: DOUBLE\n        minValue: 0\n"
                                     "        maxValue: 1\n")),
                7, {"params[0].parameterName", "is not a valid name"});
  }
  const auto long_name = Errors(Study("", "      - parameterName: " + std::string(5 << 20, 'a') +
                                              "\n        type: DOUBLE\n        minValue: 0\n"
                                              "        maxValue: 1\n"));
  ExpectError(long_name, 7,
              {"params[0].parameterName", "is 5242880 bytes long",
               "a parameter name is at most 255 bytes"});
  CHECK(long_name.front().message.size() < 500);
  CHECK(ParseTuningConfig(Study("", "      - parameterName: " + std::string(255, 'a') +
                                        "\n        type: DOUBLE\n        minValue: 0\n"
                                        "        maxValue: 1\n"),
                          kBadFile)
            .ok());
  ExpectError(Errors(Study("",
                           "      - parameterName: learning-rate\n        type: DOUBLE\n"
                           "        minValue: 0\n        maxValue: 1\n"
                           "      - parameterName: learning_rate\n        type: DOUBLE\n"
                           "        minValue: 0\n        maxValue: 1\n")),
              11,
              {"params[1].parameterName",
               "parameters 'learning-rate' and 'learning_rate' would be one flag for the "
               "trainer",
               "(line 7)"});
}

TEST_CASE("a parameter with errors still counts for duplicate names: every error at once",
          "[config]") {
  // A scaleType error once hid that the name was taken.
  const auto errors =
      Errors(Study("", kGoodParam + "      - parameterName: lr\n        type: DOUBLE\n"
                                    "        minValue: 1\n        maxValue: 2\n"
                                    "        scaleType: LOG\n"));
  ExpectError(errors, 12, {"params[1].parameterName", "'lr' is already defined at line 7"});
  ExpectError(errors, 16, {"params[1].scaleType", "unknown value 'LOG'"});
  // So does one whose type is unknown.
  const auto unknown_type = Errors(Study("", kGoodParam + "      - parameterName: lr\n"
                                                          "        type: FLOAT\n"));
  ExpectError(unknown_type, 12, {"'lr' is already defined at line 7"});
  ExpectError(unknown_type, 13, {"unknown value 'FLOAT'"});
}

TEST_CASE("errors say 'an INTEGER' and 'a DOUBLE'", "[config]") {
  ExpectError(Errors(Study("",
                           "      - parameterName: n\n        type: INTEGER\n"
                           "        minValue: 1\n        maxValue: 2\n"
                           "        discreteValues: [1, 2]\n")),
              11, {"not allowed for an INTEGER parameter"});
  ExpectError(Errors(Study("",
                           "      - parameterName: n\n        type: INTEGER\n"
                           "        minValue: 1\n")),
              7, {"missing required field for an INTEGER parameter"});
  ExpectError(Errors(Study("",
                           "      - parameterName: x\n        type: DOUBLE\n"
                           "        minValue: 1\n")),
              7, {"missing required field for a DOUBLE parameter"});
}

TEST_CASE("numbers written with a decimal comma are said so, with the number meant", "[config]") {
  // A user of a decimal-comma locale wrote minValue: 0,001 ("expected a number, got '0,001'")
  // and discreteValues: [0,5, 1,5, 2,5], which YAML reads as [0, 5, 1, 5, 2, 5]: the error
  // advised "[0, 1, 2, 5]", a list of other values.
  auto result = ParseTuningConfig(Study("",
                                        "      - parameterName: x\n        type: DOUBLE\n"
                                        "        minValue: 0,001\n        maxValue: 1\n"
                                        "      - parameterName: d\n        type: DISCRETE\n"
                                        "        discreteValues: [0,5, 1,5, 2,5]\n"
                                        "      - parameterName: e\n        type: DISCRETE\n"
                                        "        discreteValues: [1,2,3, 3]\n"),
                                  "comma.yaml");
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.diagnostics.size() == 3);
  CHECK_THAT(result.diagnostics[0].ToString(),
             Catch::EndsWith("params[0].minValue: expected a number, got '0,001'; write "
                             "decimals with a point, as YAML does: 0.001"));
  CHECK_THAT(result.diagnostics[1].ToString(),
             Catch::EndsWith("params[1].discreteValues[2]: discreteValues must be strictly "
                             "increasing, but 1 follows 5; list them in increasing order, each "
                             "once: [0, 1, 2, 5]; if 0,5 meant 0.5, write decimals with a point: "
                             "YAML splits a [...] list at every comma"));
  // Integers listed without spaces may or may not be decimal commas: the error's own advice
  // stands, the hint after it is an if.
  CHECK_THAT(result.diagnostics[2].ToString(),
             Catch::Contains("params[2].discreteValues[3]: 3 is listed twice (also "
                             "discreteValues[2]); each value must be unique; list them in "
                             "increasing order, each once: [1, 2, 3]; if 1,2 meant 1.2, write "
                             "decimals with a point"));
  // A valid list without spaces says nothing.
  auto valid = ParseTuningConfig(Study("",
                                       "      - parameterName: d\n        type: DISCRETE\n"
                                       "        discreteValues: [1,2,3]\n"),
                                 "valid.yaml");
  INFO(FormatDiagnostics(valid.diagnostics));
  CHECK(valid.ok());
  CHECK(valid.diagnostics.empty());
}

TEST_CASE("GRID_SEARCH with fewer combinations than maxTrials is a warning", "[config]") {
  auto result = ParseTuningConfig(Study("    algorithm: GRID_SEARCH\n",
                                        "      - parameterName: n\n        type: INTEGER\n"
                                        "        minValue: 1\n        maxValue: 3\n"
                                        "      - parameterName: c\n        type: CATEGORICAL\n"
                                        "        categoricalValues: [a, b]\n"),
                                  "grid.yaml");
  INFO(FormatDiagnostics(result.diagnostics));
  REQUIRE(result.ok());
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].ToString() ==
        "grid.yaml:5:16: warning: trainingInput.hyperparameters.maxTrials: GRID_SEARCH has 6 "
        "combinations of the parameters' grid values, fewer than maxTrials (10); the study ends "
        "after 6 trials (DOUBLE parameters have 10 grid values each)");
  // A grid as large as maxTrials, or another algorithm, says nothing.
  auto enough = ParseTuningConfig(Study("    algorithm: GRID_SEARCH\n",
                                        "      - parameterName: n\n        type: INTEGER\n"
                                        "        minValue: 1\n        maxValue: 10\n"),
                                  "grid.yaml");
  CHECK(enough.diagnostics.empty());
  CHECK(ParseTuningConfig(Study("",
                                "      - parameterName: n\n        type: INTEGER\n"
                                "        minValue: 1\n        maxValue: 3\n"),
                          "bo.yaml")
            .diagnostics.empty());
}

TEST_CASE("GRID_SEARCH whose first parameter maxTrials cannot cover is a warning", "[config]") {
  // Grid search varies the first parameter slowest: an INTEGER from -2^53 to 2^53 first, with
  // maxTrials 8, made the study try -9007199254740992 to -9007199254740990 of it, and nothing was
  // said.
  auto huge = ParseTuningConfig(Study("    algorithm: GRID_SEARCH\n",
                                      "      - parameterName: n\n        type: INTEGER\n"
                                      "        minValue: -9007199254740992\n"
                                      "        maxValue: 9007199254740992\n"
                                      "      - parameterName: c\n        type: CATEGORICAL\n"
                                      "        categoricalValues: [a, b, c, d]\n"),
                                "grid.yaml");
  INFO(FormatDiagnostics(huge.diagnostics));
  REQUIRE(huge.ok());
  REQUIRE(huge.diagnostics.size() == 1);
  CHECK(huge.diagnostics[0].ToString() ==
        "grid.yaml:5:16: warning: trainingInput.hyperparameters.maxTrials: GRID_SEARCH runs the "
        "grid's combinations in order, the first parameter ('n') varying slowest, and its "
        "18014398509481985 grid values with the others' make more combinations than maxTrials "
        "(10): the study's trials give 'n' only its first 3 values, -9007199254740992 to "
        "-9007199254740990; raise maxTrials, give fewer values, or use RANDOM_SEARCH to spread "
        "the trials over the whole space");
  // A DOUBLE first: 10 grid values; with 4 categories after it, 10 trials reach 3 of them.
  auto doubles = ParseTuningConfig(Study("    algorithm: GRID_SEARCH\n",
                                         "      - parameterName: lr\n        type: DOUBLE\n"
                                         "        minValue: 0.001\n        maxValue: 1\n"
                                         "        scaleType: UNIT_LOG_SCALE\n"
                                         "      - parameterName: c\n        type: CATEGORICAL\n"
                                         "        categoricalValues: [a, b, c, d]\n"),
                                   "grid.yaml");
  REQUIRE(doubles.diagnostics.size() == 1);
  CHECK_THAT(doubles.diagnostics[0].ToString(),
             Catch::Contains("give 'lr' only its first 3 values, 0.001 to 0.00464"));
  // Every value of the first parameter reached (12 combinations, 10 trials): nothing said.
  auto covered = ParseTuningConfig(Study("    algorithm: GRID_SEARCH\n",
                                         "      - parameterName: c\n        type: CATEGORICAL\n"
                                         "        categoricalValues: [a, b, c]\n"
                                         "      - parameterName: n\n        type: INTEGER\n"
                                         "        minValue: 1\n        maxValue: 4\n"),
                                   "grid.yaml");
  INFO(FormatDiagnostics(covered.diagnostics));
  CHECK(covered.diagnostics.empty());
}

TEST_CASE(
    "GRID_SEARCH of a conditional space whose first parameter maxTrials cannot cover is a "
    "warning",
    "[config]") {
  // Each value of the first parameter brings its own branch: sgd with 10 momentum values, adam
  // with 10 beta1 values times 2 beta2 values. 8 trials ran sgd alone, without a word (the warning
  // looked at spaces without conditions only).
  const std::string optimizer =
      "      - parameterName: optimizer\n        type: CATEGORICAL\n"
      "        categoricalValues: [sgd, adam]\n"
      "        conditionalParameterSpecs:\n"
      "          - parentCategoricalValues: {values: [sgd]}\n"
      "            parameterSpec: {parameterName: momentum, type: DOUBLE, minValue: 0.5, "
      "maxValue: 0.99}\n"
      "          - parentCategoricalValues: {values: [adam]}\n"
      "            parameterSpec: {parameterName: beta1, type: DOUBLE, minValue: 0.8, "
      "maxValue: 0.95}\n"
      "          - parentCategoricalValues: {values: [adam]}\n"
      "            parameterSpec: {parameterName: beta2, type: DISCRETE, discreteValues: [0.99, "
      "0.999]}\n";
  auto tree = ParseTuningConfig(Study("    algorithm: GRID_SEARCH\n", optimizer), "grid.yaml");
  INFO(FormatDiagnostics(tree.diagnostics));
  REQUIRE(tree.ok());
  REQUIRE(tree.diagnostics.size() == 1);
  CHECK(tree.diagnostics[0].ToString() ==
        "grid.yaml:5:16: warning: trainingInput.hyperparameters.maxTrials: GRID_SEARCH runs the "
        "grid's combinations in order, the first parameter ('optimizer') varying slowest, and its "
        "2 grid values with the others' make more combinations than maxTrials (10): the study's "
        "trials give 'optimizer' only its first value, sgd; raise maxTrials, give fewer values, "
        "or use RANDOM_SEARCH to spread the trials over the whole space");
  // adam first: its 20 combinations take every trial.
  std::string adam_first = optimizer;
  adam_first.replace(adam_first.find("[sgd, adam]"), 11, "[adam, sgd]");
  auto adam = ParseTuningConfig(Study("    algorithm: GRID_SEARCH\n", adam_first), "grid.yaml");
  REQUIRE(adam.diagnostics.size() == 1);
  CHECK_THAT(adam.diagnostics[0].ToString(),
             Catch::Contains("give 'optimizer' only its first value, adam;"));
  // An INTEGER first whose values 1 and 2 bring nothing and 3 a child of 10 values: 10 trials
  // reach 1, 2 and 3 of its 4 values (1 + 1 + 10 > 10), 13 trials all of them.
  const std::string layers =
      "      - parameterName: layers\n        type: INTEGER\n"
      "        minValue: 1\n        maxValue: 4\n"
      "        conditionalParameterSpecs:\n"
      "          - parentIntValues: {values: [3]}\n"
      "            parameterSpec: {parameterName: width, type: DOUBLE, minValue: 1, "
      "maxValue: 2}\n";
  auto three = ParseTuningConfig(Study("    algorithm: GRID_SEARCH\n", layers), "grid.yaml");
  REQUIRE(three.diagnostics.size() == 1);
  CHECK_THAT(three.diagnostics[0].ToString(),
             Catch::Contains("give 'layers' only its first 3 values, 1 to 3;"));
  std::string thirteen = Study("    algorithm: GRID_SEARCH\n", layers);
  thirteen.replace(thirteen.find("maxTrials: 10"), 13, "maxTrials: 13");
  auto all = ParseTuningConfig(thirteen, "grid.yaml");
  INFO(FormatDiagnostics(all.diagnostics));
  CHECK(all.diagnostics.empty());
}

TEST_CASE("positions of fields, for findings made after loading", "[config]") {
  auto result =
      ParseTuningConfig(Study("", kGoodParam) + "runner:\n  command: [./train, --x]\n", "pos.yaml");
  REQUIRE(result.ok());
  CHECK(result.positions.at("runner.command").line == 13);
  CHECK(result.positions.at("runner.command[0]").line == 13);
  CHECK(result.positions.at("runner.command[0]").column == 13);
  CHECK(result.positions.at("trainingInput.hyperparameters.maxTrials").line == 5);
  result.Add(Diagnostic::Severity::kError, "runner.command[0]", "cannot be run");
  result.Add(Diagnostic::Severity::kWarning, "runner.jobDir", "not given");
  REQUIRE(result.diagnostics.size() == 2);
  CHECK(result.diagnostics[0].ToString() == "pos.yaml: warning: runner.jobDir: not given");
  CHECK(result.diagnostics[1].ToString() ==
        "pos.yaml:13:13: error: runner.command[0]: cannot be run");
  CHECK_FALSE(result.ok());
}

TEST_CASE("the loader and ValidateStudySpec agree on every rule", "[config]") {
  // Each spec the loader refuses, built directly, is refused by ValidateStudySpec too (the rule a
  // gRPC spec and an embedding program meet).
  auto integer = ParameterSpec::Integer("n", 0, 1);
  integer.max_value = 1e300;
  for (const auto& parameters : std::vector<std::vector<ParameterSpec>>{
           {integer},
           {ParameterSpec::Categorical("c", {std::string("a\0b", 3)})},
           {ParameterSpec::Categorical("c", {"a\nb"})},
           {ParameterSpec::Double("job-dir", 0, 1)},
           {ParameterSpec::Double("job_dir", 0, 1)},
           {ParameterSpec::Double(std::string(256, 'a'), 0, 1)},
           {ParameterSpec::Double("a-b", 0, 1), ParameterSpec::Double("a_b", 0, 1)}}) {
    StudySpec spec;
    spec.parameters = parameters;
    CHECK_THROWS_AS(ValidateStudySpec(spec), InvalidArgument);
  }
}
