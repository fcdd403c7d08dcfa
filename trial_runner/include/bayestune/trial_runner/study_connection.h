#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/study.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// What the trial runner needs of a study: the narrow set of calls that a local `Study` and a gRPC
// client of `bayestune serve` both provide. Each call is one step of the study's state (one
// transaction where it is stored), so that the runner can die between any two of them and lose
// nothing that was already done. Errors are the types of errors.h (NotFound, FailedPrecondition,
// Unavailable...). Calls come from the runner's thread only; implementations need not be
// thread-safe beyond what the study behind them already is.
class StudyConnection {
 public:
  virtual ~StudyConnection() = default;

  virtual std::string StudyName() = 0;
  virtual StudySpec Spec() = 0;

  // Up to `count` trials made ACTIVE for `client_id` (REQUESTED ones first); the same trials again
  // when that client asks again while they are active; none when the study is done.
  virtual std::vector<Trial> Suggest(int count, const std::string& client_id) = 0;
  // The trials now ACTIVE or STOPPING, with their client ids (to find those of a dead runner).
  virtual std::vector<Trial> PendingTrials() = 0;

  // The calls about one trial carry its owner (the client id and attempt it was handed): they
  // change the trial only while it is still that attempt of that client, and throw
  // FailedPrecondition otherwise (the caller lost the trial and must stop its process).

  // Records the GPUs and the start time of a trial being launched.
  virtual Trial MarkStarted(std::int64_t trial_id, const TrialOwner& owner,
                            const std::vector<int>& gpus) = 0;
  // A pause of the trial's trainer (Ctrl-Z suspended it with the runner): its stored start moves
  // `seconds` later, so that its stored run time leaves the pause out (Study::ExcludePause).
  virtual Trial ExcludePause(std::int64_t trial_id, const TrialOwner& owner, double seconds) = 0;
  // Records the Slurm job that runs the trial's current attempt (Trial::jobs). Connections that
  // cannot store it (a gRPC client of `serve`) throw FailedPrecondition: the Slurm launcher needs
  // the study's database.
  virtual Trial RecordJob(std::int64_t trial_id, const TrialOwner& owner,
                          const std::string& job_id);
  // Records measurements of a pending trial (finite values only), in order, all or none.
  virtual void AddMeasurements(std::int64_t trial_id, const TrialOwner& owner,
                               const std::vector<Measurement>& measurements) = 0;
  // Whether the trial should stop now (the early-stopping rule says so, or someone asked to stop
  // it) and why. The trial is then STOPPING.
  virtual StopDecision ShouldStop(std::int64_t trial_id, const TrialOwner& owner) = 0;
  // Completes with the value (and step) the runner selected, or, without one, from the stored
  // measurements. A NaN value makes the trial INFEASIBLE. `ended_at` (seconds since the epoch):
  // when the trial ended, where the launcher knows it was before now (a Slurm job collected after
  // it ended: Slurm's EndTime), stored as its end_time; nullopt: now. A gRPC connection leaves it
  // to the server, which stamps its own time (no Slurm job runs over it).
  virtual Trial Complete(std::int64_t trial_id, const TrialOwner& owner,
                         std::optional<double> value, std::optional<std::int64_t> step,
                         std::optional<double> ended_at) = 0;
  virtual Trial Fail(std::int64_t trial_id, const TrialOwner& owner, const std::string& reason,
                     std::optional<double> ended_at) = 0;
  virtual Trial MarkInfeasible(std::int64_t trial_id, const TrialOwner& owner,
                               const std::string& reason, std::optional<double> ended_at) = 0;
  // Puts a pending trial back to REQUESTED, attempt + 1, to be rerun with the same parameters;
  // `ran` false: an attempt that never started keeps its number (Study::Requeue).
  virtual Trial Requeue(std::int64_t trial_id, const TrialOwner& owner, const std::string& reason,
                        bool ran) = 0;
  // The counts of the study's trials; done() when nothing more will be suggested (maxTrials
  // finished, the failure limit, or the designer exhausted: `end` says which).
  virtual StudyProgress Progress() = 0;
};

// Told while a call of the runner's on a LocalStudyConnection cannot write the study because the
// disk under its storage is full (the store throws StorageFull, having rolled the call back
// whole), and decides how long the call retries (`bayestune run`: until there is space again, with
// warnings, or Ctrl-C twice). Called on the thread of the call.
class StorageFullWait {
 public:
  virtual ~StorageFullWait() = default;
  // About every 20 ms while the call waits for space, with how long it has waited so far and the
  // store's error: whether to go on waiting (the call is retried every second or so meanwhile).
  // false ends the wait: the call throws that error.
  virtual bool KeepWaitingForSpace(std::chrono::milliseconds waited, const std::string& error) = 0;
  // The call was written after waiting `waited` for space: it returns.
  virtual void SpaceAgain(std::chrono::milliseconds waited) = 0;
};

// A StudyConnection over a `Study` in this process (over SQLite or in memory).
class LocalStudyConnection : public StudyConnection {
 public:
  // With `space_wait`, a call that writes and finds the disk full (StorageFull) is retried, for as
  // long as it says; without, StorageFull reaches the caller.
  explicit LocalStudyConnection(std::shared_ptr<Study> study,
                                std::shared_ptr<StorageFullWait> space_wait = nullptr);

  std::string StudyName() override;
  StudySpec Spec() override;
  std::vector<Trial> Suggest(int count, const std::string& client_id) override;
  std::vector<Trial> PendingTrials() override;
  Trial MarkStarted(std::int64_t trial_id, const TrialOwner& owner,
                    const std::vector<int>& gpus) override;
  Trial ExcludePause(std::int64_t trial_id, const TrialOwner& owner, double seconds) override;
  Trial RecordJob(std::int64_t trial_id, const TrialOwner& owner,
                  const std::string& job_id) override;
  void AddMeasurements(std::int64_t trial_id, const TrialOwner& owner,
                       const std::vector<Measurement>& measurements) override;
  StopDecision ShouldStop(std::int64_t trial_id, const TrialOwner& owner) override;
  Trial Complete(std::int64_t trial_id, const TrialOwner& owner, std::optional<double> value,
                 std::optional<std::int64_t> step, std::optional<double> ended_at) override;
  Trial Fail(std::int64_t trial_id, const TrialOwner& owner, const std::string& reason,
             std::optional<double> ended_at) override;
  Trial MarkInfeasible(std::int64_t trial_id, const TrialOwner& owner, const std::string& reason,
                       std::optional<double> ended_at) override;
  Trial Requeue(std::int64_t trial_id, const TrialOwner& owner, const std::string& reason,
                bool ran) override;
  StudyProgress Progress() override;

  Study& study() { return *study_; }

 private:
  // Runs `call`, again while it throws StorageFull and space_wait_ says to wait.
  template <typename Call>
  auto Writing(Call&& call) -> decltype(call());

  std::shared_ptr<Study> study_;
  std::shared_ptr<StorageFullWait> space_wait_;
};

}  // namespace bayestune
