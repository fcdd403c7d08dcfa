#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bayestune::cli {

// Adds a subcommand. `summary`, one short sentence, is what `bayestune --help` lists; the
// command's own --help shows it, then its usage and options, then `details` (more sentences,
// examples) and the exit codes it may return (`exit_codes`, such as "0 done, 1 failed, ...").
CLI::App* AddCommand(CLI::App& app, const std::string& name, const std::string& summary,
                     const std::string& details, const std::string& exit_codes);

// Refuses an empty value, as `--study "$STUDY"` gives when the variable is unset: it would
// otherwise mean the option's default (another study, no token, no TLS) without a word. A usage
// error (exit 2): "--study: is empty (an unset shell variable?); give a value, or leave the option
// out for its default".
CLI::Validator NotEmpty();

// A number from `min` to `max`, both included; a usage error names what was given and the range:
// "--lock-notice: 'nan' is not a number from 0.001 to 86400". CLI::Range let NaN through (every
// comparison with it is false), so `--lock-notice nan` or `serve --lock-wait nan` ran with it.
// `whole`: a whole number ("--top: '1.5' is not a whole number from 1 to 1000000").
CLI::Validator NumberIn(double min, double max, bool whole = false);

// The command line as main received it, for CheckTrainerAfterDoubleDash and ShownErrorText.
void SetCommandLine(int argc, char** argv);

// An error message as bayestune prints it: ShownText with its own line breaks kept (a list of
// problems, a log's tail), but a line break or tab that a word of the command line brought in (a
// flag's value, a path; whole, after `--flag=`, or one of its comma-separated items) shown
// escaped, as "\x0a": `--db $'x\nbayestune: ok'` printed a second line that passed for another
// message.
std::string ShownErrorText(std::string message);

// Refuses a trainer (`run`, `validate`, `worker`'s positional "trainer") that was not given after
// `--`: CLI11 took any word after the tuning.yaml as the trainer, so `bayestune run tuning.yaml
// other.yaml` (or a value whose flag was mistyped) said "the trainer command after --: the trainer
// 'other.yaml' was not found in PATH" of a `--` never typed. A usage error naming the word:
// "'other.yaml': the trainer is given after --, as in: bayestune run tuning.yaml -- python3
// train.py".
void CheckTrainerAfterDoubleDash(const std::vector<std::string>& trainer,
                                 const std::string& command, const std::string& usage);

// For CLI11's "The following argument was not expected" of `run`, `validate` or `worker` given a
// trainer on both sides of `--` (`bayestune validate s.yaml true -- false`: CLI11 took `true` for
// the trainer and refused `false`): a usage error naming the words before `--` and the command
// line that would be valid, "'true' before --: the trainer and its arguments all go after --, as
// in: bayestune validate tuning.yaml -- true false; ...". nullopt for another command, or another
// cause (no `--`, no trainer taken before it). `app` is the whole command line's, after its parse
// failed.
std::optional<std::string> TrainerAroundDoubleDashText(CLI::App& app, const std::string& command);

// For CLI11's "The following argument was not expected: --gpu" of a command given an option it does
// not have (before any `--`): a usage error naming the option, the closest one the command has and
// all of them, "unknown option '--gpu' of run; did you mean '--gpus'? Its options: --db, --study,
// ...". CLI11's own words named neither what was meant nor what is valid. nullopt when every option
// before `--` is the command's (another cause).
std::optional<std::string> UnknownOptionText(CLI::App& app, const std::string& command);

}  // namespace bayestune::cli
