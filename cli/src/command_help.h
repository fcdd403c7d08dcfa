#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace bayestune::cli {

// Adds a subcommand. `summary`, one short sentence, is what `bayestune --help` lists; the
// command's own --help shows it, then its usage and options, then `details` (more sentences,
// examples) and the exit codes it may return (`exit_codes`, such as "0 done, 1 failed, ...").
CLI::App* AddCommand(CLI::App& app, const std::string& name, const std::string& summary,
                     const std::string& details, const std::string& exit_codes);

}  // namespace bayestune::cli
