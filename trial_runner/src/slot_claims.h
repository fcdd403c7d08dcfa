#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lock_folder.h"

namespace bayestune {

// Machine-wide claims on trial slots, so that separate bayestune processes on one machine (two
// runs, a run and a worker) never put more trials on a GPU than their trialsPerGpu, nor run more
// CPU trials than their runner.cpuTrials. A resource ("gpu-3", "cpu") has `slots_per_resource`
// slots; a claim is an flock on <folder>/<resource>.slot-<k>.lock: the kernel drops it when the
// process ends, however it ends, so a crash leaves no stale claim. A slot whose file cannot be
// used safely (LockFolder::OpenLockFile) counts as held elsewhere, and the problem is kept for
// TakeProblems. Not thread-safe: the runner's loop owns it.
class SlotClaims {
 public:
  // Opens `dir` with LockFolder::Open, which throws InvalidArgument naming the folder when it is
  // not safe to use.
  SlotClaims(const std::filesystem::path& dir, int slots_per_resource);
  ~SlotClaims();  // releases every claim
  SlotClaims(const SlotClaims&) = delete;
  SlotClaims& operator=(const SlotClaims&) = delete;

  static std::string GpuResource(int gpu) { return "gpu-" + std::to_string(gpu); }
  static constexpr const char* kCpuResource = "cpu";

  // How many more slots of `resource` this process could claim now, counting up to `most`.
  int Claimable(const std::string& resource, int most) const;
  // Claims one slot of `resource`; false when other processes (or this one) hold them all.
  bool Claim(const std::string& resource);
  // Releases one claim of `resource` that Claim made.
  void Release(const std::string& resource);

  // Opens every slot file of `resource` now (making the missing ones); throws InvalidArgument
  // with the first problem (a planted link, another user's unreadable file), so that a run says
  // so before it starts rather than waiting for a slot that never frees.
  void Check(const std::string& resource) const;
  // The problems met since the last call, each file's once.
  std::vector<std::string> TakeProblems();

  const std::filesystem::path& dir() const { return folder_.path(); }

 private:
  // An open descriptor of the slot's lock file, or -1 (the problem is kept).
  int OpenSlot(const std::string& resource, int slot) const;

  LockFolder folder_;
  int slots_per_resource_;
  std::map<std::pair<std::string, int>, int> held_;  // (resource, slot) -> the locked descriptor
  mutable std::vector<std::string> problems_;
  mutable std::set<std::string> reported_;  // the files whose problem was kept already
};

}  // namespace bayestune
