#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/study_connection.h"
#include "bayestune/trial_runner/trial_runner.h"

namespace bayestune::cli {

// How `bayestune run` waits for another process's lock on its database (an sqlite3 shell left
// inside BEGIN IMMEDIATE, a backup writing the file): for as long as it is held, the running
// trials going on (they are separate processes; what they report is recorded when the lock goes).
// It says so once the wait has lasted `notice_every`, and again every `notice_every` (not at every
// retry), naming the database and how long it has waited; and that it goes on when the lock is
// gone. The first interrupt (Ctrl-C) while it waits is acknowledged (nothing new starts, the wait
// goes on, to record the running trials); the second ends the wait: the call throws Unavailable,
// the runner kills its trials, which stay ACTIVE and rerun when the study runs again. (Only in a
// wait of a second or more, or one said already: a write of the moment ends by itself, and the
// runner answers the interrupts as usual.)
//
// A full disk under the database (StorageFull) is waited for the same way, as a StorageFullWait of
// the runner's LocalStudyConnection: said at once (naming the database, and that space must be
// freed), again every `notice_every`, and when the write went through; the call is retried
// meanwhile, the running trials going on; Ctrl-C as for the lock (at once: a full disk is never a
// write of the moment).
class RunLockWait : public LockWaitObserver, public StorageFullWait {
 public:
  using Notify = std::function<void(const std::string& message)>;

  // Notices go to `notify` (stderr lines when null) until SetNotify changes it.
  RunLockWait(std::string database, std::chrono::milliseconds notice_every,
              Notify notify = nullptr);

  // Where the notices go from now on (null: stderr), and how many interrupts came (null: none
  // counted, such as before the runner forwards Ctrl-C).
  void SetNotify(Notify notify);
  void SetInterrupts(std::function<int()> interrupts);
  // What to do at each step of a wait (about every 10 ms), on the waiting thread, after the
  // interrupts are looked at (null: nothing): the runner's loop turns meanwhile
  // (TrialRunner::TurnWhileStudyWaits), collecting trials that end and enforcing timeouts.
  void SetWhileWaiting(std::function<void(TrialRunner::StudyWait)> while_waiting);

  // Whether an interrupt ended a wait (the run was stopped while it waited), and whether that
  // wait was one for space (else for the lock).
  bool stopped() const;
  bool stopped_for_space() const;

  bool KeepWaiting(std::chrono::milliseconds waited) override;
  void WaitOver(std::chrono::milliseconds waited) override;
  bool KeepWaitingForSpace(std::chrono::milliseconds waited, const std::string& error) override;
  void SpaceAgain(std::chrono::milliseconds waited) override;

 private:
  void Say(const std::string& message);
  // KeepWaiting's interrupts and notices, under the mutex: false ends the wait.
  bool Notice(std::chrono::milliseconds waited);
  // The same for a wait for space.
  bool NoticeFull(std::chrono::milliseconds waited, const std::string& error);

  mutable std::mutex mutex_;
  std::string database_;
  std::chrono::milliseconds notice_every_;
  Notify notify_;
  std::function<int()> interrupts_;
  std::function<void(TrialRunner::StudyWait)> while_waiting_;
  // The wait now: the notices it gave; the interrupts it acknowledged.
  int notices_ = 0;
  bool interrupt_said_ = false;
  bool stopped_ = false;
  bool stopped_for_space_ = false;
  // The wait for space now: the notices it gave; the interrupts it acknowledged.
  int space_notices_ = 0;
  bool space_interrupt_said_ = false;
};

}  // namespace bayestune::cli
