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

// Why the file system that holds `path` is full (less than 64 KiB or no file left for this user,
// root counting the blocks reserved for it), or nullopt: a trainer there cannot write its metrics
// or logs, so its failure is the disk's, not the trial's.
std::optional<std::string> FileSystemFullReason(const std::filesystem::path& path);

}  // namespace bayestune
