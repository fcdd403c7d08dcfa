#include "filesystem_kind.h"

#include <sys/vfs.h>

#include <algorithm>
#include <array>
#include <utility>

namespace bayestune {
namespace {

// statfs's f_type of the filesystems several machines share (linux/magic.h and the filesystems'
// own sources).
constexpr std::array<std::pair<unsigned long, const char*>, 11> kNetworkFilesystems = {{
    {0x6969UL, "NFS"},
    {0x517BUL, "SMB"},
    {0xFF534D42UL, "CIFS"},
    {0xFE534D42UL, "SMB2"},
    {0x0BD00BD0UL, "Lustre"},
    {0x47504653UL, "GPFS"},
    {0x00C36400UL, "CephFS"},
    {0x19830326UL, "BeeGFS"},
    {0x564C0000UL, "AFS"},  // kAFS; OpenAFS uses 0x5346414F
    {0x5346414FUL, "AFS"},
    {0x013111A8UL, "IBRIX"},
}};

constexpr unsigned long kTmpfs = 0x01021994UL;

// statfs of `path`, or of its nearest existing parent.
bool StatNearest(std::filesystem::path path, struct statfs& info) {
  for (;;) {
    if (statfs(path.c_str(), &info) == 0) return true;
    if (!path.has_parent_path() || path.parent_path() == path) return false;
    path = path.parent_path();
  }
}

}  // namespace

std::optional<std::string> NetworkFilesystemOfType(long type) {
  const unsigned long magic = static_cast<unsigned long>(type) & 0xFFFFFFFFUL;
  for (const auto& [value, name] : kNetworkFilesystems) {
    if (magic == value) return name;
  }
  return std::nullopt;
}

std::optional<std::string> NetworkFilesystemOf(const std::filesystem::path& path) {
  struct statfs info {};
  std::error_code error;
  if (!StatNearest(std::filesystem::absolute(path, error), info)) return std::nullopt;
  return NetworkFilesystemOfType(static_cast<long>(info.f_type));
}

std::optional<std::string> NodeLocalReason(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::weakly_canonical(path, error);
  const std::filesystem::path& checked = error ? path : absolute;
  for (const char* local : {"/tmp", "/var/tmp", "/dev/shm", "/run"}) {
    const std::filesystem::path prefix(local);
    auto [end, unused] =
        std::mismatch(prefix.begin(), prefix.end(), checked.begin(), checked.end());
    (void)unused;
    if (end == prefix.end()) return "it is under " + std::string(local);
  }
  struct statfs info {};
  if (StatNearest(checked, info) &&
      (static_cast<unsigned long>(info.f_type) & 0xFFFFFFFFUL) == kTmpfs) {
    return "it is on a tmpfs (memory of this machine)";
  }
  return std::nullopt;
}

}  // namespace bayestune
