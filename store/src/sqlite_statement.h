#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bayestune::sqlite {

class Connection;

// One use of a cached prepared statement: bind, step, read columns. Resets the statement and
// clears its bindings when it goes away.
class Statement {
 public:
  Statement(Connection& connection, sqlite3_stmt* statement, bool* in_use);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, std::int64_t{value}); }
  // NaN cannot be stored as a REAL (SQLite turns it into NULL): it is stored as the text 'NaN'
  // and read back as NaN by OptionalDouble and Double.
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, bool value) { return Bind(index, std::int64_t{value ? 1 : 0}); }
  Statement& Bind(int index, std::optional<double> value);
  Statement& Bind(int index, std::optional<std::int64_t> value);
  // Binds the arguments to ?1, ?2, ... in order.
  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    int index = 0;
    (Bind(++index, args), ...);
    return *this;
  }

  // True when a row is ready, false when the statement is done.
  bool Step();
  // Steps to the end; for statements that return no rows.
  void Run();
  // sqlite3_changes after Run: how many rows the statement changed.
  int Changes() const;

  int ColumnType(int column) const;  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_NULL
  bool IsNull(int column) const { return ColumnType(column) == SQLITE_NULL; }
  std::int64_t Int64(int column) const;
  double Double(int column) const;
  std::optional<double> OptionalDouble(int column) const;
  std::optional<std::int64_t> OptionalInt64(int column) const;
  std::string Text(int column) const;

 private:
  Connection* connection_;
  sqlite3_stmt* statement_;
  bool* in_use_;
  bool stepped_ = false;
};

}  // namespace bayestune::sqlite
