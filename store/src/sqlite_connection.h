#pragma once

#include <sqlite3.h>
#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bayestune/store/sqlite_study_repository.h"
#include "sqlite_statement.h"

namespace bayestune::sqlite {

// How a connection opens its file.
struct ConnectionOptions {
  bool read_only = false;
  bool create = true;
  std::chrono::milliseconds busy_timeout{60'000};
  std::int64_t max_page_count = 0;  // 0: no limit
  // Null: a wait ends after busy_timeout; set: when it says (SqliteOpenOptions::lock_wait).
  std::shared_ptr<LockWaitObserver> lock_wait;
};

// What a statement does, in words for an error message ("writing", "committing", ...).
std::string_view DoingOf(std::string_view sql);

// One SQLite connection to one file, guarded by a mutex: prepared statements cached by their SQL,
// transactions that nest, and every SQLite error turned into a bayestune error that names the
// file and says what to do.
//
// Locking: "database is locked" never reaches the caller before `busy_timeout` has passed (with a
// `lock_wait` observer: before it says to stop waiting). A busy handler sleeps with growing,
// jittered steps while another process holds the lock, and the first step of every statement
// (BEGIN IMMEDIATE and COMMIT included) is retried with backoff when SQLITE_BUSY escapes the
// handler.
class Connection {
 public:
  // Opens the file, without reading it yet. Throws InvalidArgument for a missing folder or a
  // path that is a folder, NotFound for a missing file that may not be created, Unavailable when
  // the file or folder cannot be opened as asked.
  Connection(std::string path, const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& path() const { return path_; }
  bool read_only() const { return options_.read_only; }

  // A cached prepared statement for `sql`, reset when the returned Statement goes away. The
  // caller holds the connection (inside Read or Write, or while nothing else can use it).
  Statement Prepare(std::string_view sql);
  // Runs SQL text without parameters, statement after statement (schema scripts, and pragmas
  // whose values cannot be bound).
  void ExecScript(std::string_view sql, std::string_view doing);

  // Runs `body` in a transaction and commits it; rolls back and rethrows when `body` throws.
  // Write: BEGIN IMMEDIATE, so that the write lock is taken up front and never upgraded (an
  // upgrade can fail without waiting). Read: BEGIN, a consistent snapshot that blocks no writer.
  // Inside a transaction of this connection `body` joins it: a nested write runs in a SAVEPOINT,
  // so that its own failure undoes only its own changes. Both hold this connection's mutex.
  // Write throws FailedPrecondition on a read-only connection.
  void Write(const std::function<void()>& body);
  void Read(const std::function<void()>& body);

  // Throws the bayestune error for SQLite result code `rc`, saying what was being done.
  // A file that is not a database or is damaged: InvalidArgument while it is being opened (the
  // path given is not a study database), DataLoss once it has been opened (it was damaged since).
  [[noreturn]] void Fail(int rc, std::string_view doing) const;
  // " ('<file>' cannot be written: <why>)" for the first of the database's files that this
  // process may not write, or "".
  std::string SystemErrorText() const;
  // Called once the file was read as a study database (its schema checked).
  void MarkOpened() { opened_ = true; }

 private:
  friend class Statement;
  struct CachedStatement {
    sqlite3_stmt* statement = nullptr;
    bool in_use = false;
  };
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };

  static int OnBusy(void* self, int attempts);
  // Whether a statement that has been refused the lock since `since` waits on: busy_timeout, or
  // the lock_wait observer (told the time since the statement's first refusal).
  bool KeepWaiting(std::chrono::steady_clock::time_point now,
                   std::chrono::steady_clock::time_point since);
  // sqlite3_step, retrying SQLITE_BUSY with backoff when `first` (the statement has not run yet).
  int Step(sqlite3_stmt* statement, bool first);
  // Throws when the file this connection writes is no longer the one at path() (deleted, moved
  // or replaced while open: its writes would be lost with the unlinked file), after saving what
  // it holds with VACUUM INTO: at path() when that is free again, else beside it.
  void CheckFileStillAtPath();
  // Throws for good when the -wal this connection writes was deleted or `replaced` at the path
  // while it was open (its commits would be lost with the unlinked file), after copying what it
  // holds into the database file by a checkpoint, else saving it beside it with VACUUM INTO.
  [[noreturn]] void SaveLostWal(bool replaced);
  // Runs `body` as one transaction opened by `begin`; `commit` and `roll_back` end it.
  void RunTransaction(std::string_view begin, std::string_view commit, std::string_view roll_back,
                      const std::function<void()>& body);

  std::string path_;
  ConnectionOptions options_;
  std::unique_ptr<sqlite3, Closer> db_;
  std::unordered_map<std::string, CachedStatement> statements_;
  std::recursive_mutex mutex_;
  int depth_ = 0;         // transactions of this connection open now (outermost and savepoints)
  bool writing_ = false;  // the outermost one is a write transaction
  bool opened_ = false;   // MarkOpened was called
  // The file's identity when it was opened for writing (st_dev, st_ino), to notice when path_
  // stops naming it; and, once it did, the error every later write gets.
  dev_t file_device_ = 0;
  ino_t file_inode_ = 0;
  bool file_identity_known_ = false;
  // The identities of its -wal and -shm files (st_dev, st_ino; 0, 0: none) when path_ last named
  // the file: once it does not, those left at the path are the lost file's, to be removed.
  std::array<std::pair<dev_t, ino_t>, 2> side_files_{};
  std::string lost_file_error_;
  std::chrono::steady_clock::time_point busy_since_;
  // The wait of the statement being stepped: since its first refusal (nullopt: none yet); how
  // long the last one lasted, and whether the observer ended it, for Fail's message.
  std::optional<std::chrono::steady_clock::time_point> wait_start_;
  std::chrono::milliseconds last_wait_{0};
  bool wait_stopped_ = false;
};

}  // namespace bayestune::sqlite
