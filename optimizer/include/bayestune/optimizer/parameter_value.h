#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace bayestune {

// The value of one hyperparameter in a trial: a double (DOUBLE, DISCRETE), an integer (INTEGER)
// or a string (CATEGORICAL).
class ParameterValue {
 public:
  ParameterValue() : value_(0.0) {}
  ParameterValue(double v) : value_(v) {}                    // NOLINT(google-explicit-constructor)
  ParameterValue(std::int64_t v) : value_(v) {}              // NOLINT(google-explicit-constructor)
  ParameterValue(int v) : value_(std::int64_t{v}) {}         // NOLINT(google-explicit-constructor)
  ParameterValue(std::string v) : value_(std::move(v)) {}    // NOLINT(google-explicit-constructor)
  ParameterValue(const char* v) : value_(std::string(v)) {}  // NOLINT(google-explicit-constructor)

  bool IsDouble() const { return std::holds_alternative<double>(value_); }
  bool IsInteger() const { return std::holds_alternative<std::int64_t>(value_); }
  bool IsString() const { return std::holds_alternative<std::string>(value_); }
  bool IsNumeric() const { return !IsString(); }

  double AsDouble() const;              // a number as double; throws InvalidArgument for a string
  std::int64_t AsInteger() const;       // throws InvalidArgument unless an integer
  const std::string& AsString() const;  // throws InvalidArgument unless a string

  // What the trainer receives after `--name=`: integers in decimal, doubles in the shortest form
  // that reads back to the same double ("0.1", "1e-05", "3"), strings unchanged.
  std::string ToString() const;

  bool operator==(const ParameterValue&) const = default;

 private:
  std::variant<double, std::int64_t, std::string> value_;
};

// A trial's hyperparameters, by parameter name.
using ParameterValues = std::map<std::string, ParameterValue>;

// The shortest decimal text that reads back to exactly `value`.
std::string FormatDouble(double value);

// A metric value as people read it, with 6 significant digits: "0.966667", "1.2e-05", "nan",
// "inf" (a float32 from an event file is 0.26487329602241516 as a double, 0.264873 here). For
// messages; FormatDouble where the value must read back exactly.
std::string FormatMetricValue(double value);

}  // namespace bayestune
