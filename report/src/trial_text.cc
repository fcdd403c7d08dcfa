#include "trial_text.h"

#include "bayestune/report/html_escape.h"
#include "bayestune/report/number_format.h"

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

std::string FirstLine(const std::string& text, std::size_t max_characters) {
  const auto end = text.find('\n');
  return TruncateText(ToValidUtf8(text.substr(0, end)), max_characters) +
         (end != std::string::npos && end + 1 < text.size() ? " \xE2\x80\xA6" : "");
}

}  // namespace bayestune::report_internal
