#include "bayestune/store/utc_timestamp.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace bayestune {

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
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[64];
  int length =
      std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d", utc.tm_year + 1900,
                    utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  if (fraction % 1000 != 0) {
    length += std::snprintf(text + length, sizeof(text) - static_cast<std::size_t>(length),
                            ".%06lld", fraction);
  } else if (fraction != 0) {
    length += std::snprintf(text + length, sizeof(text) - static_cast<std::size_t>(length),
                            ".%03lld", fraction / 1000);
  }
  return std::string(text, static_cast<std::size_t>(length)) + "Z";
}

}  // namespace bayestune
