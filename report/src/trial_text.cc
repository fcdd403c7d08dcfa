#include "trial_text.h"

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

std::string FailureHeadline(const std::string& reason, std::size_t max_characters) {
  const auto first_end = reason.find('\n');
  std::string headline = TruncateText(ToValidUtf8(reason.substr(0, first_end)), max_characters);
  if (first_end == std::string::npos) return headline;
  std::string_view rest = std::string_view(reason).substr(first_end + 1);
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r' || rest.back() == ' '))
    rest.remove_suffix(1);
  const auto last_start = rest.rfind('\n');
  const std::string_view last =
      last_start == std::string_view::npos ? rest : rest.substr(last_start + 1);
  if (last.empty()) return headline;
  return headline + " \xE2\x80\xA6 " + TruncateText(ToValidUtf8(last), max_characters);
}

}  // namespace bayestune::report_internal
