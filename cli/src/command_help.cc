#include "command_help.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "cli_errors.h"
#include "closest_match.h"
#include "shown_text.h"

namespace bayestune::cli {

CLI::App* AddCommand(CLI::App& app, const std::string& name, const std::string& summary,
                     const std::string& details, const std::string& exit_codes) {
  auto* command = app.add_subcommand(name, summary);
  std::string footer;
  if (!details.empty()) footer += details + "\n\n";
  footer += "Exit codes: " + exit_codes + ".";
  command->footer(footer);
  return command;
}

CLI::Validator NotEmpty() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return value.empty() ? "is empty (an unset shell variable?); give a value, or leave the "
                               "option out for its default"
                             : "";
      },
      "", "NOT_EMPTY");
}

namespace {

// 86400, 0.001, 1000000: as people write the bounds of a flag.
std::string BoundText(double bound) {
  std::ostringstream text;
  text.precision(15);
  text << bound;
  return text.str();
}

}  // namespace

CLI::Validator NumberIn(double min, double max, bool whole) {
  return CLI::Validator(
      [min, max, whole](std::string& value) -> std::string {
        const char* text = value.c_str();
        char* end = nullptr;
        errno = 0;
        const double number = std::strtod(text, &end);
        const bool read = !value.empty() && end == text + value.size() && errno != ERANGE;
        // strtod reads "nan", "inf" and hexadecimal: none is a value here.
        const bool plain = value.find_first_not_of("0123456789.eE+-") == std::string::npos;
        if (read && plain && std::isfinite(number) && number >= min && number <= max &&
            (!whole ||
             (std::floor(number) == number && value.find_first_of(".eE") == std::string::npos))) {
          return "";
        }
        return "'" + value + "' is not " + (whole ? "a whole number" : "a number") + " from " +
               BoundText(min) + " to " + BoundText(max);
      },
      std::string(whole ? "INT" : "FLOAT") + " in [" + BoundText(min) + " - " + BoundText(max) +
          "]",
      "NUMBER_IN");
}

namespace {
std::vector<std::string>& CommandLine() {
  static std::vector<std::string> words;
  return words;
}
}  // namespace

void SetCommandLine(int argc, char** argv) {
  CommandLine().assign(argv, argv + argc);
}

std::string ShownErrorText(std::string message) {
  // The pieces of the command line that a message may quote, longest first (a word before the
  // items it holds), each with a line break or tab that the multi-line ShownText would keep.
  std::vector<std::string> quoted;
  auto add = [&](std::string_view piece) {
    if (piece.find_first_of("\n\t") != std::string_view::npos) quoted.emplace_back(piece);
  };
  for (const std::string& word : CommandLine()) {
    std::string_view value = word;
    add(value);
    if (word.starts_with("--") && word.find('=') != std::string::npos) {
      value = value.substr(word.find('=') + 1);
      add(value);
    }
    for (std::size_t begin = 0; begin <= value.size();) {
      const std::size_t end = std::min(value.find(',', begin), value.size());
      if (end - begin < value.size()) add(value.substr(begin, end - begin));
      begin = end + 1;
    }
  }
  std::sort(quoted.begin(), quoted.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& piece : quoted) {
    const std::string shown = ShownText(piece);
    for (std::size_t at = message.find(piece); at != std::string::npos;
         at = message.find(piece, at + shown.size())) {
      message.replace(at, piece.size(), shown);
    }
  }
  return ShownText(message, ShownLines::kMultiLine);
}

std::optional<std::string> TrainerAroundDoubleDashText(CLI::App& app, const std::string& command) {
  // The commands that take a trainer after --, and what comes before it in their usage.
  static const std::map<std::string, std::string> kUsage = {
      {"run", "tuning.yaml"},
      {"validate", "tuning.yaml"},
      {"worker", "--server HOST:PORT --study NAME"}};
  const auto usage = kUsage.find(command);
  if (usage == kUsage.end()) return std::nullopt;
  CLI::App* subcommand = nullptr;
  try {
    subcommand = app.get_subcommand(command);
  } catch (const CLI::Error&) {
    return std::nullopt;
  }
  const CLI::Option* trainer = subcommand->get_option_no_throw("trainer");
  if (trainer == nullptr || trainer->empty()) return std::nullopt;
  const std::vector<std::string>& words = CommandLine();
  const auto dash = std::find(words.begin(), words.end(), "--");
  if (dash == words.end()) return std::nullopt;
  // What CLI11 took for the trainer came before `--` (it refused what came after).
  std::string before;
  for (const std::string& word : trainer->results())
    before += (before.empty() ? "" : " ") + word;
  std::string whole = before;
  for (auto word = dash + 1; word != words.end(); ++word)
    whole += " " + *word;
  return "'" + before +
         "' before --: the trainer and its arguments all go after --, as in: " + "bayestune " +
         command + " " + usage->second + " -- " + whole +
         "; or is it the value of a mistyped option?";
}

std::optional<std::string> UnknownOptionText(CLI::App& app, const std::string& command) {
  CLI::App* subcommand = nullptr;
  try {
    subcommand = app.get_subcommand(command);
  } catch (const CLI::Error&) {
    return std::nullopt;
  }
  std::vector<std::string> names;  // --db, --study, ... as --help lists them
  for (const CLI::Option* option : subcommand->get_options()) {
    for (const std::string& name : option->get_lnames())
      names.push_back("--" + name);
  }
  const std::vector<std::string>& words = CommandLine();
  const auto start = std::find(words.begin(), words.end(), command);
  if (start == words.end()) return std::nullopt;
  for (auto word = start + 1; word != words.end() && *word != "--"; ++word) {
    if (!word->starts_with("--") || *word == "--") continue;
    const std::string name = word->substr(0, word->find('='));
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    std::string list;
    for (const std::string& candidate : names)
      list += (list.empty() ? "" : ", ") + candidate;
    std::string text = "unknown option '" + name + "' of " + command;
    if (auto guess = ClosestMatch(name, names)) text += "; did you mean '" + *guess + "'?";
    return text + (text.ends_with("?") ? " Its" : "; its") + " options: " + list;
  }
  return std::nullopt;
}

void CheckTrainerAfterDoubleDash(const std::vector<std::string>& trainer,
                                 const std::string& command, const std::string& usage) {
  if (trainer.empty()) return;
  const std::vector<std::string>& words = CommandLine();
  const auto dash = std::find(words.begin(), words.end(), "--");
  const auto after = static_cast<std::size_t>(words.end() - std::min(dash + 1, words.end()));
  // The trainer is the last positional, so its words are the command line's last ones: all after
  // `--` when at least as many words follow it (`run -- tuning.yaml python3 train.py` gives the
  // tuning.yaml after `--` too; counting it as stray took trainer.size() - after past zero and
  // read past the trainer, a segmentation fault).
  if (dash != words.end() && after >= trainer.size()) return;
  // The words before `--` (or all, without one) that CLI11 took for the trainer come first.
  const std::size_t stray = dash == words.end() ? trainer.size() : trainer.size() - after;
  std::string given;
  for (std::size_t i = 0; i < stray; ++i)
    given += (given.empty() ? "" : " ") + trainer[i];
  throw UsageError("'" + given + "': the trainer is given after --, as in: bayestune " + command +
                   " " + usage + " -- python3 train.py; or is it the value of a mistyped option?");
}

}  // namespace bayestune::cli
