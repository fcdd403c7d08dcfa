#include "run_lock_wait.h"

#include <iostream>

#include "bayestune/optimizer/errors.h"

namespace bayestune::cli {
namespace {

// A wait this long, or one said already, is another process's lock, not a write of the moment:
// an interrupt is answered (and the second ends it). A shorter one ends by itself, and the
// runner's loop answers the interrupt as usual.
constexpr std::chrono::milliseconds kLongWait{1000};

std::string SecondsText(std::chrono::milliseconds waited) {
  return FormatDouble(static_cast<double>(waited.count() / 100) / 10.0) + " s";
}

}  // namespace

RunLockWait::RunLockWait(std::string database, std::chrono::milliseconds notice_every,
                         Notify notify)
    : database_(std::move(database)),
      notice_every_(std::max(notice_every, std::chrono::milliseconds(1))),
      notify_(std::move(notify)) {}

void RunLockWait::SetNotify(Notify notify) {
  std::lock_guard lock(mutex_);
  notify_ = std::move(notify);
}

void RunLockWait::SetInterrupts(std::function<int()> interrupts) {
  std::lock_guard lock(mutex_);
  interrupts_ = std::move(interrupts);
}

void RunLockWait::SetWhileWaiting(std::function<void(TrialRunner::StudyWait)> while_waiting) {
  std::lock_guard lock(mutex_);
  while_waiting_ = std::move(while_waiting);
}

bool RunLockWait::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

bool RunLockWait::stopped_for_space() const {
  std::lock_guard lock(mutex_);
  return stopped_for_space_;
}

void RunLockWait::Say(const std::string& message) {
  if (notify_) {
    notify_(message);
  } else {
    std::cerr << "bayestune: warning: " << message << std::endl;
  }
}

bool RunLockWait::KeepWaiting(std::chrono::milliseconds waited) {
  std::function<void(TrialRunner::StudyWait)> while_waiting;
  {
    std::lock_guard lock(mutex_);
    if (!Notice(waited)) return false;
    while_waiting = while_waiting_;
  }
  // Outside the mutex: what it does may say something (SetNotify's view).
  if (while_waiting) while_waiting(TrialRunner::StudyWait::kLocked);
  return true;
}

bool RunLockWait::KeepWaitingForSpace(std::chrono::milliseconds waited, const std::string& error) {
  std::function<void(TrialRunner::StudyWait)> while_waiting;
  {
    std::lock_guard lock(mutex_);
    if (!NoticeFull(waited, error)) return false;
    while_waiting = while_waiting_;
  }
  if (while_waiting) while_waiting(TrialRunner::StudyWait::kDiskFull);
  return true;
}

bool RunLockWait::NoticeFull(std::chrono::milliseconds waited, const std::string& error) {
  const int interrupts = interrupts_ ? interrupts_() : 0;
  if (interrupts >= 2) {
    if (!stopped_) {
      stopped_ = true;
      stopped_for_space_ = true;
      Say("stopped waiting for space on the disk of the database " + database_ + " after " +
          SecondsText(waited) +
          " (interrupted again): the running trials are killed; they stay running in the "
          "database until the study runs again, which reruns them");
    }
    return false;
  }
  if (interrupts >= 1 && !space_interrupt_said_) {
    space_interrupt_said_ = true;
    Say("interrupted while waiting for space on the disk of the database " + database_ +
        ": no new trial will start; still waiting, to record the running trials (interrupt again "
        "to stop waiting now: the running trials are killed and rerun when the study runs again)");
  }
  // At once (a full disk is no write of the moment), then once at notice_every, twice that, ...
  if (space_notices_ == 0) {
    space_notices_ = 1;
    Say("the database " + database_ + " cannot be written: its disk is full (" + error +
        "). Free some space on its file system (df '" + database_ +
        "'); until then the run retries every second, the running trials go on, and what they "
        "report and how they end is written once there is space (saying so every " +
        SecondsText(notice_every_) + "; Ctrl-C twice to stop)");
  } else if (waited >= notice_every_ * space_notices_) {
    space_notices_ = static_cast<int>(waited / notice_every_) + 1;
    Say("the disk of the database " + database_ + " is still full: waited " + SecondsText(waited) +
        " so far for space; retrying (free some space on its file system)");
  }
  return true;
}

void RunLockWait::SpaceAgain(std::chrono::milliseconds waited) {
  std::lock_guard lock(mutex_);
  if (space_notices_ > 0) {
    Say("the database " + database_ + " could be written again after " + SecondsText(waited) +
        " with its disk full; going on");
  }
  space_notices_ = 0;
  space_interrupt_said_ = false;
}

bool RunLockWait::Notice(std::chrono::milliseconds waited) {
  const int interrupts = interrupts_ ? interrupts_() : 0;
  const bool long_wait = notices_ > 0 || waited >= kLongWait;
  if (interrupts >= 2 && long_wait) {
    if (!stopped_) {
      stopped_ = true;
      Say("stopped waiting for the lock on the database " + database_ + " after " +
          SecondsText(waited) +
          " (interrupted again): the running trials are killed; they stay "
          "running in the database until the study runs again, which reruns them");
    }
    return false;
  }
  if (interrupts >= 1 && long_wait && !interrupt_said_) {
    interrupt_said_ = true;
    Say("interrupted while waiting for the lock on the database " + database_ +
        ": no new trial will start; still waiting, to record the running trials (interrupt again "
        "to stop waiting now: the running trials are killed and rerun when the study runs again)");
  }
  // Once at notice_every, once at twice that, ...: never at every retry.
  if (waited >= notice_every_ * (notices_ + 1)) {
    const bool first = notices_ == 0;
    notices_ = static_cast<int>(waited / notice_every_);
    if (first) {
      Say("the database " + database_ +
          " is locked by another process (a transaction left open, such as an sqlite3 shell "
          "inside BEGIN, or a backup writing it); waited " +
          SecondsText(waited) + " so far and waiting on, saying so every " +
          SecondsText(notice_every_) +
          ": the running trials go on and are recorded when the lock is let go (Ctrl-C twice to "
          "stop)");
    } else {
      Say("the database " + database_ + " is still locked by another process: waited " +
          SecondsText(waited) + " so far; waiting on");
    }
  }
  return true;
}

void RunLockWait::WaitOver(std::chrono::milliseconds waited) {
  std::lock_guard lock(mutex_);
  if (notices_ > 0) {
    Say("the database " + database_ + " is free again after " + SecondsText(waited) +
        " locked; going on");
  }
  notices_ = 0;
}

}  // namespace bayestune::cli
