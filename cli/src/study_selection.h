#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bayestune/optimizer/study_repository.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/store/sqlite_study_repository.h"

namespace bayestune::cli {

// Where every command finds its study: `--db` (default ./bayestune.db) and the study's name.
inline constexpr const char* kDefaultDatabase = "bayestune.db";

struct StudySelection {
  std::string database = kDefaultDatabase;
  std::string study;  // empty: the only study in the database
};

// Adds the optional STUDY positional (or --study NAME, as run takes it) and --db to a reader
// command (status, trials, best, export, report).
void AddStudySelectionOptions(CLI::App& command, StudySelection& selection);

// A study as read, in one snapshot, from its database opened read-only.
struct StudySnapshot {
  std::shared_ptr<SqliteStudyRepository> repository;
  StudyRecord study;
  std::vector<Trial> trials;  // in trial order, with their measurements
};

// Throws NotFound, saying what to do, when the selected database does not exist (its folder
// missing included: every missing database is exit code 3).
void CheckDatabaseExists(const StudySelection& selection);

// Opens the database read-only and reads the selected study: the named one, or the only one when
// no name is given. Throws NotFound for a missing database or an unknown study (with the studies
// it holds and the closest name), UsageError when the database holds several studies and none is
// named. `command` names the command in the suggested fix ("status", "export").
StudySnapshot ReadStudy(const StudySelection& selection, const std::string& command);

// The study of `repository` that `selection` names, or its only study; the errors of ReadStudy.
StudyRecord SelectStudy(StudyRepository& repository, const StudySelection& selection,
                        const std::string& command);

}  // namespace bayestune::cli
