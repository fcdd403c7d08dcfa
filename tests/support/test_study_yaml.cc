#include "test_study_yaml.h"

namespace bayestune::testing {

std::string RandomSearchStudyYaml(int max_trials, int max_parallel, const std::string& runner,
                                  const std::string& hyperparameters) {
  std::string yaml =
      "trainingInput:\n"
      "  hyperparameters:\n"
      "    hyperparameterMetricTag: accuracy\n"
      "    maxTrials: " +
      std::to_string(max_trials) + "\n    maxParallelTrials: " + std::to_string(max_parallel) +
      "\n"
      "    algorithm: RANDOM_SEARCH\n" +
      hyperparameters +
      "    params:\n"
      "      - parameterName: x\n"
      "        type: DOUBLE\n"
      "        minValue: 0\n"
      "        maxValue: 1\n";
  if (!runner.empty()) yaml += "runner:\n" + runner;
  return yaml;
}

}  // namespace bayestune::testing
