// `bayestune export [STUDY] [--db FILE] --format csv|json [--out FILE]`: a study's trials as CSV
// or as the JSON of an AI Platform Training v1 job (docs/store.md describes both).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>

#include "atomic_file_writer.h"
#include "bayestune/store/study_csv_export.h"
#include "bayestune/store/study_json_export.h"
#include "cli_errors.h"
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

// The format --out's name asks for: "json" for .json, "csv" for .csv or a name without an
// extension (/dev/stdout, bash's >(...)), in any case; "" for another extension.
std::string FormatOfOut(const std::string& out) {
  std::string extension = std::filesystem::path(out).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".json") return "json";
  if (extension.empty() || extension == ".csv") return "csv";
  return "";
}

// A file named with another extension, without --format: a usage error. CSV written to
// results.tsv or results.csv.gz (which export does not compress) is not what was meant.
[[noreturn]] void RefuseOtherExtension(const std::string& out) {
  const bool gz = std::filesystem::path(out).extension() == ".gz";
  throw UsageError(
      "--out '" + out +
      "': export writes CSV or JSON, and takes which from the name's extension, .csv "
      "or .json; give --format csv or --format json to write to this name" +
      (gz ? " (export does not compress: bayestune export | gzip > " + out + ")" : ""));
}

int Export(const ExportOptions& options) {
  // Without --format: the name's extension says which; CSV to standard output, and to a pipe or
  // a device of another extension.
  std::string format = options.format.empty() ? FormatOfOut(options.out) : options.format;
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
  const auto bytes = WriteFileAtomically(options.out, "--out", write, [&] {
    if (format.empty()) RefuseOtherExtension(options.out);
  });
  if (format.empty()) format = "csv";
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
                   "csv or json (default: from --out's extension, .csv or .json; csv for "
                   "standard output)")
      ->transform(CLI::IsMember({"csv", "json"}, CLI::ignore_case));
  command
      ->add_option("-o,--out", options->out,
                   "the file to write, replaced whole only once complete (default or '-': "
                   "standard output)")
      ->check(NotEmpty());
  command->callback([options, &exit_code] { exit_code = Export(*options); });
}

}  // namespace bayestune::cli
