#include "bayestune/trial_runner/gpu_slot_claims.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "bayestune/optimizer/errors.h"

namespace bayestune {

GpuSlotClaims::GpuSlotClaims(std::filesystem::path dir, int slots_per_gpu)
    : dir_(std::move(dir)), slots_per_gpu_(slots_per_gpu) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir_, error)) {
    std::filesystem::create_directories(dir_, error);
    if (error) {
      throw InvalidArgument("the GPU lock folder '" + dir_.string() + "' cannot be created (" +
                            error.message() +
                            "); set BAYESTUNE_GPU_LOCK_DIR to a folder every run can write");
    }
    ::chmod(dir_.c_str(), 01777);  // best effort: another user's runs share the folder
  }
}

GpuSlotClaims::~GpuSlotClaims() {
  for (const auto& [slot, fd] : held_)
    ::close(fd);  // closing drops the flock
}

std::filesystem::path GpuSlotClaims::DefaultDir() {
  const char* dir = std::getenv("BAYESTUNE_GPU_LOCK_DIR");
  return dir != nullptr && *dir != '\0' ? std::filesystem::path(dir)
                                        : std::filesystem::path("/tmp/bayestune-gpu-locks");
}

int GpuSlotClaims::OpenSlot(int gpu, int slot) const {
  const std::filesystem::path path =
      dir_ / ("gpu-" + std::to_string(gpu) + ".slot-" + std::to_string(slot) + ".lock");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // another user's file
  if (fd >= 0) ::fchmod(fd, 0666);                              // best effort, past the umask
  return fd;
}

int GpuSlotClaims::Claimable(int gpu) const {
  int claimable = 0;
  for (int slot = 0; slot < slots_per_gpu_; ++slot) {
    if (held_.count({gpu, slot}) > 0) continue;
    const int fd = OpenSlot(gpu, slot);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ++claimable;  // closing releases it
    ::close(fd);
  }
  return claimable;
}

bool GpuSlotClaims::Claim(int gpu) {
  for (int slot = 0; slot < slots_per_gpu_; ++slot) {
    if (held_.count({gpu, slot}) > 0) continue;
    const int fd = OpenSlot(gpu, slot);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      held_[{gpu, slot}] = fd;
      return true;
    }
    ::close(fd);
  }
  return false;
}

void GpuSlotClaims::Release(int gpu) {
  for (auto it = held_.begin(); it != held_.end(); ++it) {
    if (it->first.first == gpu) {
      ::close(it->second);
      held_.erase(it);
      return;
    }
  }
}

}  // namespace bayestune
