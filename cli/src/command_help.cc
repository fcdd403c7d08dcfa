#include "command_help.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace bayestune::cli {

CLI::App* AddCommand(CLI::App& app, const std::string& name, const std::string& summary,
                     const std::string& details, const std::string& exit_codes) {
  auto* command = app.add_subcommand(name, summary);
  std::string footer;
  if (!details.empty()) footer += details + "\n\n";
  footer += "Exit codes: " + exit_codes + ".";
  command->footer(footer);
  return command;
}

CLI::Validator NotEmpty() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return value.empty() ? "is empty (an unset shell variable?); give a value, or leave the "
                               "option out for its default"
                             : "";
      },
      "", "NOT_EMPTY");
}

namespace {

// 86400, 0.001, 1000000: as people write the bounds of a flag.
std::string BoundText(double bound) {
  std::ostringstream text;
  text.precision(15);
  text << bound;
  return text.str();
}

}  // namespace

CLI::Validator NumberIn(double min, double max, bool whole) {
  return CLI::Validator(
      [min, max, whole](std::string& value) -> std::string {
        const char* text = value.c_str();
        char* end = nullptr;
        errno = 0;
        const double number = std::strtod(text, &end);
        const bool read = !value.empty() && end == text + value.size() && errno != ERANGE;
        // strtod reads "nan", "inf" and hexadecimal: none is a value here.
        const bool plain = value.find_first_not_of("0123456789.eE+-") == std::string::npos;
        if (read && plain && std::isfinite(number) && number >= min && number <= max &&
            (!whole ||
             (std::floor(number) == number && value.find_first_of(".eE") == std::string::npos))) {
          return "";
        }
        return "'" + value + "' is not " + (whole ? "a whole number" : "a number") + " from " +
               BoundText(min) + " to " + BoundText(max);
      },
      std::string(whole ? "INT" : "FLOAT") + " in [" + BoundText(min) + " - " + BoundText(max) +
          "]",
      "NUMBER_IN");
}

}  // namespace bayestune::cli
