// `bayestune export [STUDY] [--db FILE] --format csv|json [--out FILE]`: a study's trials as CSV
// or as the JSON of an AI Platform Training v1 job (docs/store.md describes both).
#include <iostream>

#include "atomic_file_writer.h"
#include "bayestune/store/study_csv_export.h"
#include "bayestune/store/study_json_export.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "shown_text.h"
#include "study_selection.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

struct ExportOptions {
  StudySelection selection;
  std::string format;  // csv or json; empty: from --out's extension, else csv
  std::string out;     // empty or "-": standard output
};

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int Export(const ExportOptions& options) {
  std::string format = options.format;
  if (format.empty()) format = EndsWith(options.out, ".json") ? "json" : "csv";
  const StudySnapshot snapshot = ReadStudy(options.selection, "export");
  const auto write = [&](std::ostream& out) {
    if (format == "json") {
      WriteStudyJson(out, snapshot.study, snapshot.trials);
    } else {
      WriteStudyCsv(out, snapshot.study, snapshot.trials);
    }
  };
  if (options.out.empty() || options.out == "-") {
    write(std::cout);
    std::cout.flush();
    return kExitOk;
  }
  const auto bytes = WriteFileAtomically(options.out, "--out", write);
  // Both escaped: a name may hold control characters (a file name may, an old study's too).
  std::cerr << "bayestune: wrote " << ShownText(options.out) << ": study '"
            << ShownText(snapshot.study.name) << "', "
            << CountOf(static_cast<long long>(snapshot.trials.size()), "trial") << ", " << format
            << ", " << bytes << " bytes\n";
  return kExitOk;
}

}  // namespace

void AddExportCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "export", "Write a study's trials as CSV or JSON",
      "CSV: one row per trial (parameters, objective, step, times, failure reason). JSON: the "
      "AI Platform Training v1 Job of a hyperparameter tuning job, with AI Platform's states; "
      "bayestune's own under \"bayestune\". docs/store.md describes both.\n\n"
      "Examples:\n  bayestune export --format csv --out book.csv\n"
      "  bayestune export book --db runs.db --format json | jq '.trainingOutput.trials[0]'",
      "0 written, 1 the file could not be written, 2 bad usage, 3 no such database or study");
  auto options = std::make_shared<ExportOptions>();
  AddStudySelectionOptions(*command, options->selection);
  command
      ->add_option("--format", options->format,
                   "csv or json (default: from --out's extension, else csv)")
      ->transform(CLI::IsMember({"csv", "json"}, CLI::ignore_case));
  command
      ->add_option("-o,--out", options->out,
                   "the file to write, replaced whole only once complete (default or '-': "
                   "standard output)")
      ->check(NotEmpty());
  command->callback([options, &exit_code] { exit_code = Export(*options); });
}

}  // namespace bayestune::cli
