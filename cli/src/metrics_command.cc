// `bayestune metrics DIR [--tag TAG] [--hypertune FILE]`: what the metric readers find in a job
// dir, so that users can see why a metric is not found.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "cli_errors.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "hypertune_reader.h"
#include "metric_selection.h"
#include "reader_lock_wait.h"
#include "shown_text.h"
#include "study_selection.h"
#include "trial_metrics_reader.h"

namespace bayestune::cli {
namespace {

struct MetricsOptions {
  std::string dir;
  std::string tag;             // empty: every scalar, or the study's tag for --selection/--goal
  std::string hypertune_file;  // empty: DIR/hypertune.jsonl when there is one
  std::string selection;       // empty: the study's runner.measurementSelection, else LAST
  std::string goal;            // empty: the study's goal, else MAXIMIZE
  StudySelection study{.database = "", .study = ""};  // database empty: found from DIR
};

// The study whose trial folder DIR is, when there is one: how it picks its trials' values.
struct OwningStudy {
  std::string database;
  StudyRecord study;
};

namespace fs = std::filesystem;

bool NamedWithNumber(const fs::path& path, const std::string& prefix) {
  const std::string name = path.filename().string();
  return name.size() > prefix.size() && name.starts_with(prefix) &&
         name.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
}

// DIR's trial folder, <jobDir>/trial-<n> (DIR itself, the trial folder of an event file or of a
// rerun's attempt-<k>/), or nullopt when DIR is in none.
std::optional<fs::path> TrialFolderOf(const std::string& dir) {
  std::error_code error;
  fs::path path = fs::absolute(dir, error).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();
  if (fs::is_regular_file(path, error)) path = path.parent_path();
  if (NamedWithNumber(path, "attempt-") && NamedWithNumber(path.parent_path(), "trial-")) {
    path = path.parent_path();
  }
  if (NamedWithNumber(path, "trial-")) return path;
  return std::nullopt;
}

// The study DIR belongs to. With --db or --study, that study (the errors of SelectStudy for a
// missing one); else, when DIR is a trial folder, the study named as its job dir
// (bayestune-jobs/<study>/trial-<n>), or the only one, in the database beside bayestune-jobs/ or
// ./bayestune.db; else none.
std::optional<OwningStudy> FindOwningStudy(const MetricsOptions& options) {
  const auto trial_folder = TrialFolderOf(options.dir);
  const std::string job_dir_name =
      trial_folder ? trial_folder->parent_path().filename().string() : "";
  if (!options.study.database.empty() || !options.study.study.empty()) {
    StudySelection selection = options.study;
    if (selection.database.empty()) selection.database = kDefaultDatabase;
    CheckDatabaseExists(selection);
    auto repository = SqliteStudyRepository::Open(
        selection.database, ReaderLockWait::ReadOnlyOptions(selection.database));
    if (selection.study.empty() && !job_dir_name.empty() && repository->FindStudy(job_dir_name)) {
      selection.study = job_dir_name;
    }
    // (The command in SelectStudy's suggestion: "bayestune metrics DIR --study STUDY --db F".)
    return OwningStudy{selection.database,
                       SelectStudy(*repository, selection, "metrics " + options.dir + " --study")};
  }
  if (!trial_folder) return std::nullopt;
  std::vector<std::string> candidates;
  const fs::path jobs = trial_folder->parent_path().parent_path();
  if (jobs.filename() == "bayestune-jobs") {
    candidates.push_back((jobs.parent_path() / kDefaultDatabase).string());
  }
  std::error_code error;
  const std::string here = fs::absolute(kDefaultDatabase, error).string();
  if (candidates.empty() || candidates.front() != here) candidates.push_back(kDefaultDatabase);
  for (const std::string& database : candidates) {
    if (!fs::exists(database, error)) continue;
    try {
      auto repository =
          SqliteStudyRepository::Open(database, ReaderLockWait::ReadOnlyOptions(database));
      if (auto study = repository->FindStudy(job_dir_name)) return OwningStudy{database, *study};
      const auto studies = repository->ListStudies();
      if (studies.size() == 1) return OwningStudy{database, studies.front()};
    } catch (const Error& e) {
      std::cerr << "bayestune: warning: " << ShownText(e.what(), ShownLines::kMultiLine)
                << "; not using its study\n";
    }
  }
  return std::nullopt;
}

// The measurements the runner recorded of DIR's attempt (DIR: trial-<n>/, or its attempt-<k>/ of a
// rerun, or a file in it), when DIR is a trial folder of `owner`'s study; empty otherwise.
std::vector<Measurement> RecordedMeasurements(const OwningStudy& owner, const std::string& dir) {
  const auto trial_folder = TrialFolderOf(dir);
  if (!trial_folder) return {};
  std::error_code error;
  fs::path path = fs::absolute(dir, error).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();
  if (fs::is_regular_file(path, error)) path = path.parent_path();
  const std::string trial_name = trial_folder->filename().string();
  const std::string attempt_name = path.filename().string();
  const int attempt = NamedWithNumber(path, "attempt-")
                          ? std::atoi(attempt_name.c_str() + std::string("attempt-").size())
                          : 1;
  const std::int64_t trial_id = std::atoll(trial_name.c_str() + std::string("trial-").size());
  try {
    auto repository = SqliteStudyRepository::Open(owner.database,
                                                  ReaderLockWait::ReadOnlyOptions(owner.database));
    const auto trial = repository->GetTrial(owner.study.id, trial_id);
    if (!trial) return {};
    std::vector<Measurement> recorded;
    for (const Measurement& m : trial->measurements) {
      if (m.attempt == attempt) recorded.push_back(m);
    }
    return recorded;
  } catch (const Error&) {
    return {};  // what the files hold is printed all the same
  }
}

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
  // Warnings name the event files' tags and paths, which the trainer chose: escaped.
  std::cerr << "bayestune: warning: " << ShownText(message, ShownLines::kMultiLine) << "\n";
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
    const bool exists = std::filesystem::exists(options.hypertune_file, error);
    throw InvalidArgument(
        options.hypertune_file +
        (exists ? ": not a regular file (a folder, a FIFO or a device)" : ": no such file") +
        "; --hypertune takes the file that CLOUD_ML_HP_METRIC_FILE named for "
        "the trainer");
  }
  // A trial folder's own hypertune file (CLOUD_ML_HP_METRIC_FILE) is read as the runner reads it.
  std::optional<std::string> hypertune_file;
  if (!options.hypertune_file.empty()) {
    hypertune_file = options.hypertune_file;
  } else if (const fs::path own = fs::path(options.dir) / "hypertune.jsonl";
             fs::is_directory(options.dir, error) && fs::is_regular_file(own, error)) {
    hypertune_file = own.string();
  }
  // Which value a trial gets, as its study picks it: from the study, unless the flags say.
  const std::optional<OwningStudy> owner = FindOwningStudy(options);
  const bool value_wanted =
      !options.tag.empty() || !options.selection.empty() || !options.goal.empty();
  std::string tag = options.tag;
  if (tag.empty() && value_wanted) {
    if (!owner) {
      throw UsageError(
          "--selection and --goal pick the value of --tag: give --tag TAG (or a trial folder of a "
          "study, whose hyperparameterMetricTag is used; --db FILE and --study NAME find it)");
    }
    tag = owner->study.spec.metric_tag;
  }
  // The study's objective that `tag` is: any of a study's several `metrics`, with its own goal
  // (only the first was looked at: a MINIMIZE second metric was taken LAST and MAXIMIZE, and
  // printed another value than the trial's).
  std::optional<MetricSpec> objective;
  if (owner) {
    for (const MetricSpec& m : Objectives(owner->study.spec)) {
      if (m.metric_id == tag) objective = m;
    }
  }
  const bool study_objective = objective.has_value();
  std::string selection_name = options.selection;
  if (selection_name.empty()) {
    selection_name =
        study_objective
            ? std::string(MeasurementSelectionName(owner->study.spec.measurement_selection))
            : "LAST";
  }
  std::string goal_name = options.goal;
  if (goal_name.empty()) {
    goal_name = study_objective ? std::string(GoalName(objective->goal)) : "MAXIMIZE";
  }

