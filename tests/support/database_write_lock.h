#pragma once

#include <string>

struct sqlite3;

namespace bayestune::testing {

// Another process's write lock on a study database, as an sqlite3 shell holds it after BEGIN
// IMMEDIATE: taken in the constructor, waiting up to 10 s for the writes already under way (a
// server or worker may be writing at that moment; without the wait BEGIN IMMEDIATE failed with
// SQLITE_BUSY now and then), and let go by Release() or the destructor.
class DatabaseWriteLock {
 public:
  explicit DatabaseWriteLock(const std::string& database);
  ~DatabaseWriteLock();
  DatabaseWriteLock(const DatabaseWriteLock&) = delete;
  DatabaseWriteLock& operator=(const DatabaseWriteLock&) = delete;

  // Commits the empty transaction and closes the connection; does nothing the second time.
  void Release();

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace bayestune::testing
