#include "sqlite_connection.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/parameter_value.h"

namespace bayestune::sqlite {
namespace {

namespace fs = std::filesystem;

std::string FolderOf(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

// Sleeps a little longer on each attempt (50 us doubling up to 10 ms), with jitter so that
// processes waiting for the same lock do not wake in step.
void SleepBackoff(int attempt) {
  thread_local std::minstd_rand random(std::random_device{}());
  const std::int64_t base =
      std::min<std::int64_t>(std::int64_t{50} << std::min(attempt, 8), 10'000);
  std::uniform_int_distribution<std::int64_t> jitter(base / 2, base + base / 2);
  std::this_thread::sleep_for(std::chrono::microseconds(jitter(random)));
}

bool IsBusy(int rc) {
  // BUSY_SNAPSHOT: a read transaction that tried to write over a stale snapshot; waiting never
  // helps (this connection never does that: its writes begin with BEGIN IMMEDIATE).
  return (rc & 0xff) == SQLITE_BUSY && rc != SQLITE_BUSY_SNAPSHOT;
}

// A path as an SQLite URI ("file:..."), so that URI parameters can follow it.
std::string FileUri(const std::string& path) {
  // An absolute path gets an empty authority ("file:///tmp/x.db"), so that "//x" stays a path. A
  // relative one that starts with ':' gets "./": SQLite takes "file::memory:" for a database in
  // memory, which `--db :memory:` opened, and the run then refused saying "its file system does
  // not support SQLite's write-ahead log"; it is the file of that name, as any other path.
  std::string uri = path.starts_with('/') ? "file://" : path.starts_with(':') ? "file:./" : "file:";
  for (unsigned char c : path) {
    if (c == '?' || c == '#' || c == '%' || c < 0x20 || c >= 0x7f) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 0xf];
    } else {
      uri += static_cast<char>(c);
    }
  }
  return uri;
}

// The status of `path` (not_found when it does not exist); throws Unavailable when it cannot be
// known, such as when this user may not look into a folder on the way.
fs::file_status StatusOrThrow(const std::string& path, const std::string& database) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error && status.type() != fs::file_type::not_found) {
    throw Unavailable("bayestune database '" + database + "': cannot look at '" + path + "' (" +
                      error.message() + "); check the permissions of the folders on the way");
  }
  return status;
}

// Why this process may not open the file as asked, from the file system's permissions.
std::string PermissionAdvice(const std::string& path, bool read_only) {
  const std::string folder = FolderOf(path);
  std::error_code error;
  const bool exists = fs::exists(path, error);
  if (!read_only && access(folder.c_str(), W_OK) != 0) {
    return "the folder '" + folder + "' is read-only for this user, and SQLite must " +
           (exists ? "create the database's -wal and -shm files beside it"
                   : "create the database file in it") +
           "; make the folder writable, or use a database path in a writable folder" +
           (exists ? ", or open the database read-only to read it" : "");
  }
  if (exists && access(path.c_str(), read_only ? R_OK : R_OK | W_OK) != 0) {
    return std::string("the file is not ") + (read_only ? "readable" : "writable") +
           " by this user; change its permissions (chmod u+rw '" + path + "')" +
           (read_only ? "" : ", or open it read-only to read it");
  }
  return "check that this user may read and write the file, its folder and the -wal and -shm "
         "files beside it";
}

// Refuses a database file that has other names (hard links): SQLite names a database's -wal and
// -shm after the name it was opened by, so two processes that open one file by two names each
// keep a write-ahead log of their own, and their checkpoints write over each other's pages
// ("database disk image is malformed"); a reader by one name does not see what was written by
// the other. (A symbolic link is fine: SQLite follows it, and names them after its target.)
void RefuseSecondName(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || info.st_nlink <= 1) return;
  throw InvalidArgument(
      "bayestune database '" + path + "' has " + std::to_string(info.st_nlink) +
      " names (hard links): SQLite keeps a database's write-ahead log beside the name it is "
      "opened by ('" +
      path +
      "-wal'), so that two processes that open it by two names each "
      "write a log of their own and damage the file, and one does not see what the other "
      "wrote; give the file one name: remove its other names (find '" +
      FolderOf(path) + "' -xdev -samefile '" + path +
      "' lists them; they may be in other folders of its file "
      "system), or copy it (cp '" +
      path +
      "' copy.db) to keep a second one. The file was left "
      "as it was");
}

}  // namespace

