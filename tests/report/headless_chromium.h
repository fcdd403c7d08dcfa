#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bayestune::testing {

// How a program run by RunProgram ended and what it printed.
struct ProgramResult {
  int exit_code = -1;  // -1 when killed by a signal
  bool timed_out = false;
  std::string out;
  std::string err;
};

// The whole content of a file ("" when it cannot be read).
std::string ReadWholeFile(const std::string& path);

// Runs `argv` (argv[0] a path) in a process group of its own, its output captured in
// `capture_prefix`.out and .err; kills the group when it runs past `timeout_seconds`.
ProgramResult RunProgram(const std::vector<std::string>& argv, const std::string& capture_prefix,
                         int timeout_seconds = 120);

// Debian's headless-capable Chromium (`chromium` on PATH), or nullopt.
std::optional<std::string> FindChromium();

// What headless Chromium made of a page.
struct ChromiumPage {
  ProgramResult run;
  std::string dom;                            // the DOM after load, as --dump-dom prints it
  std::vector<std::string> console_messages;  // every console line Chromium logged
};

// Loads a local HTML file in headless Chromium (--headless --no-sandbox --disable-gpu, no
// network, a fresh profile under `work_folder`), dumps the DOM after the load event and, when
// `screenshot` is given, saves a PNG of a `width` x `height` window. Chromium logs every console
// message of the page (console.log/error, uncaught exceptions, blocked loads, CSP violations) to
// stderr with --enable-logging=stderr; those lines are collected in console_messages.
ChromiumPage LoadInChromium(const std::string& chromium, const std::string& html_file,
                            const std::string& work_folder,
                            const std::optional<std::string>& screenshot = std::nullopt,
                            int width = 1280, int height = 900);

}  // namespace bayestune::testing
