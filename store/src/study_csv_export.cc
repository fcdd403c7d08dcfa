#include "bayestune/store/study_csv_export.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <string_view>

#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/store/trial_rung.h"
#include "shown_text.h"
#include "time_format.h"

namespace bayestune {
namespace {

// One field as RFC 4180 wants it, in UTF-8: a failure reason may hold the raw tail of a
// trainer's log, whose bytes that are not UTF-8 made the whole file unreadable to UTF-8 readers
// (Python's csv, pandas.read_csv: UnicodeDecodeError); they become U+FFFD, as in the JSON export.
std::string CsvField(const std::string& raw) {
  const std::string text = ValidUtf8(raw);
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

// Whether `text` is a number as a whole ("-1", "+5", "-0.5e3"), which a spreadsheet reads as one.
bool IsPlainNumber(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// A text cell that a spreadsheet would run as a formula (OWASP's CSV injection: it starts with =,
// +, -, @, a tab or a carriage return, such as "=cmd|' /C calc'!A0") gets a leading ', which
// makes it text there; a plain number keeps its sign.
std::string SpreadsheetText(const std::string& text) {
  if (text.empty() || std::string_view("=+-@\t\r").find(text.front()) == std::string_view::npos)
    return text;
  if (IsPlainNumber(text)) return text;
  return "'" + text;
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

// The Slurm job of each attempt, "4242" for attempt 1 and "2:4250" for later ones (as `bayestune
// trials` shows them), separated by spaces: "4242 2:4250".
std::string SlurmJobs(const Trial& trial) {
  std::string text;
  for (const TrialJob& job : trial.jobs) {
    if (!text.empty()) text += ' ';
    if (job.attempt != 1) text += std::to_string(job.attempt) + ':';
    text += job.job_id;
  }
  return text;
}

}  // namespace

void WriteStudyCsv(std::ostream& out, const StudyRecord& study, const std::vector<Trial>& trials) {
  // The columns after the parameters.
  std::vector<std::string> after = {"objective"};
  const bool multi = IsMultiObjective(study.spec);
  // A multi-objective study: a column per objective ("objective.accuracy"), and whether the trial
  // is on the Pareto front.
  if (multi) {
    for (const MetricSpec& m : study.spec.metrics)
      after.push_back("objective." + m.metric_id);
    after.emplace_back("pareto_optimal");
  }
  for (const char* name : {"step", "start_time", "end_time", "duration_seconds", "stopped_early"})
    after.emplace_back(name);
  // An ASHA study: the rung each trial reached (where it was stopped, when it was), as `trials`
  // and the JSON export say it (TrialRungText). A study of another rule, or none, has no such
  // column.
  const bool asha = study.spec.enable_early_stopping &&
                    study.spec.early_stopping.rule == EarlyStoppingRule::kAsha;
  if (asha) after.emplace_back("rung");
  after.emplace_back("failure_reason");
  // A study that ran trials as Slurm jobs has their job ids last; a local study has no such column.
  const bool slurm = std::any_of(trials.begin(), trials.end(),
                                 [](const Trial& trial) { return !trial.jobs.empty(); });
  if (slurm) after.emplace_back("slurm_jobs");

  std::vector<std::string> header = {"trial", "state"};
  // A parameter named as one of these columns (step, objective) is "param.<name>": two columns of
  // one name made pandas call the second "step.1" and csv.DictReader keep only the last, so
  // row["step"] was the measurement's step, not the parameter, without a word.
  std::set<std::string> used(header.begin(), header.end());
  used.insert(after.begin(), after.end());
  for (const ParameterSpec& parameter : study.spec.parameters) {
    std::string column = parameter.name;
    while (used.count(column) != 0)
      column = "param." + column;
    used.insert(column);
    header.push_back(column);
  }
  header.insert(header.end(), after.begin(), after.end());
  WriteRow(out, header);
  std::set<std::int64_t> optimal;
  if (multi) {
    for (const Trial& trial : ParetoOptimalTrials(trials, study.spec))
      optimal.insert(trial.id);
  }

  for (const Trial& trial : trials) {
    std::vector<std::string> row = {std::to_string(trial.id),
                                    std::string(TrialStateName(trial.state))};
    for (const ParameterSpec& parameter : study.spec.parameters) {
      auto value = trial.parameters.find(parameter.name);
      row.push_back(value == trial.parameters.end() ? std::string()
                                                    : SpreadsheetText(value->second.ToString()));
    }
    row.push_back(trial.final_value ? FormatDouble(*trial.final_value) : std::string());
    if (multi) {
      for (std::size_t k = 0; k < study.spec.metrics.size(); ++k) {
        row.push_back(k < trial.final_values.size() ? FormatDouble(trial.final_values[k])
                                                    : std::string());
      }
      row.push_back(optimal.count(trial.id) != 0 ? "true" : "false");
    }
    row.push_back(trial.final_step ? std::to_string(*trial.final_step) : std::string());
    row.push_back(OptionalTime(trial.start_time));
    row.push_back(OptionalTime(trial.end_time));
    row.push_back(Duration(trial));
    row.push_back(trial.stopped_early ? "true" : "false");
    if (asha) row.push_back(TrialRungText(trial, trials, study.spec));
    row.push_back(SpreadsheetText(trial.failure_reason));
    if (slurm) row.push_back(SlurmJobs(trial));
    WriteRow(out, row);
  }
}

}  // namespace bayestune
