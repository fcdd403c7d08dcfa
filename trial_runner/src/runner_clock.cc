#include "bayestune/trial_runner/runner_clock.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace bayestune {

double SteadyRunnerClock::Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SteadyRunnerClock::Wait(std::vector<pollfd>& fds, double seconds) {
  const int ms = static_cast<int>(std::ceil(std::clamp(seconds, 0.0, 3600.0) * 1000));
  poll(fds.data(), fds.size(), ms);  // EINTR: the caller just looks again
}

}  // namespace bayestune
