// `bayestune report [STUDY] [--db FILE] --out report.html`: a self-contained HTML report.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bayestune/optimizer/closest_match.h"
#include "bayestune/optimizer/errors.h"
#include "bayestune/report/number_format.h"
#include "bayestune/report/study_report.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "commands.h"
#include "exit_codes.h"

namespace bayestune::cli {

namespace {

namespace fs = std::filesystem;

struct ReportArguments {
  std::string study;
  std::string database = "bayestune.db";
  std::string out;
};

std::string StudyList(const std::vector<StudyRecord>& studies) {
  std::string text;
  for (std::size_t i = 0; i < studies.size(); ++i) {
    if (i == 20) return text + ", ... (" + std::to_string(studies.size()) + " in all)";
    text += (i == 0 ? "'" : ", '") + studies[i].name + "'";
  }
  return text;
}

StudyRecord ChooseStudy(StudyRepository& repository, const ReportArguments& args) {
  const std::vector<StudyRecord> studies = repository.ListStudies();
  const std::string where = "database '" + args.database + "'";
  if (args.study.empty()) {
    if (studies.size() == 1) return studies.front();
    if (studies.empty()) throw NotFound(where + " holds no study yet; run a study into it first");
    throw InvalidArgument(where + " holds " + std::to_string(studies.size()) +
                          " studies; name the one to report on: bayestune report STUDY --db " +
                          args.database + " --out FILE. Its studies: " + StudyList(studies));
  }
  if (auto found = repository.FindStudy(args.study)) return *found;
  std::vector<std::string> names;
  for (const auto& s : studies)
    names.push_back(s.name);
  std::string message = where + " has no study named '" + args.study + "'";
  if (auto guess = ClosestMatch(args.study, names)) message += "; did you mean '" + *guess + "'?";
  message += studies.empty() ? "; it holds no study yet" : ". Its studies: " + StudyList(studies);
  throw NotFound(message);
}

// Writes the report next to its destination and renames it into place, so that a failure never
// leaves half a file where the report should be.
std::size_t WriteReportFile(const std::string& path, const StudyRecord& study,
                            const std::vector<Trial>& trials, const ReportOptions& options) {
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InvalidArgument("--out '" + path + "': the folder '" + folder.string() +
                          "' does not exist; create it first, or write the report elsewhere");
  }
  if (fs::is_directory(target, error)) {
    throw InvalidArgument("--out '" + path +
                          "' is a folder; give the path of a file, such as report.html");
  }
  const fs::path temporary =
      folder / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
      throw InvalidArgument("--out '" + path + "': cannot write in '" + folder.string() + "' (" +
                            std::strerror(errno) + "); choose a writable folder");
    }
    WriteStudyReport(file, study, trials, options);
    file.flush();
    if (!file) {
      const std::string reason = std::strerror(errno);
      fs::remove(temporary, error);
      throw Unavailable("--out '" + path + "': writing failed (" + reason + ")");
    }
  }
  fs::rename(temporary, target, error);
  if (error) {
    fs::remove(temporary, error);
    throw Unavailable("--out '" + path + "': cannot move the report into place (" +
                      error.message() + ")");
  }
  return static_cast<std::size_t>(fs::file_size(target, error));
}

int RunReport(const ReportArguments& args) {
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  const auto repository = SqliteStudyRepository::Open(args.database, read_only);
  const StudyRecord study = ChooseStudy(*repository, args);
  const std::vector<Trial> trials = repository->ListTrials(study.id);
  ReportOptions options;
  options.generator = std::string("bayestune ") + BAYESTUNE_VERSION;
  options.generated_time = NowSeconds();
  if (args.out == "-") {
    WriteStudyReport(std::cout, study, trials, options);
    std::cout.flush();
    return kExitOk;
  }
  const std::size_t bytes = WriteReportFile(args.out, study, trials, options);
  std::cerr << "bayestune: wrote " << args.out << ": study '" << study.name << "', "
            << FormatCount(static_cast<std::int64_t>(trials.size()))
            << (trials.size() == 1 ? " trial, " : " trials, ")
            << FormatCount(static_cast<std::int64_t>((bytes + 1023) / 1024)) << " KiB\n";
  return kExitOk;
}

}  // namespace

void AddReportCommand(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "report",
      "Write a study's report: one self-contained HTML file (history, parallel coordinates, "
      "slices, learning curves, parameter importance, best trials, GPU use) to open in any "
      "browser or send to someone.");
  auto args = std::make_shared<ReportArguments>();
  command->add_option("study", args->study,
                      "the study to report on (default: the only study in the database)");
  command->add_option("--db", args->database, "the study database")->capture_default_str();
  command->add_option("-o,--out", args->out, "the HTML file to write ('-': standard output)")
      ->required();
  command->callback([args, &exit_code] { exit_code = RunReport(*args); });
}

}  // namespace bayestune::cli
