#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bayestune/optimizer/study.h"
#include "child_process.h"  // tests/store: real processes with captured output
#include "temp_folder.h"    // tests/store: a fresh folder per test

namespace bayestune::testing {

// The built `bayestune` and `bayestune-mlp`.
std::string BayestunePath();
std::string TrainerPath();

// Runs `argv` in `dir` with `environment` added, output captured, and waits for it.
ChildResult RunInFolder(const std::string& dir, const std::vector<std::string>& argv,
                        const std::vector<std::string>& environment = {});

// Runs `bayestune args...` in `dir` (its working directory, so that ./bayestune.db is there) with
// `environment` ("NAME=value" each) added, stdout and stderr captured (not a terminal), and waits
// for it.
ChildResult RunBayestune(const std::string& dir, const std::vector<std::string>& args,
                         const std::vector<std::string>& environment = {});

// The same, started and left running (for Ctrl-C tests); its output goes to `capture_prefix`.out
// and .err.
std::unique_ptr<ChildProcess> StartBayestune(const std::string& dir,
                                             const std::vector<std::string>& args,
                                             const std::string& capture_prefix,
                                             const std::vector<std::string>& environment = {});

std::string ReadTextFile(const std::filesystem::path& path);
void WriteTextFile(const std::filesystem::path& path, const std::string& text);

// Waits until the file contains `text` (true), or `seconds` passed (false).
bool WaitForText(const std::filesystem::path& path, const std::string& text, double seconds);

// How many times `needle` occurs in `text`.
int CountOccurrences(const std::string& text, const std::string& needle);

// A tuning.yaml for the real trainer, small enough for a test: `max_trials` trials,
// `max_parallel` at once, over n_layers (INTEGER 1..4) and momentum (DOUBLE 0.5..0.99, log),
// MAXIMIZE accuracy, the trainer (TrainerPath) run with `trainer_flags` (such as "--epochs=2") on
// the CPU.
std::string SmallStudyYaml(int max_trials, int max_parallel, const std::string& trainer_flags);

// Lines of `text` that match none of the `allowed` patterns (ECMAScript regexes, whole line).
std::vector<std::string> LinesNotMatching(const std::string& text,
                                          const std::vector<std::string>& allowed);

// Study `name` in `dir`'s bayestune.db, created: a grid search over one CATEGORICAL `parameter`
// with `values` (one trial each), MAXIMIZE "score".
std::shared_ptr<Study> CategoricalGridStudy(const TempFolder& dir, const std::string& name,
                                            const std::string& parameter,
                                            const std::vector<std::string>& values);

}  // namespace bayestune::testing
