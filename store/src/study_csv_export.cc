#include "bayestune/store/study_csv_export.h"

#include <cmath>

#include "time_format.h"

namespace bayestune {
namespace {

// One field as RFC 4180 wants it.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

std::string OptionalTime(const std::optional<double>& seconds) {
  return seconds ? FormatUtcTimestamp(*seconds) : std::string();
}

// End minus start, from the same microseconds the timestamps show.
std::string Duration(const Trial& trial) {
  if (!trial.start_time || !trial.end_time) return {};
  const long long micros =
      RoundToMicroseconds(*trial.end_time) - RoundToMicroseconds(*trial.start_time);
  return FormatDouble(static_cast<double>(micros) / 1e6);
}

void WriteRow(std::ostream& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out << ',';
    out << CsvField(fields[i]);
  }
  out << "\r\n";
}

}  // namespace

void WriteStudyCsv(std::ostream& out, const StudyRecord& study, const std::vector<Trial>& trials) {
  std::vector<std::string> header = {"trial", "state"};
  for (const ParameterSpec& parameter : study.spec.parameters)
    header.push_back(parameter.name);
  for (const char* name : {"objective", "step", "start_time", "end_time", "duration_seconds",
                           "stopped_early", "failure_reason"}) {
    header.emplace_back(name);
  }
  WriteRow(out, header);

  for (const Trial& trial : trials) {
    std::vector<std::string> row = {std::to_string(trial.id),
                                    std::string(TrialStateName(trial.state))};
    for (const ParameterSpec& parameter : study.spec.parameters) {
      auto value = trial.parameters.find(parameter.name);
      row.push_back(value == trial.parameters.end() ? std::string() : value->second.ToString());
    }
    row.push_back(trial.final_value ? FormatDouble(*trial.final_value) : std::string());
    row.push_back(trial.final_step ? std::to_string(*trial.final_step) : std::string());
    row.push_back(OptionalTime(trial.start_time));
    row.push_back(OptionalTime(trial.end_time));
    row.push_back(Duration(trial));
    row.push_back(trial.stopped_early ? "true" : "false");
    row.push_back(trial.failure_reason);
    WriteRow(out, row);
  }
}

}  // namespace bayestune
