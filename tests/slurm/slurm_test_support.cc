#include "slurm_test_support.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bayestune::testing {

std::vector<std::string> SplitNul(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\0', start);
    if (end == std::string::npos) break;
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string TestTrainer() {
  return BAYESTUNE_SLURM_TEST_TRAINER;
}

std::string JobProgram() {
  return BAYESTUNE_JOB_PROGRAM;
}

std::vector<std::string> HostileArguments(const std::filesystem::path& marker) {
  const std::string m = marker.string();
  return {"--lr=0.1",           "two words",         "--name=it's \"quoted\"",      "a;touch " + m,
          "$(touch " + m + ")", "`touch " + m + "`", "line one\nline two",          "*",
          "tab\there",          "back\\slash",       "--unicode=\xc3\xa9t\xc3\xa9", "",
          "--dollar=$HOME"};
}

}  // namespace bayestune::testing
