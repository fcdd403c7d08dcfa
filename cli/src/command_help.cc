#include "command_help.h"

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

}  // namespace bayestune::cli
