#include "trial_formatting.h"

#include <cmath>
#include <cstdio>

#include "bayestune/optimizer/parameter_value.h"
#include "bayestune/trial_runner/trial_command.h"
#include "shell_word.h"
#include "shown_text.h"
#include "text_format.h"

namespace bayestune::cli {

std::string FormatValue(double value) {
  return FormatMetricValue(value);
}

std::string FormatWhereRun(const Trial& trial) {
  if (trial.jobs.empty()) return FormatDevices(trial.gpus);
  return (trial.jobs.size() == 1 ? "Slurm job " : "Slurm jobs ") + DescribeTrialJobs(trial.jobs);
}

std::string FormatDevices(const std::vector<int>& gpus) {
  if (gpus.empty()) return "CPU";
  std::string text = gpus.size() == 1 ? "GPU " : "GPUs ";
  for (std::size_t i = 0; i < gpus.size(); ++i)
    text += (i == 0 ? "" : ",") + std::to_string(gpus[i]);
  return text;
}

std::string FormatParameterValue(const ParameterValue& value) {
  return value.IsDouble() ? FormatValue(value.AsDouble()) : ShownText(value.ToString());
}

namespace {

std::string JoinParameters(const Trial& trial, const StudySpec& spec) {
  std::string text;
  for (const auto& parameter : spec.parameters) {
    const auto found = trial.parameters.find(parameter.name);
    if (found == trial.parameters.end()) continue;
    text += (text.empty() ? "" : " ") + parameter.name + "=" + FormatParameterValue(found->second);
  }
  return text;
}

}  // namespace

std::string FormatParameters(const Trial& trial, const StudySpec& spec) {
  return JoinParameters(trial, spec);
}

std::string ShownShellWord(const std::string& word) {
  if (ShownText(word) == word) return ShellWord(word);
  std::string quoted;
  for (char c : word) {
    if (c == '\\' || c == '\'') quoted += '\\';
    quoted += c;
  }
  return "$'" + ShownText(quoted) + "'";
}

std::string FormatTrainerArguments(const Trial& trial) {
  return JoinText(TrialParameterFlags(trial), ShownShellWord, " ");
}

std::optional<std::string> FormatFinalObjective(const Trial& trial, const StudySpec& spec) {
  if (!trial.final_value) return std::nullopt;
  std::string text = ShownText(spec.metric_tag) + " " + FormatValue(*trial.final_value);
  if (IsMultiObjective(spec) && trial.final_values.size() == spec.metrics.size()) {
    text.clear();
    for (std::size_t k = 0; k < spec.metrics.size(); ++k) {
      text += (k == 0 ? "" : ", ") + ShownText(spec.metrics[k].metric_id) + " " +
              FormatValue(trial.final_values[k]);
    }
  }
  if (trial.final_step) text += " at step " + std::to_string(*trial.final_step);
  return text;
}

std::optional<std::string> FormatLatestObjective(const Trial& trial, const StudySpec& spec) {
  const auto series = trial.MeasurementsOf(spec.metric_tag);
  if (series.empty()) return std::nullopt;
  return "step " + std::to_string(series.back().step) + " " + ShownText(spec.metric_tag) + " " +
         FormatValue(series.back().value);
}

std::optional<double> TrialRunSeconds(const Trial& trial, double now) {
  if (!trial.start_time) return std::nullopt;
  return (trial.end_time ? *trial.end_time : now) - *trial.start_time;
}

std::string FirstLine(const std::string& text) {
  return ShownText(text.substr(0, text.find('\n')));
}

std::string LogTailLastLine(const std::string& reason) {
  const auto marker = reason.find("last lines of ");
  if (marker == std::string::npos) return "";
  const auto tail_start = reason.find(":\n", marker);
  if (tail_start == std::string::npos) return "";
  std::string_view tail = std::string_view(reason).substr(tail_start + 2);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r' || tail.back() == ' '))
    tail.remove_suffix(1);
  const auto last_start = tail.rfind('\n');
  std::string last(last_start == std::string_view::npos ? tail : tail.substr(last_start + 1));
  constexpr std::size_t kMaxBytes = 200;
  if (last.size() > kMaxBytes) {
    std::size_t cut = kMaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(last[cut]) & 0xC0) == 0x80)
      --cut;  // not inside a UTF-8 character
    last = last.substr(0, cut) + "...";
  }
  return ShownText(last);
}

std::string DescribeAlgorithm(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kUnspecified:
      return "Bayesian optimization (GP bandit)";
    case Algorithm::kGridSearch:
      return "grid search";
    case Algorithm::kRandomSearch:
      return "random search";
  }
  return std::string(AlgorithmName(algorithm));
}

std::string CountOf(long long count, const std::string& singular) {
  return std::to_string(count) + " " + singular + (count == 1 ? "" : "s");
}

}  // namespace bayestune::cli
