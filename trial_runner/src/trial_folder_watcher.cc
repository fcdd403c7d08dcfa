#include "trial_folder_watcher.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string_view>
#include <system_error>

namespace bayestune {
namespace {

constexpr int kMaxDepth = 4;  // trial-1/logs/train/... is deep enough
constexpr std::uint32_t kEvents =
    IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF;

// The trainer's own output: written all the time, never a metric.
bool IsLog(std::string_view name) {
  return name == "stdout.log" || name == "stderr.log";
}

}  // namespace

TrialFolderWatcher::TrialFolderWatcher(const std::filesystem::path& dir) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) return;  // out of instances: timed reading only
  Watch(dir, 0);
  if (watches_.empty()) {
    close(fd_);
    fd_ = -1;
  }
}

TrialFolderWatcher::~TrialFolderWatcher() {
  if (fd_ >= 0) close(fd_);
}

void TrialFolderWatcher::Watch(const std::filesystem::path& dir, int depth) {
  if (depth > kMaxDepth || static_cast<int>(watches_.size()) >= kMaxWatches) return;
  const int wd = inotify_add_watch(fd_, dir.c_str(), kEvents | IN_ONLYDIR);
  if (wd < 0) return;
  watches_[wd] = {dir, depth};
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    std::error_code type_error;
    if (entry.is_directory(type_error) && !entry.is_symlink(type_error)) {
      Watch(entry.path(), depth + 1);
    }
  }
}

bool TrialFolderWatcher::TakeChanges() {
  if (fd_ < 0) return false;
  bool changed = false;
  alignas(inotify_event) std::array<char, 8192> buffer;
  for (;;) {
    const ssize_t n = read(fd_, buffer.data(), buffer.size());
    if (n <= 0) break;  // EAGAIN: nothing more queued
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      const std::string_view name = event->len > 0 ? std::string_view(event->name) : "";
      const auto watch = watches_.find(event->wd);
      if (event->mask & (IN_IGNORED | IN_DELETE_SELF)) {
        if (watch != watches_.end()) watches_.erase(watch);
        continue;
      }
      if (watch == watches_.end()) continue;
      if ((event->mask & IN_ISDIR) && (event->mask & (IN_CREATE | IN_MOVED_TO))) {
        // A new subfolder: files may already be in it.
        Watch(watch->second.first / std::string(name), watch->second.second + 1);
        changed = true;
        continue;
      }
      if (!IsLog(name)) changed = true;
    }
  }
  return changed;
}

}  // namespace bayestune
