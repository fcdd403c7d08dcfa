#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace bayestune {

// The network filesystem that statfs(2) type `type` is (NFS, CIFS/SMB, Lustre, GPFS, CephFS,
// BeeGFS, ...), or nullopt for any other (local disks, tmpfs, overlay, FUSE).
std::optional<std::string> NetworkFilesystemOfType(long type);

// The network filesystem `path` (or its nearest existing parent) is on, or nullopt: SQLite's
// locks are not safe on such filesystems, so a study database does not belong there.
std::optional<std::string> NetworkFilesystemOf(const std::filesystem::path& path);

// Why `path` (or its nearest existing parent) is surely private to this machine, or nullopt: it
// is under /tmp, /var/tmp, /dev/shm or /run, or on a tmpfs. The trial folders of a Slurm study
// must be on a filesystem the compute nodes share.
std::optional<std::string> NodeLocalReason(const std::filesystem::path& path);

}  // namespace bayestune
