// `bayestune metrics DIR [--tag TAG] [--hypertune FILE]`: what the metric readers find in a job
// dir, so that users can see why a metric is not found.
#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/trial_runner/metric_selection.h"
#include "bayestune/trial_runner/trial_metrics_reader.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"

namespace bayestune::cli {
namespace {

struct MetricsOptions {
  std::string dir;
  std::string tag;
  std::string hypertune_file;
  std::string selection = "LAST";
  std::string goal = "MAXIMIZE";
};

std::string JsonString(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A number for a JSON line: NaN and infinities, which JSON lacks, as the strings "nan", "inf" and
// "-inf" (as cloudml-hypertune writes them); a value that is exactly a float32, as almost all
// metrics are, with the shortest digits that read back to that float32 (0.1, not
// 0.10000000149011612); others with the shortest digits of the double. Plain notation from 1e-4
// to 1e16 (1700000000, not 1.7e+09), as Python prints floats.
std::string JsonNumber(double value, bool as_float32_when_exact) {
  if (std::isnan(value)) return "\"nan\"";
  if (std::isinf(value)) return value > 0 ? "\"inf\"" : "\"-inf\"";
  const double magnitude = std::fabs(value);
  const auto format = magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e16)
                          ? std::chars_format::fixed
                          : std::chars_format::scientific;
  char text[400];
  const auto narrow = static_cast<float>(value);
  const auto result = as_float32_when_exact && static_cast<double>(narrow) == value
                          ? std::to_chars(text, text + sizeof(text), narrow, format)
                          : std::to_chars(text, text + sizeof(text), value, format);
  return std::string(text, result.ptr);
}

std::string JsonLine(const MetricRecord& record) {
  return "{\"run\": " + JsonString(record.run) + ", \"tag\": " + JsonString(record.tag) +
         ", \"step\": " + std::to_string(record.step) +
         ", \"wall_time\": " + JsonNumber(record.wall_time, false) +
         ", \"value\": " + JsonNumber(record.value, true) + "}";
}

void Warn(const std::string& message) {
  std::cerr << "bayestune: warning: " << message << "\n";
}

int RunMetrics(const MetricsOptions& options) {
  std::error_code error;
  if (!std::filesystem::exists(options.dir, error)) {
    throw InvalidArgument(options.dir +
                          ": no such folder or file; give the job dir the trainer writes its "
                          "event files to (or one event file)");
  }
  if (!options.hypertune_file.empty() &&
      !std::filesystem::is_regular_file(options.hypertune_file, error)) {
    throw InvalidArgument(options.hypertune_file +
                          ": no such file; --hypertune takes the file that "
                          "CLOUD_ML_HP_METRIC_FILE named for the trainer");
  }
  TrialMetricsReader reader(options.dir, options.hypertune_file.empty()
                                             ? std::nullopt
                                             : std::optional<std::string>(options.hypertune_file));
  const MetricPoll poll = reader.Poll();
  for (const auto& warning : poll.warnings)
    Warn(warning.ToString());
  for (const auto& [relative, file] : reader.events().files()) {
    if (file->pending_bytes() > 0 && !file->stopped()) {
      Warn(MetricWarning{file->path(), file->record_offset(),
                         "the last " + std::to_string(file->pending_bytes()) +
                             " bytes are not a whole record (still being written, or cut short)"}
               .ToString());
    }
  }
  if (std::filesystem::is_regular_file(options.dir, error) && poll.records.empty() &&
      !poll.warnings.empty()) {
    throw InvalidArgument(options.dir +
                          ": not a TensorBoard event file (warnings above); give an "
                          "events.out.tfevents.* file, or the folder the trainer writes them to");
  }
  if (reader.events().files().empty()) {
    Warn(options.dir + ": no event file (a name containing 'tfevents') in it or its subfolders");
  }

  if (options.tag.empty()) {
    for (const auto& record : poll.records)
      std::cout << JsonLine(record) << "\n";
    return kExitOk;
  }
  const auto selection = ParseMeasurementSelection(options.selection);
  const auto goal = ParseGoal(options.goal);
  const TrialValue value = SelectTrialValue(poll.records, options.tag, *selection, *goal);
  if (!value.found()) {
    std::cerr << "bayestune: error: " << options.dir << ": " << value.error << "\n";
    return kExitFailure;
  }
  const MetricRecord& chosen = *value.measurement;
  std::cout << "{\"metric\": " << JsonString(options.tag)
            << ", \"full_tag\": " << JsonString(value.full_tag)
            << ", \"selection\": " << JsonString(options.selection)
            << ", \"run\": " << JsonString(chosen.run) << ", \"tag\": " << JsonString(chosen.tag)
            << ", \"step\": " << chosen.step
            << ", \"wall_time\": " << JsonNumber(chosen.wall_time, false)
            << ", \"value\": " << JsonNumber(chosen.value, true) << "}\n";
  return kExitOk;
}

}  // namespace

void AddMetricsCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "metrics", "Show the metrics a trainer wrote, as bayestune reads them",
      "Prints every scalar the trainer wrote under DIR (TensorBoard event files, in DIR and its "
      "subfolders) as JSON lines; with --tag, the value a trial would get, or why there is none. "
      "Corrupt records are warned about on stderr. docs/metrics.md has the details.\n\n"
      "Example:\n  bayestune metrics bayestune-jobs/book/trial-3 --tag accuracy",
      "0 printed, 1 no such folder, or no value of --tag, 2 bad usage");
  auto options = std::make_shared<MetricsOptions>();
  command->add_option("DIR", options->dir, "the job dir (or one event file)")->required();
  command->add_option("--tag", options->tag,
                      "a hyperparameterMetricTag: print the trial's value of it (a tag, or "
                      "<subfolder>/<tag>)");
  command->add_option("--hypertune", options->hypertune_file,
                      "also read this cloudml-hypertune file (CLOUD_ML_HP_METRIC_FILE)");
  command
      ->add_option("--selection", options->selection,
                   "with --tag: LAST (highest step) or BEST measurement")
      ->transform(CLI::IsMember({"LAST", "BEST"}, CLI::ignore_case))
      ->capture_default_str();
  command->add_option("--goal", options->goal, "with --selection BEST: MAXIMIZE or MINIMIZE")
      ->transform(CLI::IsMember({"MAXIMIZE", "MINIMIZE"}, CLI::ignore_case))
      ->capture_default_str();
  command->callback([options, &exit_code] { exit_code = RunMetrics(*options); });
}

}  // namespace bayestune::cli
