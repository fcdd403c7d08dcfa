#include "gpu_pool.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <string>

#include "bayestune/optimizer/errors.h"

namespace bayestune {

GpuPool::GpuPool(std::vector<int> gpu_ids, int gpus_per_trial, int trials_per_gpu, int cpu_slots)
    : ids_(std::move(gpu_ids)),
      gpus_per_trial_(gpus_per_trial),
      trials_per_gpu_(trials_per_gpu),
      cpu_slots_(cpu_slots),
      cpu_only_(ids_.empty() || gpus_per_trial == 0) {
  std::set<int> seen;
  for (int id : ids_) {
    if (id < 0) {
      throw InvalidArgument("runner.gpus: GPU ids are 0 or more, got " + std::to_string(id));
    }
    if (!seen.insert(id).second) {
      throw InvalidArgument("runner.gpus: GPU " + std::to_string(id) +
                            " is listed twice; list each GPU once");
    }
  }
  if (gpus_per_trial < 0) {
    throw InvalidArgument("runner.gpusPerTrial must be 0 (CPU-only trials) or more, got " +
                          std::to_string(gpus_per_trial));
  }
  if (trials_per_gpu < 1) {
    throw InvalidArgument("runner.trialsPerGpu must be at least 1, got " +
                          std::to_string(trials_per_gpu));
  }
  if (cpu_slots < 1) {
    throw InvalidArgument("runner.cpuTrials must be at least 1, got " + std::to_string(cpu_slots));
  }
  if (!ids_.empty() && gpus_per_trial > static_cast<int>(ids_.size())) {
    throw InvalidArgument("runner.gpusPerTrial is " + std::to_string(gpus_per_trial) +
                          " but only " + std::to_string(ids_.size()) +
                          " GPU(s) are available; use at most " + std::to_string(ids_.size()) +
                          " or give more GPUs in runner.gpus");
  }
  free_.assign(ids_.size(), trials_per_gpu_);
  stamp_.assign(ids_.size(), 0);
}

std::vector<std::size_t> GpuPool::PickGpus(const std::vector<int>& free) const {
  std::vector<std::size_t> order(ids_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (free[a] != free[b]) return free[a] > free[b];
    return stamp_[a] < stamp_[b];
  });
  order.resize(static_cast<std::size_t>(gpus_per_trial_));
  for (std::size_t i : order) {
    if (free[i] <= 0) return {};
  }
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return ids_[a] < ids_[b]; });
  return order;
}

std::vector<std::string> GpuPool::ClaimedResources() const {
  if (cpu_only_) return {SlotClaims::kCpuResource};
  std::vector<std::string> resources;
  for (int id : ids_)
    resources.push_back(SlotClaims::GpuResource(id));
  return resources;
}

int GpuPool::Capacity() const {
  if (cpu_only_) return cpu_slots_;
  return static_cast<int>(ids_.size()) * trials_per_gpu_ / gpus_per_trial_;
}

std::vector<int> GpuPool::FreeNow() const {
  std::vector<int> free = free_;
  if (claims_) {
    for (std::size_t i = 0; i < ids_.size(); ++i) {
      if (free[i] > 0) {
        free[i] = std::min(free[i], claims_->Claimable(SlotClaims::GpuResource(ids_[i]), free[i]));
      }
    }
  }
  return free;
}

int GpuPool::FreeSlots() const {
  if (cpu_only_) {
    const int free = cpu_slots_ - cpu_running_;
    if (!claims_ || free <= 0) return free;
    return std::min(free, claims_->Claimable(SlotClaims::kCpuResource, free));
  }
  std::vector<int> free = FreeNow();
  int slots = 0;
  for (;;) {
    std::vector<std::size_t> pick = PickGpus(free);
    if (pick.empty()) return slots;
    for (std::size_t i : pick)
      --free[i];
    ++slots;
  }
}

std::optional<std::vector<int>> GpuPool::Acquire() {
  if (cpu_only_) {
    if (cpu_running_ >= cpu_slots_) return std::nullopt;
    if (claims_ && !claims_->Claim(SlotClaims::kCpuResource)) return std::nullopt;
    ++cpu_running_;
    return std::vector<int>{};
  }
  std::vector<std::size_t> pick = PickGpus(FreeNow());
  if (pick.empty()) return std::nullopt;
  if (claims_) {
    std::vector<int> claimed;
    for (std::size_t i : pick) {
      if (!claims_->Claim(SlotClaims::GpuResource(ids_[i]))) {
        for (int id : claimed)
          claims_->Release(SlotClaims::GpuResource(id));
        return std::nullopt;
      }
      claimed.push_back(ids_[i]);
    }
  }
  std::vector<int> gpus;
  for (std::size_t i : pick) {
    --free_[i];
    stamp_[i] = ++clock_;
    gpus.push_back(ids_[i]);
  }
  return gpus;
}

void GpuPool::Release(const std::vector<int>& gpus) {
  if (cpu_only_) {
    if (cpu_running_ > 0) {
      --cpu_running_;
      if (claims_) claims_->Release(SlotClaims::kCpuResource);
    }
    return;
  }
  for (int id : gpus) {
    auto it = std::find(ids_.begin(), ids_.end(), id);
    if (it == ids_.end()) continue;
    const auto i = static_cast<std::size_t>(it - ids_.begin());
    if (free_[i] < trials_per_gpu_) ++free_[i];
    stamp_[i] = ++clock_;
    if (claims_) claims_->Release(SlotClaims::GpuResource(id));
  }
}

}  // namespace bayestune
