#include "interrupt_forwarding.h"

#include <atomic>

namespace bayestune::cli {
namespace {

std::atomic<TrialRunner*> interrupted_runner{nullptr};
static_assert(std::atomic<TrialRunner*>::is_always_lock_free);

void ForwardInterrupt(int) {
  if (TrialRunner* runner = interrupted_runner.load()) runner->RequestInterrupt();
}

}  // namespace

InterruptForwarding::InterruptForwarding(TrialRunner& runner) {
  interrupted_runner.store(&runner);
  struct sigaction action {};
  action.sa_handler = ForwardInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &previous_);
}

InterruptForwarding::~InterruptForwarding() {
  sigaction(SIGINT, &previous_, nullptr);
  interrupted_runner.store(nullptr);
}

}  // namespace bayestune::cli
