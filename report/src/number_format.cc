#include "bayestune/report/number_format.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace bayestune {

std::string FormatSignificant(double value, int digits) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return "0";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
  std::string text = buffer;
  const auto e = text.find('e');
  std::string mantissa = text.substr(0, e);
  std::string exponent = e == std::string::npos ? "" : text.substr(e + 1);
  if (mantissa.find('.') != std::string::npos) {
    while (mantissa.back() == '0')
      mantissa.pop_back();
    if (mantissa.back() == '.') mantissa.pop_back();
  }
  if (exponent.empty()) return mantissa;
  std::string sign;
  std::size_t i = 0;
  if (exponent[i] == '+' || exponent[i] == '-') {
    if (exponent[i] == '-') sign = "-";
    ++i;
  }
  while (i + 1 < exponent.size() && exponent[i] == '0')
    ++i;
  return mantissa + "e" + sign + exponent.substr(i);
}

std::string FormatTick(double value, double step) {
  step = std::abs(step);
  if (std::abs(value) < step * 1e-9) return "0";
  if (std::max(std::abs(value), step) >= 1e6 || step < 1e-4) return FormatSignificant(value, 3);
  // The fewest decimals that write the step exactly (0.25 needs two, 5 none).
  int decimals = 0;
  while (decimals < 8) {
    const double scaled = step * std::pow(10.0, decimals);
    if (std::abs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) break;
    ++decimals;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

std::string FormatCoordinate(double value) {
  if (!std::isfinite(value) || std::abs(value) > 1e9) return "0";  // never drawn: a guard
  const long long tenths = std::llround(value * 10);
  const long long whole = tenths / 10;
  const long long fraction = std::llabs(tenths % 10);
  std::string text;
  if (tenths < 0 && whole == 0) text = "-";
  text += std::to_string(whole);
  if (fraction != 0) {
    text += '.';
    text += static_cast<char>('0' + fraction);
  }
  return text;
}

std::string FormatCount(std::int64_t count) {
  std::string digits = std::to_string(count < 0 ? -count : count);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return count < 0 ? "-" + out : out;
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 0) return "-" + FormatDuration(-seconds);
  char buffer[64];
  if (seconds < 1) {
    std::snprintf(buffer, sizeof(buffer), "%.0f ms", seconds * 1000);
  } else if (seconds < 10) {
    std::snprintf(buffer, sizeof(buffer), "%.1f s", seconds);
  } else if (seconds < 60) {
    std::snprintf(buffer, sizeof(buffer), "%.0f s", seconds);
  } else {
    const long long total = std::llround(seconds);
    const long long days = total / 86400;
    const long long hours = total % 86400 / 3600;
    const long long minutes = total % 3600 / 60;
    const long long secs = total % 60;
    if (days > 0) {
      std::snprintf(buffer, sizeof(buffer), "%lld d %lld h", days, hours);
    } else if (hours > 0) {
      std::snprintf(buffer, sizeof(buffer), "%lld h %02lld min", hours, minutes);
    } else {
      std::snprintf(buffer, sizeof(buffer), "%lld min %02lld s", minutes, secs);
    }
  }
  return buffer;
}

std::string FormatUtcTime(double seconds_since_epoch) {
  if (!std::isfinite(seconds_since_epoch)) return "?";
  const std::time_t time = static_cast<std::time_t>(std::floor(seconds_since_epoch));
  std::tm utc{};
  gmtime_r(&time, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02d %02d:%02d:%02d UTC", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return buffer;
}

}  // namespace bayestune
