#pragma once

#include <string>

namespace bayestune {

// A time in seconds since the Unix epoch as an ISO-8601 / RFC 3339 UTC timestamp, the way
// Google's JSON APIs write them: "2024-05-01T12:30:05Z", with 3 or 6 fractional digits when the
// time has a fraction ("2024-05-01T12:30:05.250Z", "...05.123456Z"). Rounded to the microsecond.
std::string FormatUtcTimestamp(double seconds_since_epoch);

// Microseconds since the Unix epoch, rounded as FormatUtcTimestamp rounds.
long long RoundToMicroseconds(double seconds_since_epoch);

}  // namespace bayestune
