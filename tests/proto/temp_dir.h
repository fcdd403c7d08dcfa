#pragma once

#include <string>

namespace bayestune::testing {

// A fresh folder under $BAYESTUNE_TEST_TMP (or /tmp), removed with everything in it at the end
// of the test. Its name starts with `prefix`; ctest runs tests in parallel, so each gets its own.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  // Under `base` instead, when it is a folder this process may write; else as above.
  TempDir(const std::string& prefix, const std::string& base);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `text` to `path`, replacing what was there.
void WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

}  // namespace bayestune::testing
