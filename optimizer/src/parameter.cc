#include "bayestune/optimizer/parameter.h"

#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

#include "bayestune/optimizer/parameter_value.h"
#include "utf8_text.h"

namespace bayestune {
namespace {

constexpr std::size_t kMaxDiscreteValues = 1000;
// Each categorical value is a dimension of the GP's input: 3,000 made every suggestion take
// seconds, 300,000 gigabytes.
constexpr std::size_t kMaxCategoricalValues = 1000;

bool IsLogScale(ScaleType scale) {
  return scale == ScaleType::kLog || scale == ScaleType::kReverseLog;
}

}  // namespace

std::string_view ParameterTypeName(ParameterType type) {
  switch (type) {
    case ParameterType::kDouble:
      return "DOUBLE";
    case ParameterType::kInteger:
      return "INTEGER";
    case ParameterType::kCategorical:
      return "CATEGORICAL";
    case ParameterType::kDiscrete:
      return "DISCRETE";
  }
  return "?";
}

std::string_view ScaleTypeName(ScaleType scale) {
  switch (scale) {
    case ScaleType::kNone:
      return "NONE";
    case ScaleType::kLinear:
      return "UNIT_LINEAR_SCALE";
    case ScaleType::kLog:
      return "UNIT_LOG_SCALE";
    case ScaleType::kReverseLog:
      return "UNIT_REVERSE_LOG_SCALE";
  }
  return "?";
}

std::optional<ParameterType> ParseParameterType(std::string_view name) {
  for (auto type : {ParameterType::kDouble, ParameterType::kInteger, ParameterType::kCategorical,
                    ParameterType::kDiscrete}) {
    if (ParameterTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::optional<ScaleType> ParseScaleType(std::string_view name) {
  if (name == "SCALE_TYPE_UNSPECIFIED") return ScaleType::kNone;
  for (auto scale :
       {ScaleType::kNone, ScaleType::kLinear, ScaleType::kLog, ScaleType::kReverseLog}) {
    if (ScaleTypeName(scale) == name) return scale;
  }
  return std::nullopt;
}

ParameterSpec ParameterSpec::Double(std::string name, double lo, double hi, ScaleType scale) {
  ParameterSpec spec;
  spec.name = std::move(name);
  spec.type = ParameterType::kDouble;
  spec.min_value = lo;
  spec.max_value = hi;
  spec.scale = scale;
  return spec;
}

ParameterSpec ParameterSpec::Integer(std::string name, long long lo, long long hi,
                                     ScaleType scale) {
  ParameterSpec spec =
      Double(std::move(name), static_cast<double>(lo), static_cast<double>(hi), scale);
  spec.type = ParameterType::kInteger;
  return spec;
}

ParameterSpec ParameterSpec::Categorical(std::string name, std::vector<std::string> values) {
  ParameterSpec spec;
  spec.name = std::move(name);
  spec.type = ParameterType::kCategorical;
  spec.categorical_values = std::move(values);
  return spec;
}

ParameterSpec ParameterSpec::Discrete(std::string name, std::vector<double> values,
                                      ScaleType scale) {
  ParameterSpec spec;
  spec.name = std::move(name);
  spec.type = ParameterType::kDiscrete;
  spec.discrete_values = std::move(values);
  spec.scale = scale;
  return spec;
}

double ParameterSpec::Lower() const {
  if (type == ParameterType::kDiscrete)
    return discrete_values.empty() ? 0.0 : discrete_values.front();
  return min_value;
}

double ParameterSpec::Upper() const {
  if (type == ParameterType::kDiscrete)
    return discrete_values.empty() ? 0.0 : discrete_values.back();
  return max_value;
}

bool IsValidParameterName(std::string_view name) {
  return ParameterNameProblem(name).empty();
}

std::string ParameterNameProblem(std::string_view name) {
  constexpr std::size_t kShown = 100;
  const std::string quoted =
      "'" + EscapeForMessage(name.substr(0, kShown)) + (name.size() > kShown ? "...'" : "'");
  if (name.size() > kMaxParameterNameBytes) {
    return quoted + " is " + std::to_string(name.size()) +
           " bytes long; a parameter name is at most " + std::to_string(kMaxParameterNameBytes) +
           " bytes (it is passed as --name=value and shown in every table)";
  }
  // The first character that does not fit, whole (all bytes of a UTF-8 character such as 'ö'),
  // to name it: "letters" alone reads as if 'größe' were fine.
  std::size_t bad = std::string_view::npos;
  for (std::size_t i = 0; i < name.size() && bad == std::string_view::npos; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool ascii_letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool fits =
        i == 0 ? ascii_letter
               : ascii_letter || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!fits) bad = i;
  }
  if (name.empty() || bad != std::string_view::npos) {
    std::string which = "it is empty";
    if (!name.empty()) {
      std::size_t end = bad + 1;
      if (static_cast<unsigned char>(name[bad]) >= 0xC0) {
        while (end < name.size() && end < bad + 4 &&
               (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80)
          ++end;
      }
      which = "'" + EscapeForMessage(name.substr(bad, end - bad)) + "'" +
              (bad == 0 ? " is not an ASCII letter" : " is not one");
    }
    return quoted +
           " is not a valid name: it is passed as --name=value, so it must start with an ASCII "
           "letter (a-z, A-Z) and hold only ASCII letters, digits, '_', '-' and '.'; " +
           which;
  }
  if (ParameterNamesCollide(name, "job_dir")) {
    return quoted +
           " is the --job-dir flag the runner gives every trial (its folder); name the "
           "parameter otherwise";
  }
  return "";
}

bool ParameterNamesCollide(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] == '-' ? '_' : a[i]) != (b[i] == '-' ? '_' : b[i])) return false;
  }
  return true;
}

