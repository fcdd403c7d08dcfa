#include "sqlite_statement.h"

#include <cmath>
#include <limits>

#include "sqlite_connection.h"

namespace bayestune::sqlite {
namespace {

constexpr std::string_view kNaNText = "NaN";

}  // namespace

Statement::Statement(Connection& connection, sqlite3_stmt* statement, bool* in_use)
    : connection_(&connection), statement_(statement), in_use_(in_use) {
  *in_use_ = true;
}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      statement_(other.statement_),
      in_use_(other.in_use_),
      stepped_(other.stepped_) {
  other.statement_ = nullptr;
}

Statement::~Statement() {
  if (statement_ == nullptr) return;
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  *in_use_ = false;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  if (std::isnan(value)) return Bind(index, kNaNText);
  sqlite3_bind_double(statement_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::Bind(int index, std::optional<double> value) {
  if (!value) {
    sqlite3_bind_null(statement_, index);
    return *this;
  }
  return Bind(index, *value);
}

Statement& Statement::Bind(int index, std::optional<std::int64_t> value) {
  if (!value) {
    sqlite3_bind_null(statement_, index);
    return *this;
  }
  return Bind(index, *value);
}

bool Statement::Step() {
  const int rc = connection_->Step(statement_, !stepped_);
  stepped_ = true;
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  connection_->Fail(rc, DoingOf(sqlite3_sql(statement_)));
}

void Statement::Run() {
  while (Step()) {
  }
}

int Statement::Changes() const {
  return sqlite3_changes(sqlite3_db_handle(statement_));
}

int Statement::ColumnType(int column) const {
  return sqlite3_column_type(statement_, column);
}

std::int64_t Statement::Int64(int column) const {
  return sqlite3_column_int64(statement_, column);
}

double Statement::Double(int column) const {
  if (ColumnType(column) == SQLITE_TEXT && Text(column) == kNaNText) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return sqlite3_column_double(statement_, column);
}

std::optional<double> Statement::OptionalDouble(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Double(column);
}

std::optional<std::int64_t> Statement::OptionalInt64(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int64(column);
}

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

}  // namespace bayestune::sqlite