std::string_view DoingOf(std::string_view sql) {
  auto starts = [&](std::string_view word) { return sql.substr(0, word.size()) == word; };
  if (starts("BEGIN IMMEDIATE")) return "taking the write lock";
  if (starts("BEGIN")) return "starting to read";
  if (starts("COMMIT") || starts("RELEASE")) return "committing";
  if (starts("SELECT") || starts("PRAGMA")) return "reading";
  if (starts("INSERT") || starts("UPDATE") || starts("DELETE")) return "writing";
  return "updating the schema";
}

Connection::Connection(std::string path, const ConnectionOptions& options)
    : path_(std::move(path)), options_(options) {
  if (path_.empty()) {
    throw InvalidArgument("the database path is empty; give the path of a study database file");
  }
  const std::string folder = FolderOf(path_);
  const fs::file_status folder_status = StatusOrThrow(folder, path_);
  if (!fs::exists(folder_status)) {
    throw InvalidArgument("bayestune database '" + path_ + "': the folder '" + folder +
                          "' does not exist; create it first (mkdir -p '" + folder +
                          "'), or choose a path in an existing folder");
  }
  if (!fs::is_directory(folder_status)) {
    throw InvalidArgument("bayestune database '" + path_ + "': '" + folder +
                          "' is not a folder; choose a path in an existing folder");
  }
  const fs::file_status file_status = StatusOrThrow(path_, path_);
  if (fs::is_directory(file_status)) {
    throw InvalidArgument("bayestune database '" + path_ +
                          "' is a folder, not a database file; give the path of a file, such "
                          "as '" +
                          (fs::path(path_) / "study.db").string() + "'");
  }
  if (fs::exists(file_status) && !fs::is_regular_file(file_status)) {
    // SQLite would write its journal beside a device (/dev/null-journal) and fail with an I/O
    // error, or block on a FIFO.
    const char* kind = fs::is_character_file(file_status) ? "a character device"
                       : fs::is_block_file(file_status)   ? "a block device"
                       : fs::is_fifo(file_status)         ? "a FIFO (named pipe)"
                       : fs::is_socket(file_status)       ? "a socket"
                                                          : "not a regular file";
    throw InvalidArgument("bayestune database '" + path_ + "' is " + kind +
                          ", not a database file; give the path of a file, such as "
                          "'bayestune.db'");
  }
  if (fs::exists(file_status)) RefuseSecondName(path_);
  if (!fs::exists(file_status) && (options_.read_only || !options_.create)) {
    throw NotFound("there is no bayestune database '" + path_ +
                   "'; check the path (a study's database is created by the first run)");
  }

  const int flags =
      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI |
      (options_.read_only ? SQLITE_OPEN_READONLY
                          : SQLITE_OPEN_READWRITE | (options_.create ? SQLITE_OPEN_CREATE : 0));
  // A reader needs the -shm file of the write-ahead log, or must be able to create it. In a
  // folder it may not write (a read-only mount, an archive), with no writer at work (no -wal or
  // -shm file), it reads the file as immutable instead.
  std::error_code error;
  const bool immutable = options_.read_only && access(folder.c_str(), W_OK) != 0 &&
                         !fs::exists(path_ + "-wal", error) && !fs::exists(path_ + "-shm", error);
  const std::string uri = FileUri(path_) + (immutable ? "?immutable=1" : "");
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(uri.c_str(), &db, flags, nullptr);
  db_.reset(db);
  if (rc != SQLITE_OK) Fail(rc, "opening");
  sqlite3_extended_result_codes(db, 1);
  if (!options_.read_only && sqlite3_db_readonly(db, "main") == 1) {
    // SQLite silently opens a write-protected file read-only.
    throw Unavailable("bayestune database '" + path_ +
                      "' cannot be opened for writing: " + PermissionAdvice(path_, false));
  }
  sqlite3_busy_handler(db, &Connection::OnBusy, this);
  struct stat opened {};
  if (!options_.read_only && stat(path_.c_str(), &opened) == 0) {
    file_device_ = opened.st_dev;
    file_inode_ = opened.st_ino;
    file_identity_known_ = true;
  }
  ExecScript("PRAGMA foreign_keys = ON", "configuring");
  if (options_.max_page_count > 0) {
    ExecScript("PRAGMA max_page_count = " + std::to_string(options_.max_page_count), "configuring");
  }
}

