#include "number_format.h"

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

}  // namespace bayestune
