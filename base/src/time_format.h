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

}  // namespace bayestune
