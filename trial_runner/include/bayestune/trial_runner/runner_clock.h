#pragma once

#include <poll.h>

#include <vector>

namespace bayestune {

// The runner's time and its waits: steady seconds, and waiting for descriptors (the wake-up pipe,
// trials' exit descriptors) with a timeout. Tests replace it with a clock that jumps to the end of
// each wait, so that timeouts and grace periods are tested without real sleeps.
class RunnerClock {
 public:
  virtual ~RunnerClock() = default;
  // Seconds on a clock that never goes back.
  virtual double Now() = 0;
  // Waits until one of `fds` polls readable (revents set) or `seconds` pass.
  virtual void Wait(std::vector<pollfd>& fds, double seconds) = 0;
};

// steady_clock and poll(2).
class SteadyRunnerClock : public RunnerClock {
 public:
  double Now() override;
  void Wait(std::vector<pollfd>& fds, double seconds) override;
};

}  // namespace bayestune
