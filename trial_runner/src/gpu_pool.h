#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slot_claims.h"

namespace bayestune {

// The GPUs a runner may hand to trials, and which are busy. Each GPU takes up to `trialsPerGpu`
// trials at once; each trial takes `gpusPerTrial` distinct GPUs. With no GPU (or gpusPerTrial 0)
// trials run on the CPU, at most `cpu_slots` at once. Not thread-safe: the runner's loop owns it.
class GpuPool {
 public:
  // Throws InvalidArgument naming the runner field when the ids are negative or repeated,
  // gpusPerTrial is negative or larger than the number of GPUs, trialsPerGpu or cpu_slots < 1.
  GpuPool(std::vector<int> gpu_ids, int gpus_per_trial, int trials_per_gpu, int cpu_slots);

  // From now on a slot (of a GPU, or a CPU trial slot) is handed out only when it can also be
  // claimed machine-wide, so that other bayestune processes on this machine are counted too
  // (FreeSlots, Acquire, Release). `claims` has trialsPerGpu slots per GPU, or, for CPU trials,
  // cpu_slots slots of SlotClaims::kCpuResource.
  void ShareWithOtherProcesses(std::shared_ptr<SlotClaims> claims) { claims_ = std::move(claims); }
  // The resources whose slots this pool claims: "gpu-<id>" of each GPU, or "cpu".
  std::vector<std::string> ClaimedResources() const;

  // Whether trials run on the CPU (no GPU given, or gpusPerTrial 0).
  bool cpu_only() const { return cpu_only_; }
  const std::vector<int>& gpu_ids() const { return ids_; }
  // Trials that fit at once when nothing runs.
  int Capacity() const;
  // Trials that could start now.
  int FreeSlots() const;
  // The GPUs for one more trial (empty for a CPU trial), or nullopt when none fits (also when
  // another process claimed a GPU since FreeSlots counted it). Picks the
  // least loaded GPUs, and among equally loaded ones the one idle longest, so that every GPU gets
  // used and load spreads evenly.
  std::optional<std::vector<int>> Acquire();
  // Gives back what Acquire returned.
  void Release(const std::vector<int>& gpus);

 private:
  std::vector<std::size_t> PickGpus(const std::vector<int>& free) const;
  // free_, less what other processes hold now.
  std::vector<int> FreeNow() const;

  std::vector<int> ids_;
  int gpus_per_trial_;
  int trials_per_gpu_;
  int cpu_slots_;
  bool cpu_only_;
  std::vector<int> free_;             // per GPU (index into ids_): trials it can still take
  std::vector<std::uint64_t> stamp_;  // per GPU: when it was last handed out or given back
  std::uint64_t clock_ = 0;
  int cpu_running_ = 0;
  std::shared_ptr<SlotClaims> claims_;
};

}  // namespace bayestune
