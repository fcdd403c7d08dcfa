#include "slot_claims.h"

#include <sys/file.h>
#include <unistd.h>

#include "bayestune/optimizer/errors.h"

namespace bayestune {
namespace {

std::string SlotFileName(const std::string& resource, int slot) {
  return resource + ".slot-" + std::to_string(slot) + ".lock";
}

}  // namespace

SlotClaims::SlotClaims(const std::filesystem::path& dir, int slots_per_resource)
    : folder_(LockFolder::Open(dir)), slots_per_resource_(slots_per_resource) {}

SlotClaims::~SlotClaims() {
  for (const auto& [slot, fd] : held_)
    ::close(fd);  // closing drops the flock
}

int SlotClaims::OpenSlot(const std::string& resource, int slot) const {
  const std::string name = SlotFileName(resource, slot);
  std::string problem;
  const int fd = folder_.OpenLockFile(name, problem);
  if (fd < 0 && reported_.insert(name).second) problems_.push_back(problem);
  return fd;
}

void SlotClaims::Check(const std::string& resource) const {
  for (int slot = 0; slot < slots_per_resource_; ++slot) {
    std::string problem;
    const int fd = folder_.OpenLockFile(SlotFileName(resource, slot), problem);
    if (fd < 0) throw InvalidArgument(problem);
    ::close(fd);
  }
}

std::vector<std::string> SlotClaims::TakeProblems() {
  return std::exchange(problems_, {});
}

int SlotClaims::Claimable(const std::string& resource, int most) const {
  int claimable = 0;
  for (int slot = 0; slot < slots_per_resource_ && claimable < most; ++slot) {
    if (held_.count({resource, slot}) > 0) continue;
    const int fd = OpenSlot(resource, slot);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ++claimable;  // closing releases it
    ::close(fd);
  }
  return claimable;
}

bool SlotClaims::Claim(const std::string& resource) {
  for (int slot = 0; slot < slots_per_resource_; ++slot) {
    if (held_.count({resource, slot}) > 0) continue;
    const int fd = OpenSlot(resource, slot);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      held_[{resource, slot}] = fd;
      return true;
    }
    ::close(fd);
  }
  return false;
}

void SlotClaims::Release(const std::string& resource) {
  for (auto it = held_.begin(); it != held_.end(); ++it) {
    if (it->first.first == resource) {
      ::close(it->second);
      held_.erase(it);
      return;
    }
  }
}

}  // namespace bayestune
