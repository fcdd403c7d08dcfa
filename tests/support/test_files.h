#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>

namespace bayestune::testing {

// A fresh folder under BAYESTUNE_TEST_TMP (else the system's temporary folder), its name starting
// with `name`: unique across the test processes that ctest runs in parallel. Left in place.
std::filesystem::path MakeTempDir(const std::string& name);

// The whole file ("" when it cannot be read).
std::string ReadFile(const std::filesystem::path& path);

// Writes `text` to `path`, replacing what was there; `executable`: mode 0755. Throws
// std::runtime_error when it cannot.
void WriteFile(const std::filesystem::path& path, const std::string& text, bool executable = false);

// Polls `condition` every 10 ms until it holds or `seconds` pass; returns whether it held.
bool WaitFor(const std::function<bool()>& condition, double seconds = 30);

// Whether a process is gone, or a zombie waiting for its parent.
bool ProcessGone(pid_t pid);

}  // namespace bayestune::testing
