#pragma once

#include <string>

namespace bayestune::testing {

// A fresh folder of its own under $BAYESTUNE_TEST_TMP (or /tmp), removed with everything in it
// when the object goes away; tests that ctest runs at the same time never share one.
class TempFolder {
 public:
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace bayestune::testing
