// `bayestune report [STUDY] [--db FILE] --out report.html`: a self-contained HTML report.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>

#include "atomic_file_writer.h"
#include "bayestune/report/study_report.h"
#include "cli_errors.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "number_format.h"
#include "shown_text.h"
#include "study_selection.h"
#include "trial_formatting.h"

namespace bayestune::cli {

namespace {

struct ReportArguments {
  StudySelection selection;
  std::string out;
};

int RunReport(const ReportArguments& args) {
  const StudySnapshot snapshot = ReadStudy(args.selection, "report");
  ReportOptions options;
  options.generator = std::string("bayestune ") + BAYESTUNE_VERSION;
  options.generated_time = NowSeconds();
  const auto write = [&](std::ostream& out) {
    WriteStudyReport(out, snapshot.study, snapshot.trials, options);
  };
  if (args.out == "-") {
    write(std::cout);
    std::cout.flush();
    return kExitOk;
  }
  // A file named for another format (report.pdf, report.png) would hold HTML under a name that
  // says otherwise: refused, as export refuses an extension that is not its format's. A pipe or
  // device (/dev/stdout, bash's >(...)) is written into whatever its name.
  const auto bytes = WriteFileAtomically(args.out, "--out", write, [&] {
    std::string extension = std::filesystem::path(args.out).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!extension.empty() && extension != ".html" && extension != ".htm") {
      throw UsageError("--out '" + args.out +
                       "': report writes one HTML file; give a name ending in .html (open it in "
                       "a browser, which can print it to PDF)");
    }
  });
  // Both escaped: a name may hold control characters (a file name may, an old study's too).
  std::cerr << "bayestune: wrote " << ShownText(args.out) << ": study '"
            << ShownText(snapshot.study.name) << "', "
            << CountOf(static_cast<long long>(snapshot.trials.size()), "trial") << ", "
            << FormatCount(static_cast<std::int64_t>((bytes + 1023) / 1024)) << " KiB\n";
  return kExitOk;
}

}  // namespace

void AddReportCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "report", "Write a study's report: one self-contained HTML file",
      "The report holds the optimisation history, parallel coordinates, a slice per parameter, "
      "learning curves, parameter importance, the best trials, the study's settings and GPU use "
      "over time, with everything inline: open it in any browser, offline, or send it to "
      "someone. docs/report.md describes each plot.\n\n"
      "Examples:\n  bayestune report --out book.html\n"
      "  bayestune report book --db runs.db -o - > book.html",
      "0 written, 1 the file could not be written, 2 bad usage, 3 no such database or study");
  auto args = std::make_shared<ReportArguments>();
  AddStudySelectionOptions(*command, args->selection);
  command->add_option("-o,--out", args->out, "the HTML file to write ('-': standard output)")
      ->check(NotEmpty())
      ->required();
  command->callback([args, &exit_code] { exit_code = RunReport(*args); });
}

}  // namespace bayestune::cli