std::string ParameterCollisionProblem(std::string_view first, std::string_view second) {
  return "parameters '" + std::string(first) + "' and '" + std::string(second) +
         "' would be one flag for the trainer (argument parsers such as argparse read '-' as "
         "'_'); rename one of them";
}

std::string IntegerBoundProblem(double bound, std::string_view as_written) {
  if (std::abs(bound) <= kMaxIntegerParameterBound) return "";
  return "an INTEGER parameter's bounds must be from -9007199254740992 to 9007199254740992 "
         "(2^53, up to which every integer is exact), got " +
         (as_written.empty() ? FormatDouble(bound) : EscapeForMessage(as_written)) +
         "; use a DOUBLE parameter for a wider range";
}

std::string CategoricalValueProblem(std::string_view value) {
  if (value.empty()) return "an empty value; each value must be a non-empty string";
  if (value.size() > kMaxCategoricalValueBytes) {
    return "'" + EscapeForMessage(value.substr(0, 100)) + "...' is " +
           std::to_string(value.size()) + " bytes long; a value is at most " +
           std::to_string(kMaxCategoricalValueBytes) +
           " bytes (it is passed to the trainer as --name=value)";
  }
  // A tab is whitespace in a value like any other; a NUL would cut the argument short, a newline
  // or an escape sequence would break the logs' lines and the terminal.
  if (std::string problem = ControlOrEncodingProblem(value, /*allow_tab=*/true); !problem.empty()) {
    return "'" + EscapeForMessage(value) + "' " + problem +
           "; a value is passed to the trainer as --name=value, so it must be UTF-8 text "
           "without control characters other than a tab";
  }
  return "";
}

std::string RangeWidthProblem(double min_value, double max_value) {
  if (std::isfinite(max_value - min_value)) return "";
  return "the range from " + FormatDouble(min_value) + " to " + FormatDouble(max_value) +
         " is wider than a double holds (maxValue - minValue overflows); narrow it, or use "
         "UNIT_LOG_SCALE for a positive range over many orders of magnitude";
}

std::string MetricTagProblem(std::string_view tag) {
  if (tag.empty()) return "must not be empty; name the TensorBoard tag of the objective";
  if (tag.size() > kMaxMetricTagBytes) {
    return "'" + EscapeForMessage(tag.substr(0, 100)) + "...' is " + std::to_string(tag.size()) +
           " bytes long; a metric tag is at most " + std::to_string(kMaxMetricTagBytes) + " bytes";
  }
  if (std::string problem = ControlOrEncodingProblem(tag); !problem.empty()) {
    return "'" + EscapeForMessage(tag) + "' " + problem +
           "; a metric tag is UTF-8 text without control characters, such as accuracy or "
           "validation/epoch_loss";
  }
  return "";
}