Connection::~Connection() {
  for (auto& [sql, cached] : statements_)
    sqlite3_finalize(cached.statement);
}

int Connection::OnBusy(void* self, int attempts) {
  auto* connection = static_cast<Connection*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (attempts == 0) connection->busy_since_ = now;
  if (!connection->KeepWaiting(now, connection->busy_since_)) return 0;
  SleepBackoff(attempts);
  return 1;
}

bool Connection::KeepWaiting(std::chrono::steady_clock::time_point now,
                             std::chrono::steady_clock::time_point since) {
  if (!wait_start_) wait_start_ = since;
  if (!options_.lock_wait) return now - since < options_.busy_timeout;
  if (options_.lock_wait->KeepWaiting(
          std::chrono::duration_cast<std::chrono::milliseconds>(now - *wait_start_))) {
    return true;
  }
  wait_stopped_ = true;
  return false;
}

int Connection::Step(sqlite3_stmt* statement, bool first) {
  // Measured from before the first try: the busy handler may have waited inside it already.
  const auto start = std::chrono::steady_clock::now();
  wait_start_.reset();
  wait_stopped_ = false;
  int rc = sqlite3_step(statement);
  for (int attempt = 0; first && IsBusy(rc) && !wait_stopped_ &&
                        KeepWaiting(std::chrono::steady_clock::now(), start);
       ++attempt) {
    sqlite3_reset(statement);  // keeps the bindings
    SleepBackoff(attempt);
    rc = sqlite3_step(statement);
  }
  if (wait_start_) {
    last_wait_ = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - *wait_start_);
    if (!IsBusy(rc) && options_.lock_wait) options_.lock_wait->WaitOver(last_wait_);
    wait_start_.reset();
  }
  return rc;
}

Statement Connection::Prepare(std::string_view sql) {
  auto [it, inserted] = statements_.try_emplace(std::string(sql));
  CachedStatement& cached = it->second;
  if (cached.statement == nullptr) {
    const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &cached.statement, nullptr);
    if (rc != SQLITE_OK) {
      statements_.erase(it);
      Fail(rc, DoingOf(sql));
    }
  }
  if (cached.in_use) {
    throw Error(ErrorCode::kInternal,
                "bayestune database: a statement is used twice at once: " + std::string(sql));
  }
  return Statement(*this, cached.statement, &cached.in_use);
}

void Connection::ExecScript(std::string_view sql, std::string_view doing) {
  while (!sql.empty()) {
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    int rc =
        sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &statement, &tail);
    if (rc != SQLITE_OK) Fail(rc, doing);
    sql.remove_prefix(static_cast<std::size_t>(tail - sql.data()));
    if (statement == nullptr) continue;  // only white space or a comment was left
    for (bool first = true; (rc = Step(statement, first)) == SQLITE_ROW; first = false) {
    }
    sqlite3_finalize(statement);
    if (rc != SQLITE_DONE) Fail(rc, doing);
  }
}

void Connection::RunTransaction(std::string_view begin, std::string_view commit,
                                std::string_view roll_back, const std::function<void()>& body) {
  Prepare(begin).Run();
  ++depth_;
  try {
    body();
    Prepare(commit).Run();
  } catch (...) {
    --depth_;
    // An I/O error, a full disk or running out of memory may have rolled the whole transaction
    // back already; then there is nothing left to undo.
    if (sqlite3_get_autocommit(db_.get()) == 0) {
      try {
        ExecScript(roll_back, "rolling back");
      } catch (const std::exception&) {
        // The original error says more than a failed rollback.
      }
    }
    throw;
  }
  --depth_;
}

