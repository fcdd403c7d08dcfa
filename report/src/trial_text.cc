#include "trial_text.h"

#include <string_view>
#include <utility>

#include "html_escape.h"
#include "number_format.h"

namespace bayestune::report_internal {

std::string DisplayValue(const ParameterValue& value) {
  if (value.IsDouble()) return FormatSignificant(value.AsDouble(), 5);
  return value.ToString();
}

std::string WhereItRan(const Trial& trial) {
  if (trial.gpus.empty()) return "CPU";
  std::string text = trial.gpus.size() == 1 ? "GPU " : "GPUs ";
  for (std::size_t i = 0; i < trial.gpus.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(trial.gpus[i]);
  }
  return text;
}

std::string RunTime(const Trial& trial) {
  if (!trial.start_time || !trial.end_time) return "";
  return FormatDuration(*trial.end_time - *trial.start_time);
}

std::string AlgorithmText(Algorithm algorithm) {
  const std::string name(AlgorithmName(algorithm));
  return algorithm == Algorithm::kUnspecified ? "GP bandit (" + name + ")" : name;
}

namespace {

// A failure reason's first line and, when it has more (a log tail), its last non-empty line
// (empty when it has none).
std::pair<std::string_view, std::string_view> FirstAndLastLines(std::string_view reason) {
  const auto first_end = reason.find('\n');
  const std::string_view first = reason.substr(0, first_end);
  if (first_end == std::string_view::npos) return {first, {}};
  std::string_view rest = reason.substr(first_end + 1);
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r' || rest.back() == ' '))
    rest.remove_suffix(1);
  const auto last_start = rest.rfind('\n');
  return {first, last_start == std::string_view::npos ? rest : rest.substr(last_start + 1)};
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// `text` with each run of digits that `at_run(text, start)` accepts written as '#'.
template <typename AtRun>
std::string DigitsAlike(std::string_view text, AtRun at_run) {
  std::string alike;
  for (std::size_t i = 0; i < text.size();) {
    if (IsDigit(text[i]) && (i == 0 || !IsDigit(text[i - 1])) && at_run(text, i)) {
      alike += '#';
      while (i < text.size() && IsDigit(text[i]))
        ++i;
    } else {
      alike += text[i++];
    }
  }
  return alike;
}

}  // namespace

std::string FailureHeadline(const std::string& reason, std::size_t max_characters) {
  const auto [first, last] = FirstAndLastLines(reason);
  std::string headline = TruncateText(ToValidUtf8(first), max_characters);
  if (last.empty()) return headline;
  return headline + " \xE2\x80\xA6 " + TruncateText(ToValidUtf8(last), max_characters);
}

std::string FailureGroupKey(const std::string& reason) {
  const auto [first, last] = FirstAndLastLines(reason);
  // The trial's folder (bayestune-jobs/<study>/trial-12/) in the first line; every number in
  // the log's line.
  const auto in_trial_folder = [](std::string_view text, std::size_t start) {
    return start >= 6 && text.substr(start - 6, 6) == "trial-";
  };
  return DigitsAlike(first, in_trial_folder) + "\n" +
         DigitsAlike(last, [](std::string_view, std::size_t) { return true; });
}

}  // namespace bayestune::report_internal
