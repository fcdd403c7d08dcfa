#include "temp_folder.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace bayestune::testing {

namespace fs = std::filesystem;

TempFolder::TempFolder(Reach reach) {
  const char* base = std::getenv("BAYESTUNE_TEST_TMP");
  const fs::path root = reach == Reach::kAnyUser           ? fs::path("/tmp")
                        : base != nullptr && *base != '\0' ? fs::path(base)
                                                           : fs::temp_directory_path();
  fs::create_directories(root);
  std::string pattern = (root / "store-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary folder in " + root.string());
  }
  path_ = buffer.data();
  if (reach == Reach::kAnyUser) {
    fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  }
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
