#include "test_study_yaml.h"

namespace bayestune::testing {

std::string StudyYamlHead(int max_trials, int max_parallel, const std::string& hyperparameters) {
  return "trainingInput:\n"
         "  hyperparameters:\n"
         "    goal: MAXIMIZE\n"
         "    hyperparameterMetricTag: accuracy\n"
         "    maxTrials: " +
         std::to_string(max_trials) + "\n    maxParallelTrials: " + std::to_string(max_parallel) +
         "\n" + hyperparameters + "    params:\n";
}

std::string RandomSearchStudyYaml(int max_trials, int max_parallel, const std::string& runner,
                                  const std::string& hyperparameters) {
  std::string yaml =
      StudyYamlHead(max_trials, max_parallel, "    algorithm: RANDOM_SEARCH\n" + hyperparameters) +
      "      - parameterName: x\n"
      "        type: DOUBLE\n"
      "        minValue: 0\n"
      "        maxValue: 1\n";
  if (!runner.empty()) yaml += "runner:\n" + runner;
  return yaml;
}

}  // namespace bayestune::testing
