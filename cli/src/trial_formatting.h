#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "text_format.h"
#include "time_format.h"

namespace bayestune::cli {

// How the commands show trials to people (the exports write exact values instead).

// A metric value with 6 significant digits: "0.966667", "1.2e-05", "nan", "inf".
std::string FormatValue(double value);

// "CPU", "GPU 2", "GPUs 0,1".
std::string FormatDevices(const std::vector<int>& gpus);

// Where a trial ran: its Slurm job(s) ("Slurm job 4242", "Slurm jobs 4242, 2:4250": attempt 2's
// after the colon) when it ran through Slurm, else FormatDevices of its GPUs.
std::string FormatWhereRun(const Trial& trial);

// A parameter value for reading: numbers with 6 significant digits ("0.125209"), strings as they
// are but for control characters and broken UTF-8, escaped (ShownText: a tab shows as "\x09").
// The trainer gets the exact value (ParameterValue::ToString).
std::string FormatParameterValue(const ParameterValue& value);

// The trial's parameters in the spec's order, for reading: "n_layers=40 momentum=0.125209".
std::string FormatParameters(const Trial& trial, const StudySpec& spec);

// The exact flags the trainer got for them (TrialParameterFlags), each a shell word, so that the
// line can be pasted: "--momentum=0.1252089060223592 --n_layers=40". A value with control
// characters is written as bash's $'...' with \xHH escapes.
std::string FormatTrainerArguments(const Trial& trial);

// A word (a trainer argument, a study name, a path) as a shell word for the terminal: ShellWord
// where ShownText leaves it as it is; else bash's $'...' with each control byte, byte of broken
// UTF-8 and invisible format character (U+202E) as \xHH, so that it is shown safely and still
// pastes as the exact value.
std::string ShownShellWord(const std::string& word);

// The trial's final objective: "accuracy 0.966667 at step 10"; nullopt without a final value.
// Metric names are escaped (ShownText), as in FormatLatestObjective.
std::optional<std::string> FormatFinalObjective(const Trial& trial, const StudySpec& spec);

// The latest measurement of the objective ("step 6 accuracy 0.941667"), nullopt when none yet.
std::optional<std::string> FormatLatestObjective(const Trial& trial, const StudySpec& spec);

// Seconds the trial ran (to its end, or to `now` while it runs); nullopt when it never started.
std::optional<double> TrialRunSeconds(const Trial& trial, double now);

// The first line of a text (failure reasons carry the log's tail on the lines after), escaped
// for the terminal (ShownText).
std::string FirstLine(const std::string& text);

// The last line of the log's last lines that a failure reason carries ("last lines of
// .../stderr.log:" and the lines after it), where a crash says what went wrong (argparse's
// "error: unrecognized arguments: --beta1=0.93", a traceback's "ModuleNotFoundError: ..."), escaped
// for the terminal and at most 200 characters; "" when the reason carries no log lines.
std::string LogTailLastLine(const std::string& reason);

// The study's algorithm for people, as status and validate say it: "Bayesian optimization (GP
// bandit)" (ALGORITHM_UNSPECIFIED), "grid search", "random search".
std::string DescribeAlgorithm(Algorithm algorithm);

// "1 trial", "3 trials".
std::string CountOf(long long count, const std::string& singular);

}  // namespace bayestune::cli
