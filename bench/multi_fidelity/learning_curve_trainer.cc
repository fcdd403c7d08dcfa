// The multi-fidelity bench's trainer: a synthetic learning curve with a known final value, written
// step by step to an event file as a real trainer would.
//
//   learning_curve_trainer --job-dir=D [--landscape=quadratic3|hartmann6] --a=A --b=B --c=C
//                          (hartmann6: --x1=.. --x6=..) [--steps=27] [--sleep-ms=2]
//                          [--slow=a|c|mild|instant] [--print]
//
// The final value (maximised, the ground truth) and the curve's speed are learning_curve.h's:
// v(s) = f (1 - exp(-s / tau)) + noise. --slow=a: the best region starts slowly, so early values
// rank it wrongly; c: slow starters spread over the space; mild: the early ranking mostly right, a
// fifth slow starters; instant: every step reports the final value (plus noise): what a
// multi-fidelity method could reach with perfect early information. --print also writes
// "final <f>" (the true final value, for the bench's scoring) and then "<step> <value>" after each
// step to stdout (for bench/multi_fidelity/optuna_multi_fidelity.py). Noise: N(0, 0.01), seeded by
// the parameters, so a configuration gives the same curve every time.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "bench_flags.h"
#include "event_file_writer.h"
#include "learning_curve.h"

using namespace bayestune::bench;

int main(int argc, char** argv) {
  std::string job_dir;
  std::string landscape_name = "quadratic3";
  std::map<std::string, double> values;
  int steps = 27, sleep_ms = 2;
  std::string slow = "a";
  bool print = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (auto v = FlagValue(arg, "--job-dir=")) job_dir = *v;
    if (auto v = FlagValue(arg, "--landscape=")) landscape_name = *v;
    if (auto v = FlagValue(arg, "--steps=")) steps = std::stoi(*v);
    if (auto v = FlagValue(arg, "--sleep-ms=")) sleep_ms = std::stoi(*v);
    if (auto v = FlagValue(arg, "--slow=")) slow = *v;
    if (arg == "--print") print = true;
    const std::size_t equals = arg.find('=');
    if (arg.starts_with("--") && equals != std::string::npos) {
      values[arg.substr(2, equals - 2)] = std::atof(arg.c_str() + equals + 1);
    }
  }
  if (job_dir.empty()) return 2;
  const Landscape landscape = ParseLandscape(landscape_name);
  std::map<std::string, double> parameters;
  std::string seed_text;
  for (const std::string& name : LandscapeParameters(landscape)) {
    parameters[name] = values.contains(name) ? values[name] : 0.5;
    seed_text += std::to_string(parameters[name]);
  }
  const double f = FinalValue(landscape, parameters);
  const double tau = CurveTau(landscape, slow, parameters);
  std::mt19937_64 random(std::hash<std::string>{}(seed_text));
  std::normal_distribution<double> noise(0.0, 0.01);
  bayestune::EventFileWriter writer(job_dir);
  if (print) {
    std::printf("final %.9g\n", f);
    std::fflush(stdout);
  }
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
