#include "temp_folder.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace bayestune::testing {
namespace fs = std::filesystem;
namespace {

fs::path TestRoot() {
  const char* base = std::getenv("BAYESTUNE_TEST_TMP");
  return base != nullptr && *base != '\0' ? fs::path(base) : fs::temp_directory_path();
}

}  // namespace

TempFolder::TempFolder(Reach reach) {
  Make(reach == Reach::kAnyUser ? "/tmp" : TestRoot().string(), "test");
  if (reach == Reach::kAnyUser) {
    fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  }
}

TempFolder::TempFolder(const std::string& prefix, const std::string& preferred_base) {
  const bool preferred = !preferred_base.empty() && access(preferred_base.c_str(), W_OK) == 0;
  Make(preferred ? preferred_base : TestRoot().string(), prefix);
}

void TempFolder::Make(const std::string& root, const std::string& prefix) {
  fs::create_directories(root);
  std::string pattern = (fs::path(root) / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary folder in " + root);
  }
  path_ = pattern;
}

TempFolder::~TempFolder() {
  std::error_code error;
  // Tests make folders read-only: give the permissions back so that everything can go.
  for (auto it = fs::recursive_directory_iterator(path_, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, error);
  }
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, error);
  fs::remove_all(path_, error);
}

}  // namespace bayestune::testing
