#pragma once

#include <string>
#include <vector>

namespace bayestune::testing {

// Direct access to a database file with the SQLite C API, as another program would have: to
// build files by hand and to look at what the repository wrote.

// Runs SQL statements without results. Throws std::runtime_error with SQLite's message.
void ExecSql(const std::string& database, const std::string& sql);
// The first column of every row of a query, as text ("" for NULL).
std::vector<std::string> QueryColumn(const std::string& database, const std::string& sql);
// The first column of the first row.
std::string QueryValue(const std::string& database, const std::string& sql);

// The bytes of a file.
std::string FileBytes(const std::string& path);

}  // namespace bayestune::testing