namespace {
// The files SQLite keeps beside a database.
constexpr std::array<const char*, 3> kSideFiles = {"-wal", "-shm", "-journal"};
// The two of them a database in WAL mode keeps open as long as it is open.
constexpr std::array<const char*, 2> kWalFiles = {"-wal", "-shm"};

std::pair<dev_t, ino_t> IdentityOf(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {0, 0};
  return {info.st_dev, info.st_ino};
}

// Whether this process has the file open (one of its file descriptors).
bool OpenInThisProcess(std::pair<dev_t, ino_t> identity) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat info {};
    if (::fstat(std::stoi(name), &info) == 0 && info.st_dev == identity.first &&
        info.st_ino == identity.second) {
      return true;
    }
  }
  return false;
}
}  // namespace

void Connection::CheckFileStillAtPath() {
  if (!lost_file_error_.empty()) throw Unavailable(lost_file_error_);
  if (!file_identity_known_) return;
  struct stat now {};
  const bool present = stat(path_.c_str(), &now) == 0;
  if (present && now.st_dev == file_device_ && now.st_ino == file_inode_) {
    const auto wal = IdentityOf(path_ + "-wal");
    // A stat that failed for another reason than "not there" (NFS's ESTALE, EIO) cannot tell that
    // the -wal went: taken for gone, it stopped the run's writes for good (review37).
    if (wal.second == 0 && errno != ENOENT && errno != ENOTDIR) return;
    if (side_files_[0].second != 0 && wal != side_files_[0]) SaveLostWal(wal.second != 0);
    for (std::size_t i = 0; i < kWalFiles.size(); ++i)
      side_files_[i] = IdentityOf(path_ + kWalFiles[i]);
    return;
  }
  if (!present && errno != ENOENT && errno != ENOTDIR) return;  // cannot tell: let SQLite say
  // Writing on would go to a file that no path names any more (or not this one): everything
  // written since, and everything before, would vanish when this process ends. Save it first.
  const std::string folder = FolderOf(path_);
  std::error_code error;
  const bool folder_exists = fs::is_directory(folder, error);
  // The lost file's -wal and -shm, still at the path: SQLite would replay that -wal onto the
  // next file opened there (the saved file moved back, a file put in the lost one's place), whose
  // pages are not the lost file's: "database disk image is malformed". Everything they hold is in
  // the saved file, so they go. Each is known as the lost file's by its identity when the path
  // last named that file or, with nothing at the path, as a file this process has open.
  for (std::size_t i = 0; i < kWalFiles.size(); ++i) {
    const std::string side = path_ + kWalFiles[i];
    const auto identity = IdentityOf(side);
    if (identity.second == 0) continue;
    if (identity == side_files_[i] || (!present && OpenInThisProcess(identity))) {
      ::unlink(side.c_str());
    }
  }
  // Back at its path only when nothing of a database is there: a -wal or -shm file left beside
  // it (this connection's own, when only the main file was deleted) would be replayed onto the
  // saved file by the next process that opens it. (Closing this connection later does not delete
  // the -wal of a process that opened the saved file: SQLite's checkpoint of a moved file fails,
  // SQLITE_READONLY_DBMOVED, and then it deletes nothing.)
  const bool path_free =
      !present && std::none_of(kSideFiles.begin(), kSideFiles.end(), [&](const char* suffix) {
        return fs::exists(path_ + suffix, error);
      });
  std::string saved_at;
  if (folder_exists) {
    saved_at = path_free ? path_ : path_ + ".rescued-" + std::to_string(getpid());
  } else {
    saved_at = (fs::temp_directory_path(error) /
                (fs::path(path_).filename().string() + ".rescued-" + std::to_string(getpid())))
                   .string();
  }
  std::string saved;
  try {
    Statement vacuum = Prepare("VACUUM INTO ?1");
    vacuum.Bind(1, saved_at);
    vacuum.Run();
    saved = "everything it held was saved to '" + saved_at + "'" +
            (saved_at == path_ ? " again" : "") + "; run again with that file to continue";
  } catch (const std::exception& e) {
    saved = std::string("saving what it held failed too (") + e.what() +
            "); the data is lost with the deleted file";
  }
  lost_file_error_ = "bayestune database '" + path_ + "' was " +
                     (present ? "replaced by another file" : "deleted (or moved)") +
                     " while this process had it open, so that nothing written to it would last; " +
                     "this process stops writing to it and " + saved;
  throw Unavailable(lost_file_error_);
}