std::string ValidateParameterSpec(const ParameterSpec& spec) {
  std::ostringstream out;
  const std::string where = "parameter '" + spec.name + "': ";
  if (std::string problem = ParameterNameProblem(spec.name); !problem.empty()) {
    return "parameter name " + problem;
  }
  // A field of another type is refused, as the tuning.yaml loader refuses it: a structured spec
  // (CreateStudy's, an embedder's) with a DOUBLE holding categorical_values made a DOUBLE study
  // and dropped the values without a word.
  const std::string type_name = std::string(spec.type == ParameterType::kInteger ? "an " : "a ") +
                                std::string(ParameterTypeName(spec.type)) + " parameter";
  const bool ranged = spec.type == ParameterType::kDouble || spec.type == ParameterType::kInteger;
  const char* values_field =
      spec.type == ParameterType::kCategorical ? "categoricalValues" : "discreteValues";
  if (!ranged && (spec.min_value != 0 || spec.max_value != 0)) {
    return where + "minValue and maxValue are not allowed for " + type_name +
           "; list the values in " + values_field;
  }
  if (spec.type != ParameterType::kCategorical && !spec.categorical_values.empty()) {
    return where + "categoricalValues is not allowed for " + type_name +
           "; it is only for CATEGORICAL";
  }
  if (spec.type != ParameterType::kDiscrete && !spec.discrete_values.empty()) {
    return where + "discreteValues is not allowed for " + type_name + "; it is only for DISCRETE";
  }
  switch (spec.type) {
    case ParameterType::kDouble:
    case ParameterType::kInteger:
      if (!std::isfinite(spec.min_value) || !std::isfinite(spec.max_value)) {
        return where + "minValue and maxValue must be finite numbers";
      }
      if (spec.min_value >= spec.max_value) {
        out << where << "minValue (" << FormatDouble(spec.min_value)
            << ") must be less than maxValue (" << FormatDouble(spec.max_value) << ")";
        return out.str();
      }
      if (std::string problem = RangeWidthProblem(spec.min_value, spec.max_value);
          !problem.empty()) {
        return where + problem;
      }
      if (spec.type == ParameterType::kInteger && (spec.min_value != std::floor(spec.min_value) ||
                                                   spec.max_value != std::floor(spec.max_value))) {
        return where + "an INTEGER parameter needs integer minValue and maxValue";
      }
      if (spec.type == ParameterType::kInteger) {
        for (double bound : {spec.min_value, spec.max_value}) {
          if (std::string problem = IntegerBoundProblem(bound); !problem.empty()) {
            return where + problem;
          }
        }
      }
      if (IsLogScale(spec.scale) && spec.min_value <= 0) {
        out << where << ScaleTypeName(spec.scale) << " needs minValue > 0, got "
            << FormatDouble(spec.min_value) << " (use UNIT_LINEAR_SCALE, or a positive range)";
        return out.str();
      }
      return "";
    case ParameterType::kCategorical: {
      if (spec.categorical_values.empty()) return where + "CATEGORICAL needs categoricalValues";
      if (spec.categorical_values.size() > kMaxCategoricalValues) {
        out << where << "categoricalValues holds " << spec.categorical_values.size()
            << " values; at most " << kMaxCategoricalValues
            << " are allowed (each value is a dimension of the model; split the choice into "
               "several parameters, or number the values with an INTEGER parameter)";
        return out.str();
      }
      std::set<std::string> seen;
      for (const auto& value : spec.categorical_values) {
        if (std::string problem = CategoricalValueProblem(value); !problem.empty()) {
          return where + "categoricalValues: " + problem;
        }
        if (!seen.insert(value).second) {
          return where + "categoricalValues lists '" + value + "' twice; each value must be unique";
        }
      }
      if (spec.scale != ScaleType::kNone) {
        return where + "a CATEGORICAL parameter takes no scaleType (its values are not ordered)";
      }
      return "";
    }
    case ParameterType::kDiscrete: {
      const auto& values = spec.discrete_values;
      if (values.empty()) return where + "DISCRETE needs discreteValues";
      if (values.size() > kMaxDiscreteValues) {
        out << where << "discreteValues holds " << values.size() << " values; at most "
            << kMaxDiscreteValues << " are allowed (use a DOUBLE or INTEGER range)";
        return out.str();
      }
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) return where + "discreteValues must be finite numbers";
        if (i > 0 && values[i] <= values[i - 1]) {
          out << where << "discreteValues must be strictly increasing, but "
              << FormatDouble(values[i]) << " follows " << FormatDouble(values[i - 1]);
          return out.str();
        }
      }
      if (IsLogScale(spec.scale) && values.front() <= 0) {
        return where + std::string(ScaleTypeName(spec.scale)) + " needs every discrete value > 0";
      }
      return "";
    }
  }
  return where + "unknown type";
}

}  // namespace bayestune
