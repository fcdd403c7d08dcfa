#pragma once

#include <string>

namespace bayestune::testing {

// A tuning.yaml for tests that need a study but not a particular search space: maximise
// `accuracy` over one DOUBLE x in [0, 1] by random search. `hyperparameters` are more lines of
// that block (each "    key: value\n"), `runner` the body of the runner: block (each
// "  key: value\n"; none when empty).
std::string RandomSearchStudyYaml(int max_trials, int max_parallel, const std::string& runner,
                                  const std::string& hyperparameters = "");

}  // namespace bayestune::testing