void Connection::SaveLostWal(bool replaced) {
  // Everything committed since the last checkpoint is in the -wal this connection has open, which
  // no path names any more: a kill -9 or a power cut now would lose it, and readers (which open
  // the file at the path) saw "disk I/O error" or "holds no study yet" (fieldtest16). Copied into
  // the database file itself (still at its path) by a checkpoint, else saved beside it.
  std::string saved;
  try {
    Statement checkpoint = Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    const bool row = checkpoint.Step();
    if (!row || checkpoint.Int64(0) != 0 || checkpoint.Int64(1) != checkpoint.Int64(2)) {
      throw Unavailable("the checkpoint could not copy every page (readers at work?)");
    }
    saved = "everything it held was copied into '" + path_ +
            "', which goes on when it is opened again (run the study again)";
  } catch (const std::exception& checkpoint_error) {
    const std::string saved_at = path_ + ".rescued-" + std::to_string(getpid());
    try {
      Statement vacuum = Prepare("VACUUM INTO ?1");
      vacuum.Bind(1, saved_at);
      vacuum.Run();
      saved = "everything it held was saved to '" + saved_at +
              "' (copying it into the file failed: " + checkpoint_error.what() +
              "); run again with that file to continue";
    } catch (const std::exception& e) {
      saved = std::string("saving what it held failed (") + e.what() +
              "); what was written since the last checkpoint is lost when this process ends";
    }
  }
  lost_file_error_ = "bayestune database '" + path_ + "': its write-ahead log '" + path_ +
                     "-wal' was " + (replaced ? "replaced by another file" : "deleted") +
                     " while this process had the database open (a clean-up of the folder?), " +
                     "so that nothing written to it would last; this process stops writing to " +
                     "it and " + saved +
                     "; leave the -wal and -shm files beside a database while a bayestune " +
                     "process has it open";
  throw Unavailable(lost_file_error_);
}

void Connection::Write(const std::function<void()>& body) {
  std::lock_guard lock(mutex_);
  if (options_.read_only) {
    throw FailedPrecondition("bayestune database '" + path_ +
                             "' was opened read-only (as status and export do); open it for "
                             "writing to change it");
  }
  if (depth_ == 0) {
    CheckFileStillAtPath();
    writing_ = true;
    RunTransaction("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", body);
    return;
  }
  if (!writing_) {
    throw Error(ErrorCode::kInternal,
                "bayestune database '" + path_ + "': a write was nested inside a read transaction");
  }
  RunTransaction("SAVEPOINT nested", "RELEASE nested", "ROLLBACK TO nested; RELEASE nested", body);
}

void Connection::Read(const std::function<void()>& body) {
  std::lock_guard lock(mutex_);
  if (depth_ > 0) {
    body();
    return;
  }
  writing_ = false;
  RunTransaction("BEGIN", "COMMIT", "ROLLBACK", body);
}

