#include "time_format.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace bayestune {
namespace {

// The broken-down time of a whole second since the epoch, local or UTC; false when not
// representable.
bool BreakDown(double seconds_since_epoch, bool local, std::tm& out) {
  if (!std::isfinite(seconds_since_epoch)) return false;
  const auto time = static_cast<std::time_t>(std::floor(seconds_since_epoch));
  return (local ? localtime_r(&time, &out) : gmtime_r(&time, &out)) != nullptr;
}

std::string DateAndTime(const std::tm& time) {
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", time.tm_year + 1900,
                time.tm_mon + 1, time.tm_mday, time.tm_hour, time.tm_min, time.tm_sec);
  return text;
}

}  // namespace

std::string FormatLocalTime(double seconds_since_epoch) {
  std::tm local{};
  return BreakDown(seconds_since_epoch, true, local) ? DateAndTime(local) : "?";
}

std::string FormatUtcTime(double seconds_since_epoch) {
  std::tm utc{};
  return BreakDown(seconds_since_epoch, false, utc) ? DateAndTime(utc) + " UTC" : "?";
}

long long RoundToMicroseconds(double seconds_since_epoch) {
  return std::llround(seconds_since_epoch * 1e6);
}

std::string FormatUtcTimestamp(double seconds_since_epoch) {
  const long long micros = RoundToMicroseconds(seconds_since_epoch);
  // Floor division, so that times before 1970 keep a positive fraction.
  long long seconds = micros / 1'000'000;
  long long fraction = micros % 1'000'000;
  if (fraction < 0) {
    fraction += 1'000'000;
    seconds -= 1;
  }
  const auto time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  std::string text = DateAndTime(utc);
  text[10] = 'T';
  char digits[16];
  if (fraction % 1000 != 0) {
    std::snprintf(digits, sizeof digits, ".%06lld", fraction);
    text += digits;
  } else if (fraction != 0) {
    std::snprintf(digits, sizeof digits, ".%03lld", fraction / 1000);
    text += digits;
  }
  return text + "Z";
}

std::string WallTimeProblem(double wall_time, double now) {
  if (!std::isfinite(wall_time)) return "is not a finite number";
  if (wall_time < 0) return "is before 1970 (negative)";
  if (wall_time > now + kWallTimeAheadSeconds) {
    constexpr double kYear10000 = 253402300800;  // a time_t takes it, a date writes it
    return "is more than a day after this machine's clock (" + FormatUtcTime(now) +
           "): " + (wall_time < kYear10000 ? FormatUtcTime(wall_time) : "after the year 9999");
  }
  return "";
}

}  // namespace bayestune
