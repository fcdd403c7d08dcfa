#include "interrupt_forwarding.h"

#include <atomic>

namespace bayestune::cli {
namespace {

std::atomic<TrialRunner*> interrupted_runner{nullptr};
static_assert(std::atomic<TrialRunner*>::is_always_lock_free);
std::atomic<int> interrupt_count{0};
static_assert(std::atomic<int>::is_always_lock_free);

void ForwardInterrupt(int signal) {
  interrupt_count.fetch_add(1);
  if (TrialRunner* runner = interrupted_runner.load()) runner->RequestInterrupt(signal);
}

void ForwardSuspend(int) {
  if (TrialRunner* runner = interrupted_runner.load()) runner->RequestSuspend();
}

}  // namespace

InterruptForwarding::InterruptForwarding(TrialRunner& runner) {
  interrupt_count.store(0);
  interrupted_runner.store(&runner);
  struct sigaction action {};
  action.sa_handler = ForwardInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &previous_interrupt_);
  sigaction(SIGTERM, &action, &previous_terminate_);
  // Ignored by whoever started bayestune, SIGHUP stays ignored: `nohup bayestune run ... &` is
  // run so that the terminal closing (the shell's SIGHUP to its jobs, an ssh disconnect) does
  // not stop it; it stopped the run, as a Ctrl-C does, until fieldtest16. (SIGINT is taken
  // whatever it was: a shell ignores it for the jobs a script starts with `&`, and such a script
  // stops its run with kill -INT.) Read before anything is installed, so that no SIGHUP finds
  // the handler in between.
  sigaction(SIGHUP, nullptr, &previous_hangup_);
  if (previous_hangup_.sa_handler != SIG_IGN) sigaction(SIGHUP, &action, nullptr);
  action.sa_handler = ForwardSuspend;
  // Ignored by whoever started bayestune (a job control of its own): left so.
  sigaction(SIGTSTP, nullptr, &previous_suspend_);
  if (previous_suspend_.sa_handler != SIG_IGN) sigaction(SIGTSTP, &action, nullptr);
}

InterruptForwarding::~InterruptForwarding() {
  sigaction(SIGINT, &previous_interrupt_, nullptr);
  sigaction(SIGTERM, &previous_terminate_, nullptr);
  sigaction(SIGHUP, &previous_hangup_, nullptr);
  sigaction(SIGTSTP, &previous_suspend_, nullptr);
  interrupted_runner.store(nullptr);
}

int InterruptForwarding::interrupts() const {
  return interrupt_count.load();
}

}  // namespace bayestune::cli
