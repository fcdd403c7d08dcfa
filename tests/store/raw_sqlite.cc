#include "raw_sqlite.h"

#include <sqlite3.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace bayestune::testing {
namespace {

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

std::unique_ptr<sqlite3, Closer> OpenRaw(const std::string& database) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, Closer> handle(db);
  if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + database);
  sqlite3_busy_timeout(db, 10'000);
  return handle;
}

}  // namespace

void ExecSql(const std::string& database, const std::string& sql) {
  auto db = OpenRaw(database);
  char* error = nullptr;
  if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "?";
    sqlite3_free(error);
    throw std::runtime_error(database + ": " + message);
  }
}

std::vector<std::string> QueryColumn(const std::string& database, const std::string& sql) {
  auto db = OpenRaw(database);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    throw std::runtime_error(database + ": " + sqlite3_errmsg(db.get()));
  }
  std::vector<std::string> values;
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    values.emplace_back(text != nullptr ? text : "");
  }
  sqlite3_finalize(statement);
  if (rc != SQLITE_DONE) throw std::runtime_error(database + ": " + sqlite3_errmsg(db.get()));
  return values;
}

std::string QueryValue(const std::string& database, const std::string& sql) {
  const auto values = QueryColumn(database, sql);
  if (values.empty()) throw std::runtime_error(database + ": no row from " + sql);
  return values.front();
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace bayestune::testing
