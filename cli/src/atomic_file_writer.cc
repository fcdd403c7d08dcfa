#include "atomic_file_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bayestune/optimizer/errors.h"

namespace bayestune::cli {

namespace fs = std::filesystem;

namespace {

// Whether `path` is an SQLite database file: its first 16 bytes are SQLite's magic string.
bool IsSqliteDatabase(const fs::path& path) {
  static constexpr char kMagic[] = "SQLite format 3";  // with its NUL: 16 bytes
  std::ifstream file(path, std::ios::binary);
  char header[sizeof kMagic] = {};
  return file.read(header, sizeof header) &&
         std::equal(header, header + sizeof header, kMagic, kMagic + sizeof kMagic);
}

// The database `path` belongs to: itself, or the database beside it whose write-ahead log,
// shared memory or rollback journal it is ("x.db-wal": "x.db"); empty when it is none.
std::string DatabaseOf(const fs::path& path) {
  std::error_code error;
  if (IsSqliteDatabase(path)) return path.string();
  const std::string text = path.string();
  for (const std::string suffix : {"-wal", "-shm", "-journal"}) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      const fs::path database = text.substr(0, text.size() - suffix.size());
      if (fs::exists(path, error) && IsSqliteDatabase(database)) return database.string();
    }
  }
  return {};
}

}  // namespace

std::uintmax_t WriteFileAtomically(const std::string& path, const std::string& flag,
                                   const std::function<void(std::ostream&)>& write) {
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string where = flag + " '" + path + "'";
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InvalidArgument(where + ": the folder '" + folder.string() +
                          "' does not exist; create it first (mkdir -p '" + folder.string() +
                          "'), or write elsewhere");
  }
  if (fs::is_directory(target, error)) {
    throw InvalidArgument(where + " is a folder; give the path of a file in it");
  }
  // A study database (or its -wal file) given as the output, by a slip for --db or to keep the
  // export beside it, would be replaced whole, with every study in it: never.
  if (const std::string database = DatabaseOf(target); !database.empty()) {
    throw InvalidArgument(
        where +
        (database == path
             ? std::string(" is an SQLite database (a study database?); writing there would "
                           "replace it whole, with every study in it")
             : " is a file of the SQLite database '" + database +
                   "' (its log, shared memory or journal); writing there would damage it") +
        "; give another file name");
  }
  const fs::path temporary =
      folder / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
  try {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
      throw InvalidArgument(where + ": cannot write in the folder '" + folder.string() + "' (" +
                            std::strerror(errno) + "); choose a folder you may write to");
    }
    write(file);
    file.flush();
    if (!file) {
      throw Unavailable(where + ": writing failed (" + std::strerror(errno) +
                        "); free some space or write elsewhere");
    }
  } catch (...) {
    fs::remove(temporary, error);
    throw;
  }
  fs::rename(temporary, target, error);
  if (error) {
    const std::string reason = error.message();
    fs::remove(temporary, error);
    throw Unavailable(where + ": cannot move the file into place (" + reason + ")");
  }
  return fs::file_size(target, error);
}

}  // namespace bayestune::cli
