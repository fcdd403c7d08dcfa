#pragma once

#include <signal.h>

#include "bayestune/trial_runner/trial_runner.h"

namespace bayestune::cli {

// While it lives, SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal closed) ask `runner` to stop:
// the first stops launching and lets the running trials finish, the second kills them
// (TrialRunner::RequestInterrupt, which is async-signal-safe, with the signal, so that the
// progress names it). The trainers run in process groups
// of their own, so a terminal's Ctrl-C reaches only bayestune. The handler it replaced comes back
// when it goes away. A SIGHUP that was ignored when it came (nohup) stays ignored. SIGTSTP (Ctrl-Z)
// suspends the run with its trainers (TrialRunner::RequestSuspend) until it is continued. One at a
// time.
class InterruptForwarding {
 public:
  explicit InterruptForwarding(TrialRunner& runner);
  ~InterruptForwarding();
  InterruptForwarding(const InterruptForwarding&) = delete;
  InterruptForwarding& operator=(const InterruptForwarding&) = delete;

  // How many of those signals came since it was made.
  int interrupts() const;

 private:
  struct sigaction previous_interrupt_ {};
  struct sigaction previous_terminate_ {};
  struct sigaction previous_hangup_ {};
  struct sigaction previous_suspend_ {};
};

}  // namespace bayestune::cli
