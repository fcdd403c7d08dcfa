#pragma once

#include <string>

namespace bayestune::testing {

// A fresh folder of its own under $BAYESTUNE_TEST_TMP (or the system's temporary folder), removed
// with everything in it when the object goes away (read-only files and folders too); tests that
// ctest runs at the same time never share one.
class TempFolder {
 public:
  // kAnyUser: under /tmp and open to everyone (0755), for tests that run a process as another
  // user, which could not reach a folder under a private home or build folder.
  enum class Reach { kThisUser, kAnyUser };
  explicit TempFolder(Reach reach = Reach::kThisUser);
  // Its name starts with `prefix`; under `preferred_base` instead when this process may write
  // there (such as /dev/shm, for tests that measure fsync-free speed).
  explicit TempFolder(const std::string& prefix, const std::string& preferred_base = "");
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  void Make(const std::string& root, const std::string& prefix);

  std::string path_;
};

}  // namespace bayestune::testing
