#include "temp_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bayestune::testing {

TempDir::TempDir(const std::string& prefix) : TempDir(prefix, "") {}

TempDir::TempDir(const std::string& prefix, const std::string& preferred_base) {
  const char* root = std::getenv("BAYESTUNE_TEST_TMP");
  std::filesystem::path base = root != nullptr && *root != '\0' ? root : "/tmp";
  if (!preferred_base.empty() && access(preferred_base.c_str(), W_OK) == 0) base = preferred_base;
  std::filesystem::create_directories(base);
  std::string pattern = (base / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary folder from " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace bayestune::testing
