#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace bayestune {

// What a process of this user may still write on the file system that holds `path`.
struct FileSystemSpace {
  std::uint64_t free_bytes = 0;
  std::uint64_t free_inodes = 0;
};
std::optional<FileSystemSpace> FileSystemSpaceOf(const std::filesystem::path& path);

// Why the file system that holds `path` (or, when `path` is not there, its nearest folder that
// is) is full (less than 64 KiB or no file left for this user, root counting the blocks reserved
// for it), and what to do, or nullopt: a trainer there cannot write its metrics or logs, so its
// failure is the disk's, not the trial's.
struct FileSystemFull {
  std::string reason;  // "the file system of '/x/trial-3' is full (0 KiB free)"
  std::string advice;  // "free some space"; "delete some files (df -i '/x/trial-3')" for inodes
};
std::optional<FileSystemFull> FileSystemFullReason(const std::filesystem::path& path);

}  // namespace bayestune
