#pragma once

#include "sqlite_connection.h"

namespace bayestune::sqlite {

// PRAGMA application_id of a bayestune database ("BTst"), so that another program's SQLite file
// is recognised as such.
inline constexpr int kApplicationId = 0x42547374;

// The migrations (schema_migrations.cc) take a database from one PRAGMA user_version to the next;
// a released one is never edited, a change of the schema is a new one.
//
// Checks that the connection's file is a bayestune database this version can use, then (unless
// read-only) switches it to WAL and applies every migration it lacks, all in one transaction.
// Throws InvalidArgument for another program's file or a newer schema, FailedPrecondition for a
// read-only connection to an older schema.
void PrepareSchema(Connection& connection);

}  // namespace bayestune::sqlite
