#pragma once

#include <filesystem>
#include <map>

namespace bayestune {

// Tells the runner when a running trial's folder changed, so that it reads the trial's metrics on
// change instead of once a second: with fast epochs an early-stopping rule must see a rung's value
// before the trial is far past it. Linux inotify on the folder and its subfolders (an event file
// may be written under logs/train/...), added as they appear, at most kMaxWatches of them; the
// trainer's stdout.log and stderr.log do not count as changes. Where inotify is unavailable (no
// more instances or watches, another OS) fd() is -1 and the runner's timed reading is all there
// is: the fallback. Internal to the runner.
class TrialFolderWatcher {
 public:
  static constexpr int kMaxWatches = 64;

  explicit TrialFolderWatcher(const std::filesystem::path& dir);
  ~TrialFolderWatcher();
  TrialFolderWatcher(const TrialFolderWatcher&) = delete;
  TrialFolderWatcher& operator=(const TrialFolderWatcher&) = delete;

  // The descriptor to poll for POLLIN; -1 when not watching (read on the timer only).
  int fd() const { return fd_; }
  bool watching() const { return fd_ >= 0; }
  // Reads what inotify queued, without blocking; true when a file under the folder was written,
  // created or moved in since the last call. Watches new subfolders.
  bool TakeChanges();

 private:
  void Watch(const std::filesystem::path& dir, int depth);

  int fd_ = -1;
  std::map<int, std::pair<std::filesystem::path, int>> watches_;  // descriptor -> folder, depth
};

}  // namespace bayestune