  TrialMetricsReader reader(options.dir);  // the event files; the hypertune file below
  MetricPoll poll = reader.Poll();
  const std::size_t from_events = poll.records.size();
  if (hypertune_file) HypertuneReader(*hypertune_file).Poll(poll);
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
  if (reader.events().files().empty() && !hypertune_file) {
    Warn(options.dir + ": no event file (a name containing 'tfevents') in it or its subfolders");
  }

  // As the runner takes them (TrialMetricsFeed): a hypertune report of a tag and step that an
  // event file reported too is the same value twice (gpu_models writes both), and the event
  // file's is the one recorded when both are read at once. Taking the later record instead
  // printed the hypertune file's double (0.9555555555555556) for a trial whose value is the event
  // file's float32 (0.9555555582046509). But the runner keeps the source read first: a hypertune
  // report read before the event file was flushed is the one recorded, and this printed the
  // event file's value for it. Where the trial's recorded measurement of that tag and step is
  // the hypertune file's value (and not the event file's), the hypertune record is taken.
  std::map<std::pair<std::string, std::int64_t>, std::size_t> reported;  // -> index in records
  std::vector<MetricRecord> records(
      poll.records.begin(), poll.records.begin() + static_cast<std::ptrdiff_t>(from_events));
  for (std::size_t i = 0; i < records.size(); ++i)
    reported.emplace(std::pair{records[i].FullTag(), records[i].step}, i);
  const std::vector<Measurement> recorded =
      owner ? RecordedMeasurements(*owner, options.dir) : std::vector<Measurement>{};
  // The names a record of `full_tag` is recorded under: itself, and each objective of the study
  // found as that series (a subfolder's tag is recorded under the objective's metricId).
  std::map<std::string, std::set<std::string>> recorded_as;
  const auto names_of = [&](const std::string& full_tag) -> const std::set<std::string>& {
    auto [it, fresh] = recorded_as.try_emplace(full_tag, std::set<std::string>{full_tag});
    if (fresh && owner) {
      for (const MetricSpec& objective : Objectives(owner->study.spec)) {
        if (MatchMetric(poll.records, objective.metric_id).full_tag == full_tag)
          it->second.insert(objective.metric_id);
      }
    }
    return it->second;
  };
  const auto recorded_value = [&](const MetricRecord& record, double value) {
    const auto& names = names_of(record.FullTag());
    return std::any_of(recorded.begin(), recorded.end(), [&](const Measurement& m) {
      return m.step == record.step && names.count(m.metric) && m.value == value;
    });
  };
  // For a tag and step that both sources report, which one the runner records (listed on both
  // lines without --tag): by index in poll.records.
  std::map<std::size_t, const char*> runner_uses;
  for (std::size_t i = from_events; i < poll.records.size(); ++i) {
    const MetricRecord& report = poll.records[i];
    const auto both = reported.find({report.FullTag(), report.step});
    if (both == reported.end()) {
      records.push_back(report);
      continue;
    }
    MetricRecord& event = records[both->second];
    const bool hypertune_taken = event.value != report.value &&
                                 recorded_value(report, report.value) &&
                                 !recorded_value(event, event.value);
    if (hypertune_taken) event = report;
    runner_uses[i] = runner_uses[both->second] = hypertune_taken ? "hypertune" : "event file";
  }
  if (!value_wanted) {
    // Which source each value came from, so that a value both report is not taken for two
    // measurements; and for those, which one the runner records.
    for (std::size_t i = 0; i < poll.records.size(); ++i) {
      std::string line = JsonLine(poll.records[i]);
      line.pop_back();  // its closing brace
      line +=
          std::string(", \"source\": \"") + (i < from_events ? "event file" : "hypertune") + "\"";
      if (const auto uses = runner_uses.find(i); uses != runner_uses.end())
        line += std::string(", \"runner_uses\": \"") + uses->second + "\"";
      std::cout << line << "}\n";
    }
    return kExitOk;
  }
  const auto selection = ParseMeasurementSelection(selection_name);
  const auto goal = ParseGoal(goal_name);
  const TrialValue value = SelectTrialValue(records, tag, *selection, *goal, poll.unread);
  if (!value.found()) {
    std::cerr << "bayestune: error: "
              << ShownText(options.dir + ": " + value.error, ShownLines::kMultiLine) << "\n";
    return kExitFailure;
  }
  const MetricRecord& chosen = *value.measurement;
  std::cout << "{\"metric\": " << JsonString(tag)
            << ", \"full_tag\": " << JsonString(value.full_tag)
            << ", \"selection\": " << JsonString(selection_name)
            << ", \"goal\": " << JsonString(goal_name);
  if (owner) std::cout << ", \"study\": " << JsonString(owner->study.name);
  std::cout << ", \"run\": " << JsonString(chosen.run) << ", \"tag\": " << JsonString(chosen.tag)
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
      "subfolders, and DIR/hypertune.jsonl, the cloudml-hypertune file a trial's "
      "CLOUD_ML_HP_METRIC_FILE names) as JSON lines, each with its source (\"event file\" or "
      "\"hypertune\"), and, for a tag and step both report, the one the runner records "
      "(\"runner_uses\"); with --tag (or --selection, --goal), the "
      "value a trial would get, or why there is none. When DIR is a trial folder of a study "
      "(bayestune-jobs/<study>/trial-<n>, its database beside bayestune-jobs/ or given with "
      "--db), the study's hyperparameterMetricTag, goal and measurementSelection are the "
      "defaults (a --tag that is one of a study's several metrics takes that metric's goal); the "
      "flags win. Corrupt records are warned about on stderr. docs/metrics.md has "
      "the details.\n\n"
      "Examples:\n  bayestune metrics bayestune-jobs/book/trial-3\n"
      "  bayestune metrics bayestune-jobs/book/trial-3 --selection BEST\n"
      "  bayestune metrics logs/run1 --tag val_loss --selection BEST --goal MINIMIZE",
      "0 printed, 1 no such folder, or no value of the tag, 2 bad usage, 3 no such database "
      "or study (--db, --study)");
  auto options = std::make_shared<MetricsOptions>();
  command->add_option("DIR", options->dir, "the job dir (or one event file)")
      ->check(NotEmpty())
      ->required();
  command
      ->add_option("--tag", options->tag,
                   "a hyperparameterMetricTag: print the trial's value of it (a tag, or "
                   "<subfolder>/<tag>)")
      ->check(NotEmpty());
  command
      ->add_option("--hypertune", options->hypertune_file,
                   "also read this cloudml-hypertune file (CLOUD_ML_HP_METRIC_FILE; default: "
                   "DIR/hypertune.jsonl, a trial folder's own, when there is one)")
      ->check(NotEmpty());
  command
      ->add_option("--selection", options->selection,
                   "the trial's value: LAST (highest step) or BEST measurement (default: the "
                   "study's runner.measurementSelection, else LAST)")
      ->transform(CLI::IsMember({"LAST", "BEST"}, CLI::ignore_case));
  command
      ->add_option("--goal", options->goal,
                   "for --selection BEST: MAXIMIZE or MINIMIZE (default: the study's goal, else "
                   "MAXIMIZE)")
      ->transform(CLI::IsMember({"MAXIMIZE", "MINIMIZE"}, CLI::ignore_case));
  command
      ->add_option("--db", options->study.database,
                   "the database of DIR's study (default: found beside bayestune-jobs/, or "
                   "./bayestune.db)")
      ->check(NotEmpty());
  command
      ->add_option("--study", options->study.study,
                   "DIR's study (default: the one its job dir is named after, or the only one)")
      ->check(NotEmpty());
  command->callback([options, &exit_code] { exit_code = RunMetrics(*options); });
}

}  // namespace bayestune::cli
