#include "file_system_space.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include "text_format.h"

namespace bayestune {

std::optional<FileSystemSpace> FileSystemSpaceOf(const std::filesystem::path& path) {
  struct statvfs status {};
  if (::statvfs(path.c_str(), &status) != 0) return std::nullopt;
  const bool root = ::geteuid() == 0;  // root may write the blocks and inodes kept for it
  FileSystemSpace space;
  space.free_bytes = static_cast<std::uint64_t>(root ? status.f_bfree : status.f_bavail) *
                     static_cast<std::uint64_t>(status.f_frsize);
  space.free_inodes = root ? status.f_ffree : status.f_favail;
  // A file system without inode counts (some FUSE ones, btrfs) reports 0 of 0.
  if (status.f_files == 0) space.free_inodes = UINT64_MAX;
  return space;
}

std::optional<FileSystemFull> FileSystemFullReason(const std::filesystem::path& path) {
  constexpr std::uint64_t kFullBelowBytes = std::uint64_t{64} << 10;
  // A folder that could not be made (no inode for it) is not there: its parent's file system is
  // the one that is full.
  std::filesystem::path there = path;
  std::error_code error;
  while (!std::filesystem::exists(there, error) && there.has_relative_path() &&
         there.has_parent_path() && there.parent_path() != there) {
    there = there.parent_path();
  }
  const auto space = FileSystemSpaceOf(there);
  if (!space) return std::nullopt;
  if (space->free_bytes < kFullBelowBytes) {
    return FileSystemFull{"the file system of '" + path.string() + "' is full (" +
                              FormatCount(static_cast<std::int64_t>(space->free_bytes >> 10)) +
                              " KiB free)",
                          "free some space"};
  }
  if (space->free_inodes == 0) {
    return FileSystemFull{
        "the file system of '" + path.string() + "' has no free inode (no file can be made)",
        "delete some files (df -i '" + there.string() + "' shows its inodes)"};
  }
  return std::nullopt;
}

}  // namespace bayestune
