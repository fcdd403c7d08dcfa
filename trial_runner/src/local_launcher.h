#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bayestune/trial_runner/gpu_detection.h"
#include "bayestune/trial_runner/trial_launcher.h"
#include "gpu_pool.h"
#include "slot_claims.h"

namespace bayestune {

// Runs trials as processes of this machine: each a TrialProcess (the trainer under a keeper of
// its own, so that its whole tree dies with the runner), on GPUs of a GpuPool whose slots are
// claimed machine-wide (SlotClaims), so that the runs and workers of this machine together stay
// within trialsPerGpu per GPU and runner.cpuTrials CPU trials.
class LocalLauncher : public TrialLauncher {
 public:
  // `lock_dir`: where slots are claimed; empty: LockFolder::DefaultPath().
  LocalLauncher(std::string gpus_source, std::string lock_dir, GpuDetectionOptions detection);

  LauncherStart Start(const std::string& study, const RunnerSpec& runner, const StudySpec& spec,
                      const std::filesystem::path& job_dir, const WarnFunction& warn) override;
  int FreeSlots(int running) override;
  std::optional<std::vector<int>> Acquire() override;
  void Release(const std::vector<int>& gpus) override;
  std::unique_ptr<LaunchedTrial> Launch(const TrialLaunchRequest& request) override;
  double PollSeconds() const override { return 0.01; }  // for kernels without a pidfd

 private:
  // Warns (once, through warn_) about ids of an explicit GPU list that detection does not find.
  void WarnAboutAbsentGpus(const std::vector<int>& gpus) const;
  void WarnOfSlotProblems();

  std::string gpus_source_;
  std::string lock_dir_;
  GpuDetectionOptions detection_;
  WarnFunction warn_;
  std::unique_ptr<GpuPool> pool_;
  std::shared_ptr<SlotClaims> claims_;
  int max_running_ = 1;
  bool waiting_for_gpus_ = false;  // said once while every GPU slot is held elsewhere
  bool sharing_said_ = false;      // said once that other processes hold some of the slots
};

}  // namespace bayestune
