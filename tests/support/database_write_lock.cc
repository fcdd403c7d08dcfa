#include "database_write_lock.h"

#include <sqlite3.h>

#include <stdexcept>

namespace bayestune::testing {

DatabaseWriteLock::DatabaseWriteLock(const std::string& database) {
  if (sqlite3_open_v2(database.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close_v2(db_);
    throw std::runtime_error("cannot open " + database + ": " + message);
  }
  sqlite3_busy_timeout(db_, 10'000);
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_close_v2(db_);
    throw std::runtime_error("cannot take the write lock of " + database + ": " + message);
  }
}

DatabaseWriteLock::~DatabaseWriteLock() {
  Release();
}

void DatabaseWriteLock::Release() {
  if (db_ == nullptr) return;
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

}  // namespace bayestune::testing
