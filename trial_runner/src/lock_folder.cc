#include "lock_folder.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "bayestune/optimizer/errors.h"

namespace bayestune {
namespace {

// "user alice (uid 1000)", or "uid 1000" when the uid has no name.
std::string DescribeUser(uid_t uid) {
  passwd entry{};
  passwd* found = nullptr;
  char buffer[1024];
  const std::string number = "uid " + std::to_string(uid);
  if (getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) {
    return "user " + std::string(found->pw_name) + " (" + number + ")";
  }
  return number;
}

// Without trailing slashes, with which open(2) would follow a final symbolic link even with
// O_NOFOLLOW.
std::filesystem::path WithoutTrailingSlash(const std::filesystem::path& dir) {
  std::string text = dir.string();
  while (text.size() > 1 && text.back() == '/')
    text.pop_back();
  return text;
}

constexpr const char* kWhatToDo =
    "; set BAYESTUNE_GPU_LOCK_DIR to a folder of your own, or to the machine's shared one (made "
    "by root: install -d -m 1777 DIR; see docs/runner.md)";

}  // namespace

std::filesystem::path LockFolder::DefaultPath() {
  const char* dir = std::getenv("BAYESTUNE_GPU_LOCK_DIR");
  if (dir != nullptr && *dir != '\0') return dir;
  return "/tmp/bayestune-gpu-locks-" + std::to_string(geteuid());
}

LockFolder LockFolder::Open(const std::filesystem::path& requested) {
  const std::filesystem::path dir = WithoutTrailingSlash(requested);
  const std::string name = "the slot lock folder '" + dir.string() + "'";
  constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(dir.c_str(), kFlags);
  if (fd < 0 && errno == ENOENT) {
    std::error_code error;
    if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), error);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      throw InvalidArgument(name + " cannot be created: " + std::strerror(errno) + kWhatToDo);
    }
    fd = ::open(dir.c_str(), kFlags);
  }
  if (fd < 0) {
    const int error = errno;
    struct stat link {};
    if (error == ELOOP || (::lstat(dir.c_str(), &link) == 0 && S_ISLNK(link.st_mode))) {
      throw InvalidArgument(name +
                            " is a symbolic link; bayestune follows no link there (another "
                            "user may have planted it): give the folder's own path" +
                            kWhatToDo);
    }
    if (error == ENOTDIR) throw InvalidArgument(name + " is not a folder" + kWhatToDo);
    throw InvalidArgument(name + " cannot be opened: " + std::strerror(error) + kWhatToDo);
  }
  LockFolder folder(dir, fd);
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    throw InvalidArgument(name + " cannot be read: " + std::strerror(errno) + kWhatToDo);
  }
  const uid_t self = ::geteuid();
  if (status.st_uid != self && status.st_uid != 0) {
    throw InvalidArgument(name + " belongs to " + DescribeUser(status.st_uid) + ", not to " +
                          DescribeUser(self) +
                          "; bayestune uses only a lock folder of its own user or of root, so "
                          "that nobody else can plant files in it" +
                          kWhatToDo);
  }
  if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (status.st_mode & S_ISVTX) == 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
    throw InvalidArgument(name + " (mode " + mode +
                          ") may be written by other users and has no sticky bit, so they could "
                          "replace its lock files; make it private (chmod 700) or shared like "
                          "/tmp (chmod 1777, by root)" +
                          kWhatToDo);
  }
  return folder;
}

LockFolder::LockFolder(LockFolder&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

LockFolder& LockFolder::operator=(LockFolder&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

LockFolder::~LockFolder() {
  if (fd_ >= 0) ::close(fd_);
}

int LockFolder::OpenLockFile(const std::string& name, std::string& problem) const {
  const std::string file = "the lock file '" + (path_ / name).string() + "'";
  for (int attempt = 0; attempt < 3; ++attempt) {
    // A new file is this process's own: only then is its mode set (past the umask).
    int fd =
        ::openat(fd_, name.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::fchmod(fd, 0644);
      return fd;
    }
    if (errno != EEXIST) {
      problem = file + " cannot be made: " + std::strerror(errno);
      return -1;
    }
    // Someone's file (this user's earlier runs, or another user's in a shared folder): opened
    // as it is, never followed, never changed. O_NONBLOCK: a FIFO planted there does not block.
    fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // removed meanwhile: make it
      problem = errno == ELOOP ? file +
                                     " is a symbolic link, which bayestune never follows (another "
                                     "user may have planted it); remove it"
                               : file + " cannot be opened: " + std::strerror(errno) +
                                     "; remove it (another user's file?)";
      return -1;
    }
    struct stat status {};
    std::string why;
    if (::fstat(fd, &status) != 0) {
      why = " cannot be read: " + std::string(std::strerror(errno));
    } else if (!S_ISREG(status.st_mode)) {
      why = " is not a plain file, so it is not one bayestune made; remove it";
    } else if (status.st_nlink != 1) {
      why = " has other hard links, so it is not one bayestune made; remove it";
    }
    if (!why.empty()) {
      problem = file + why;
      ::close(fd);
      return -1;
    }
    return fd;
  }
  problem = file + " keeps disappearing while it is opened";
  return -1;
}

}  // namespace bayestune
