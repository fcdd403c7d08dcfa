#pragma once

#include <string>

#include "bayestune/optimizer/parameter_value.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune::report_internal {

// A parameter value for people: doubles to 5 significant digits, integers and strings as they are
// (plain text; escape it for HTML).
std::string DisplayValue(const ParameterValue& value);
// Where a trial ran: "GPU 0", "GPUs 0, 1", "CPU".
std::string WhereItRan(const Trial& trial);
// How long it ran, "" when it has not ended.
std::string RunTime(const Trial& trial);
// The spec's algorithm for people: "GP bandit (ALGORITHM_UNSPECIFIED)", "RANDOM_SEARCH", ...
std::string AlgorithmText(Algorithm algorithm);
// A failure reason in one line: its first line and, when it has more (a log tail), its last
// non-empty line, which is where a crash says what went wrong: "exit code 1; log tail: …
// RuntimeError: CUDA out of memory". Each part at most `max_characters` long.
std::string FailureHeadline(const std::string& reason, std::size_t max_characters);
// What failures of one cause have alike, to group them: the reason's first line and the last line
// of its log, with what differs from trial to trial for one cause made alike: the trial's folder
// (trial-12) in the first line, and every number of the log's line (the value of the flag in
// argparse's 'unrecognized arguments: --beta1=0.93', the GiB CUDA tried to allocate).
std::string FailureGroupKey(const std::string& reason);

}  // namespace bayestune::report_internal
