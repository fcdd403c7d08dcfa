#include "bayestune/optimizer/parameter_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "bayestune/optimizer/errors.h"

namespace bayestune {

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

double ParameterValue::AsDouble() const {
  if (const auto* d = std::get_if<double>(&value_)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&value_)) return static_cast<double>(*i);
  throw InvalidArgument("expected a number, got the string '" + std::get<std::string>(value_) +
                        "' (a CATEGORICAL parameter's value: read it with AsString())");
}

// The kind is said with the value: a DISCRETE parameter's 32 read with AsInteger() said only
// "expected an integer, got 32".
std::int64_t ParameterValue::AsInteger() const {
  if (const auto* i = std::get_if<std::int64_t>(&value_)) return *i;
  if (IsDouble()) {
    throw InvalidArgument("expected an integer, got the double " + ToString() +
                          " (a DOUBLE or DISCRETE parameter's value: read it with AsDouble())");
  }
  throw InvalidArgument("expected an integer, got the string '" + ToString() +
                        "' (a CATEGORICAL parameter's value: read it with AsString())");
}

const std::string& ParameterValue::AsString() const {
  if (const auto* s = std::get_if<std::string>(&value_)) return *s;
  throw InvalidArgument("expected a string, got the " +
                        std::string(IsInteger() ? "integer " : "double ") + ToString() +
                        " (a DOUBLE, INTEGER or DISCRETE parameter's value: read it with "
                        "AsDouble()" +
                        (IsInteger() ? " or AsInteger())" : ")"));
}

std::string ParameterValue::ToString() const {
  if (const auto* d = std::get_if<double>(&value_)) return FormatDouble(*d);
  if (const auto* i = std::get_if<std::int64_t>(&value_)) return std::to_string(*i);
  return std::get<std::string>(value_);
}

}  // namespace bayestune
