#pragma once

#include <string>

namespace bayestune {

// Times in seconds since the Unix epoch, written for people and for files.

// Local time for progress lines and logs: "2024-05-01 10:00:05".
std::string FormatLocalTime(double seconds_since_epoch);

// UTC for reports that are read elsewhere: "2024-05-01 10:00:05 UTC"; "?" when not finite.
std::string FormatUtcTime(double seconds_since_epoch);

// An ISO-8601 / RFC 3339 UTC timestamp, the way Google's JSON APIs write them:
// "2024-05-01T12:30:05Z", with 3 or 6 fractional digits when the time has a fraction
// ("2024-05-01T12:30:05.250Z", "...05.123456Z"). Rounded to the microsecond.
std::string FormatUtcTimestamp(double seconds_since_epoch);

// Microseconds since the Unix epoch, rounded as FormatUtcTimestamp rounds.
long long RoundToMicroseconds(double seconds_since_epoch);

// How far past the clock a wall time may be and still be taken (another machine's clock ahead).
inline constexpr double kWallTimeAheadSeconds = 86400;

// Why `wall_time` (seconds since the Unix epoch) cannot be when something was measured, "" when it
// can be: "is not a finite number", "is before 1970 (negative)", "is more than a day after this
// machine's clock (2026-12-07 19:05:00 UTC): 2096-11-10 ... UTC". `now` is this machine's clock.
// Stored as given, such a time made durations, the report's timeline and the exports absurd (and
// SQLite stores NaN as NULL).
std::string WallTimeProblem(double wall_time, double now);

}  // namespace bayestune