namespace {

// Whether a file of the database at `path` has reached the file size limit (ulimit -f): a write
// past it fails with EFBIG, which SQLite reports as an I/O error (its errno is gone by then).
bool AtFileSizeLimit(const std::string& path) {
  rlimit limit{};
  if (getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return false;
  constexpr std::uintmax_t kLargestWrite = 128 * 1024;  // a WAL frame or page, with room to spare
  for (const std::string& file : {path, path + "-wal", path + "-journal"}) {
    std::error_code error;
    const std::uintmax_t size = std::filesystem::file_size(file, error);
    if (!error && size + kLargestWrite >= limit.rlim_cur) return true;
  }
  return false;
}

}  // namespace

std::string Connection::SystemErrorText() const {
  // SQLite says "disk I/O error" for every failed read or write (and keeps no errno that can be
  // trusted by then). Ask the file system which of the files cannot be written: EPERM for one
  // made immutable (chattr +i), EROFS for a file system remounted read-only after an error.
  if (options_.read_only) return "";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = path_ + suffix;
    if (access(file.c_str(), F_OK) != 0 || access(file.c_str(), W_OK) == 0) continue;
    const int error = errno;
    std::string text = " ('" + file + "' cannot be written: " + std::strerror(error);
    if (error == EPERM) text += "; is it immutable (lsattr, chattr -i)?";
    if (error == EROFS) text += "; its file system was made read-only, perhaps after a disk error";
    return text + ")";
  }
  return "";
}

void Connection::Fail(int rc, std::string_view doing) const {
  const std::string detail =
      db_ && sqlite3_errcode(db_.get()) == rc ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
  const std::string where = "bayestune database '" + path_ + "'";
  const std::string what = where + ": " + std::string(doing) + " failed (" + detail + ")";
  switch (rc & 0xff) {
    case SQLITE_FULL: {
      const std::string text = what +
                               ": the disk, or the database's size limit, is full; this change "
                               "was rolled back and everything stored before it is intact; free "
                               "some space and retry";
      // The size limit of this connection (max_page_count) is not raised by waiting; a full
      // disk is, once space is freed.
      if (options_.max_page_count > 0) throw ResourceExhausted(text);
      throw StorageFull(text);
    }
    case SQLITE_NOMEM:
      throw ResourceExhausted(what + ": out of memory");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      if (wait_stopped_) {
        throw Unavailable(
            what + ": another process had kept the database locked for " +
            FormatDouble(static_cast<double>(last_wait_.count() / 100) / 10.0) +
            " s when this process stopped waiting for it; look for a process that keeps a long "
            "transaction open on it");
      }
      throw Unavailable(
          what + ": another process kept the database locked for more than " +
          FormatDouble(static_cast<double>(options_.busy_timeout.count()) / 1000.0) +
          " s; retry, and look for a process that keeps a long transaction open on it");
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw Unavailable(what + ": " + PermissionAdvice(path_, options_.read_only));
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      if (opened_) {
        throw DataLoss(what +
                       ": the file is damaged (changed by another program, or a disk "
                       "that lost data); stop the programs that use it and restore it "
                       "from a backup (sqlite3 '" +
                       path_ + "' .recover may save what is left)");
      }
      throw InvalidArgument(where + " is not a bayestune database, or it is damaged (" + detail +
                            "); give the path of a study database, or a new file name to "
                            "create one");
    case SQLITE_IOERR:
      if (AtFileSizeLimit(path_) || (db_ && sqlite3_system_errno(db_.get()) == EDQUOT)) {
        // A write past the file size limit (ulimit -f) or the user's disk quota: a full disk by
        // another name (SQLite reports ENOSPC alone as SQLITE_FULL).
        const bool size_limit = AtFileSizeLimit(path_);
        const std::string limit = size_limit ? "the file size limit (ulimit -f)" : "the disk quota";
        // A reader changes nothing, but writes the write-ahead log's index, the -shm file (32 KiB
        // and more): it said "this change was rolled back" of a read.
        const std::string text =
            options_.read_only
                ? what + ": " + limit +
                      " is reached: reading the database writes its -shm file (32 KiB and more), "
                      "which could not be written; nothing was changed; raise the limit or free "
                      "some space and retry"
                : what + ": " + limit +
                      " is reached; this change was rolled back and everything stored before it "
                      "is intact; raise the limit or free some space and retry";
        if (size_limit) throw ResourceExhausted(text);  // this process's limit: waiting won't help
        throw StorageFull(text);
      }
      throw Unavailable(what + ": an input/output error" + SystemErrorText() +
                        "; check the disk and its file system");
    default:
      throw Error(ErrorCode::kInternal, what);
  }
}

}  // namespace bayestune::sqlite
