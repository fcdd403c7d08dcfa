#pragma once

#include <chrono>
#include <string>

#include "bayestune/store/sqlite_study_repository.h"

namespace bayestune::cli {

// How a reader (status, trials, best, export, report, metrics) waits for a database that another
// process keeps locked against readers too (an sqlite3 shell in PRAGMA locking_mode=EXCLUSIVE, a
// program rewriting the file): as long as the store's busy_timeout (60 s), as before, but no
// longer without a word: once the wait has lasted `notice_after`, it says on stderr which
// database it waits for, why, and for how long at most; and when the lock went, that it reads on.
// Until fieldtest16 the reader sat silent for 60 s, then failed.
class ReaderLockWait : public LockWaitObserver {
 public:
  ReaderLockWait(std::string database, std::chrono::milliseconds notice_after,
                 std::chrono::milliseconds give_up_after);

  bool KeepWaiting(std::chrono::milliseconds waited) override;
  void WaitOver(std::chrono::milliseconds waited) override;

  // The options of a read-only open that waits so.
  static SqliteOpenOptions ReadOnlyOptions(const std::string& database);

 private:
  std::string database_;
  std::chrono::milliseconds notice_after_;
  std::chrono::milliseconds give_up_after_;
  bool said_ = false;
};

}  // namespace bayestune::cli
