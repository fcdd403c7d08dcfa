#pragma once

#include <string>

namespace bayestune::testing {

// The start of a tests' tuning.yaml up to and including "    params:": maximise `accuracy`,
// `max_trials` at most `max_parallel` at once; `hyperparameters` are more lines of that block
// (each "    key: value\n"), such as the algorithm.
std::string StudyYamlHead(int max_trials, int max_parallel,
                          const std::string& hyperparameters = "");

// A tuning.yaml for tests that need a study but not a particular search space: one DOUBLE x in
// [0, 1], by random search. `runner` is the body of the runner: block (each "  key: value\n";
// none when empty).
std::string RandomSearchStudyYaml(int max_trials, int max_parallel, const std::string& runner,
                                  const std::string& hyperparameters = "");

}  // namespace bayestune::testing
