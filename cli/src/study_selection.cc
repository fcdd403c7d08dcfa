#include "study_selection.h"

#include <filesystem>
#include <system_error>

#include "bayestune/optimizer/errors.h"
#include "cli_errors.h"
#include "closest_match.h"
#include "command_help.h"
#include "reader_lock_wait.h"

namespace bayestune::cli {
namespace {

// "'book', 'mnist'", at most 20 names.
std::string StudyList(const std::vector<StudyRecord>& studies) {
  std::string text;
  for (std::size_t i = 0; i < studies.size(); ++i) {
    if (i == 20) return text + ", ... (" + std::to_string(studies.size()) + " in all)";
    text += (i == 0 ? "'" : ", '") + studies[i].name + "'";
  }
  return text;
}

// The --db part of a suggested command, left out for the default database.
std::string DatabaseFlag(const StudySelection& selection) {
  return selection.database == kDefaultDatabase ? "" : " --db " + selection.database;
}

}  // namespace

void AddStudySelectionOptions(CLI::App& command, StudySelection& selection) {
  // An empty name ("$STUDY" unset) is a usage error, not the default: the only study could be
  // another one. --study is the same name as run and worker take it.
  auto* positional = command
                         .add_option("STUDY", selection.study,
                                     "the study's name (default: the only study in the database)")
                         ->check(NotEmpty());
  command
      .add_option("--study", selection.study,
                  "the study's name, as the STUDY argument (the flag run and worker take)")
      ->check(NotEmpty())
      ->excludes(positional);
  command.add_option("--db", selection.database, "the study database")
      ->check(NotEmpty())
      ->capture_default_str();
}

StudyRecord SelectStudy(StudyRepository& repository, const StudySelection& selection,
                        const std::string& command) {
  const std::string where = "database '" + selection.database + "'";
  if (!selection.study.empty()) {
    if (auto found = repository.FindStudy(selection.study)) return *found;
  }
  const std::vector<StudyRecord> studies = repository.ListStudies();
  if (selection.study.empty()) {
    if (studies.size() == 1) return studies.front();
    if (studies.empty()) {
      throw NotFound(where + " holds no study yet; start one with: bayestune run tuning.yaml" +
                     DatabaseFlag(selection));
    }
    throw UsageError(where + " holds " + std::to_string(studies.size()) +
                     " studies; name one: bayestune " + command + " STUDY" +
                     DatabaseFlag(selection) + ". Its studies: " + StudyList(studies));
  }
  std::vector<std::string> names;
  for (const auto& s : studies)
    names.push_back(s.name);
  std::string message = where + " has no study named '" + selection.study + "'";
  if (studies.empty()) throw NotFound(message + "; it holds no study yet");
  if (auto guess = ClosestMatch(selection.study, names)) {
    message += "; did you mean '" + *guess + "'? Its studies: ";
  } else {
    message += ". Its studies: ";
  }
  message += StudyList(studies);
  throw NotFound(message);
}

void CheckDatabaseExists(const StudySelection& selection) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path path(selection.database);
  // An empty path, or one this user may not look at: Open says why.
  if (path.empty() || fs::exists(path, error) || error == std::errc::permission_denied) return;
  const fs::path folder = fs::absolute(path, error).parent_path();
  const bool folder_missing = !fs::exists(folder, error) && error != std::errc::permission_denied;
  throw NotFound("there is no bayestune database '" + selection.database + "'" +
                 (folder_missing ? " (there is no folder '" + folder.string() + "')" : "") +
                 "; check the path (--db FILE), or make the study first: bayestune run "
                 "tuning.yaml" +
                 DatabaseFlag(selection));
}

StudySnapshot ReadStudy(const StudySelection& selection, const std::string& command) {
  CheckDatabaseExists(selection);
  StudySnapshot snapshot;
  snapshot.repository = SqliteStudyRepository::Open(
      selection.database, ReaderLockWait::ReadOnlyOptions(selection.database));
  snapshot.study = SelectStudy(*snapshot.repository, selection, command);
  snapshot.trials = snapshot.repository->ListTrials(snapshot.study.id);  // one read transaction
  return snapshot;
}

}  // namespace bayestune::cli
