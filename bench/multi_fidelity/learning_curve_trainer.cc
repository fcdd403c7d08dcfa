// The multi-fidelity bench's trainer: a synthetic learning curve with a known final value, written
// step by step to an event file as a real trainer would.
//
//   learning_curve_trainer --job-dir=D --a=A --b=B --c=C [--steps=27] [--sleep-ms=2]
//                          [--slow=a|c|mild|instant] [--print]
//
// Final value (maximised, the ground truth): f = 0.9 - 0.8 ((a - 0.75)^2 + (b - 0.35)^2)
// - 0.2 (c - 0.5)^2. Curve: v(s) = f (1 - exp(-s / tau)) + noise, tau = 1 + 12 a^2: the best
// region (a near 0.75) starts slowly, so early values rank it wrongly. With --slow=c the speed
// comes from c instead (tau = 1 + 12 c^2), which matters little to the final value: slow starters
// are spread over the space rather than sitting at the optimum. --slow=mild: the early ranking is
// mostly right: most configurations learn fast (tau = 1 + 2 c^2), and a fifth of them, c > 0.8,
// anywhere in a and b, start slowly (tau = 1 + 12 c^2). --slow=instant: every step reports the
// final value (plus noise), so the early ranking is right: what a multi-fidelity method could
// reach with perfect early information. --print also writes "<step> <value>" to
// stdout after each step (for bench/multi_fidelity/optuna_multi_fidelity.py). Noise: N(0, 0.01),
// seeded by the parameters, so a configuration gives the same curve every time.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "bench_flags.h"
#include "event_file_writer.h"

using bayestune::bench::FlagValue;

namespace {

double FinalValue(double a, double b, double c) {
  return 0.9 - 0.8 * ((a - 0.75) * (a - 0.75) + (b - 0.35) * (b - 0.35)) -
         0.2 * (c - 0.5) * (c - 0.5);
}

}  // namespace

int main(int argc, char** argv) {
  std::string job_dir;
  double a = 0.5, b = 0.5, c = 0.5;
  int steps = 27, sleep_ms = 2;
  std::string slow = "a";
  bool print = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (auto v = FlagValue(arg, "--job-dir=")) job_dir = *v;
    if (auto v = FlagValue(arg, "--a=")) a = std::stod(*v);
    if (auto v = FlagValue(arg, "--b=")) b = std::stod(*v);
    if (auto v = FlagValue(arg, "--c=")) c = std::stod(*v);
    if (auto v = FlagValue(arg, "--steps=")) steps = std::stoi(*v);
    if (auto v = FlagValue(arg, "--sleep-ms=")) sleep_ms = std::stoi(*v);
    if (auto v = FlagValue(arg, "--slow=")) slow = *v;
    if (arg == "--print") print = true;
  }
  if (job_dir.empty()) return 2;
  const double f = FinalValue(a, b, c);
  const double speed = slow == "c" ? c : a;
  const double tau = slow == "instant" ? 1e-6
                     : slow == "mild"  ? (c > 0.8 ? 1 + 12 * c * c : 1 + 2 * c * c)
                                       : 1 + 12 * speed * speed;
  std::mt19937_64 random(
      std::hash<std::string>{}(std::to_string(a) + std::to_string(b) + std::to_string(c)));
  std::normal_distribution<double> noise(0.0, 0.01);
  bayestune::EventFileWriter writer(job_dir);
  for (int s = 1; s <= steps; ++s) {
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    const float value = static_cast<float>(f * (1 - std::exp(-s / tau)) + noise(random));
    writer.AddScalar("accuracy", s, value);
    writer.Flush();
    if (print) {
      std::printf("%d %.9g\n", s, static_cast<double>(value));
      std::fflush(stdout);
    }
  }
  return 0;
}
