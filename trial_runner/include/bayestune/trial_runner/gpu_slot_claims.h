#pragma once

#include <filesystem>
#include <map>
#include <utility>

namespace bayestune {

// Machine-wide claims on GPU slots, so that separate bayestune processes on one machine (two runs,
// a run and a worker) never put more trials on a GPU than their trialsPerGpu. A claim is an flock
// on <dir>/gpu-<id>.slot-<k>.lock, k < slots_per_gpu: the kernel drops it when the process ends,
// however it ends, so a crash leaves no stale claim. Not thread-safe: the runner's loop owns it.
class GpuSlotClaims {
 public:
  // Creates `dir` when missing (mode 1777, as /tmp, so that every user's runs share it). Throws
  // InvalidArgument naming the folder when it cannot.
  GpuSlotClaims(std::filesystem::path dir, int slots_per_gpu);
  ~GpuSlotClaims();  // releases every claim
  GpuSlotClaims(const GpuSlotClaims&) = delete;
  GpuSlotClaims& operator=(const GpuSlotClaims&) = delete;

  // How many more slots of `gpu` this process could claim now.
  int Claimable(int gpu) const;
  // Claims one slot of `gpu`; false when other processes (or this one) hold them all.
  bool Claim(int gpu);
  // Releases one claim of `gpu` that Claim made.
  void Release(int gpu);

  // $BAYESTUNE_GPU_LOCK_DIR, else /tmp/bayestune-gpu-locks.
  static std::filesystem::path DefaultDir();

 private:
  // An open descriptor of the slot's lock file, or -1.
  int OpenSlot(int gpu, int slot) const;

  std::filesystem::path dir_;
  int slots_per_gpu_;
  std::map<std::pair<int, int>, int> held_;  // (gpu, slot) -> the locked descriptor
};

}  // namespace bayestune
