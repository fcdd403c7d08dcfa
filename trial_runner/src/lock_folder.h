#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace bayestune {

// The folder where the bayestune processes of one machine claim trial slots with flocks
// (SlotClaims), opened so that nobody else can turn the claims against this process: it never
// follows a symbolic link (the folder's own name or a lock file's), never changes a file it did
// not create, and refuses a folder that another user owns (root excepted) or that others may write
// to without the sticky bit. A process of any user, root included, may use it safely.
class LockFolder {
 public:
  // Opens `dir`, creating it (mode 0700, parents as needed) when missing. Throws InvalidArgument
  // naming the folder and saying what to do when it is a link, not a folder, another user's, or
  // writable by others without the sticky bit.
  static LockFolder Open(const std::filesystem::path& dir);

  // $BAYESTUNE_GPU_LOCK_DIR when set (a folder shared by every user of a GPU machine, made by
  // root with mode 1777), else /tmp/bayestune-gpu-locks-<uid>: this user's own.
  static std::filesystem::path DefaultPath();

  LockFolder(LockFolder&& other) noexcept;
  LockFolder& operator=(LockFolder&& other) noexcept;
  LockFolder(const LockFolder&) = delete;
  LockFolder& operator=(const LockFolder&) = delete;
  ~LockFolder();

  const std::filesystem::path& path() const { return path_; }

  // A read-only descriptor of the lock file `name` in the folder, made (mode 0644, so that other
  // users of a shared folder can lock it too) when missing: an flock needs no more. A file that is
  // a symbolic link, not a regular file, or has other hard links is not opened: the result is -1
  // and `problem` says why and what to do. So is one that cannot be opened.
  int OpenLockFile(const std::string& name, std::string& problem) const;

 private:
  LockFolder(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::filesystem::path path_;
  int fd_ = -1;  // the folder, opened O_DIRECTORY | O_NOFOLLOW
};

}  // namespace bayestune
