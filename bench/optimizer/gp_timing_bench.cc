// Time and memory of one GP suggestion (fit + acquisition), single-threaded:
//   gp_timing_bench --mode end-of-run   one suggestion after a 60-trial GP run, per function (d <=
//   6) gp_timing_bench --mode large --trials 1000   one suggestion with 1,000 finished hartmann6
//   trials gp_timing_bench --mode large --trials 5000   the same with 5,000, and the peak memory
// Prints figures (wall and CPU seconds, peak resident memory); never passes or fails.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <random>
#include <string>

#include "bayestune/optimizer/gp_bandit_designer.h"
#include "benchmark_functions.h"

namespace {

using bayestune::bench::BenchmarkFunction;

double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double PeakResidentMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bayestune::StudySpec SpecFor(const BenchmarkFunction& f, std::uint64_t seed) {
  bayestune::StudySpec spec;
  spec.goal = bayestune::Goal::kMinimize;
  spec.metric_tag = "value";
  spec.max_trials = 100000;
  spec.seed = seed;
  for (int j = 0; j < f.dimensions(); ++j) {
    spec.parameters.push_back(
        bayestune::ParameterSpec::Double("x" + std::to_string(j + 1), f.lower[j], f.upper[j]));
  }
  return spec;
}

bayestune::Trial Finished(const BenchmarkFunction& f, std::int64_t id,
                          const bayestune::ParameterValues& p) {
  std::vector<double> x;
  for (int j = 0; j < f.dimensions(); ++j)
    x.push_back(p.at("x" + std::to_string(j + 1)).AsDouble());
  bayestune::Trial t;
  t.id = id;
  t.state = bayestune::TrialState::kSucceeded;
  t.parameters = p;
  t.final_value = f.evaluate(x);
  return t;
}

struct Timing {
  double wall = 0;
  double cpu = 0;
};

Timing TimeSuggestion(bayestune::Designer& designer, const bayestune::DesignerInput& input) {
  const auto wall0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  const auto points = designer.Suggest(input);
  Timing t{std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(),
           CpuSeconds() - cpu0};
  if (points.size() != static_cast<std::size_t>(input.count)) {
    throw std::runtime_error("the designer returned too few points");
  }
  return t;
}

// A GP run of `trials` trials, then `repeats` timings of the next suggestion.
void EndOfRun(int trials, int seeds, int repeats) {
  std::cout << "one suggestion after a " << trials << "-trial GP run (median over " << seeds
            << " seeds x " << repeats << " repeats), one thread\n";
  std::cout << "| function | d | wall ms | cpu ms |\n| --- | --- | --- | --- |\n";
  std::vector<double> all_wall;
  for (const BenchmarkFunction& f : bayestune::bench::BenchmarkSuite()) {
    std::vector<double> wall;
    std::vector<double> cpu;
    for (int seed = 0; seed < seeds; ++seed) {
      const bayestune::StudySpec spec = SpecFor(f, static_cast<std::uint64_t>(seed));
      const bayestune::SearchSpace space(spec.parameters);
      bayestune::GpBanditDesigner designer;
      std::vector<bayestune::Trial> history;
      for (int i = 0; i < trials; ++i) {
        bayestune::DesignerInput input{space, spec, history, 1,
                                       static_cast<std::uint64_t>(seed * 1000 + i)};
        history.push_back(Finished(f, i + 1, designer.Suggest(input).at(0)));
      }
      for (int r = 0; r < repeats; ++r) {
        bayestune::DesignerInput input{space, spec, history, 1, static_cast<std::uint64_t>(r)};
        const Timing t = TimeSuggestion(designer, input);
        wall.push_back(t.wall);
        cpu.push_back(t.cpu);
      }
    }
    all_wall.insert(all_wall.end(), wall.begin(), wall.end());
    std::cout << "| " << f.name << " | " << f.dimensions() << " | " << 1e3 * Median(wall) << " | "
              << 1e3 * Median(cpu) << " |\n";
  }
  std::cout << "median over all functions: " << 1e3 * Median(all_wall) << " ms wall\n";
}

// `trials` finished hartmann6 trials: a third uniform, the rest around the optimum as a long run
// leaves them (nearly repeated points included).
std::vector<bayestune::Trial> LargeHistory(const BenchmarkFunction& f, int trials) {
  const std::vector<double> optimum = {0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573};
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::normal_distribution<double> normal(0, 1);
  std::vector<bayestune::Trial> history;
  for (int i = 0; i < trials; ++i) {
    bayestune::ParameterValues p;
    const double step = i % 3 == 0 ? -1.0 : (i % 3 == 1 ? 0.1 : 0.01);
    for (int j = 0; j < 6; ++j) {
      const double v = step < 0 ? uniform(rng) : optimum[j] + step * normal(rng);
      p["x" + std::to_string(j + 1)] = std::clamp(v, 0.0, 1.0);
    }
    history.push_back(Finished(f, i + 1, p));
  }
  return history;
}

// LargeHistory, then timings of one suggestion (the same history each time).
void Large(int trials, int repeats, int max_model_points) {
  const std::string name = "hartmann6";  // named: GCC 14 takes a temporary for a dangling reference
  const BenchmarkFunction& f = bayestune::bench::FindBenchmarkFunction(name);
  const bayestune::StudySpec spec = SpecFor(f, 1);
  const bayestune::SearchSpace space(spec.parameters);
  const std::vector<bayestune::Trial> history = LargeHistory(f, trials);
  const double before = PeakResidentMiB();
  bayestune::GpBanditOptions options;
  if (max_model_points > 0) options.max_model_points = max_model_points;
  bayestune::GpBanditDesigner designer(options);
  std::vector<double> wall;
  std::vector<double> cpu;
  for (int r = 0; r < repeats; ++r) {
    bayestune::DesignerInput input{space, spec, history, 1, static_cast<std::uint64_t>(r)};
    const Timing t = TimeSuggestion(designer, input);
    wall.push_back(t.wall);
    cpu.push_back(t.cpu);
  }
  std::cout << "hartmann6 with " << trials << " finished trials (GP of at most "
            << options.max_model_points << "): one suggestion " << Median(wall) << " s wall, "
            << Median(cpu) << " s cpu (median of " << repeats << "); peak resident memory "
            << PeakResidentMiB() << " MiB (" << before << " MiB before the first suggestion)\n";
}

// LargeHistory, then `repeats` suggestions in a row by one designer, as a long-lived server makes
// them, each evaluated and added to the history: what the kept fit and factor save.
void Grow(int trials, int repeats) {
  const std::string name = "hartmann6";
  const BenchmarkFunction& f = bayestune::bench::FindBenchmarkFunction(name);
  const bayestune::StudySpec spec = SpecFor(f, 1);
  const bayestune::SearchSpace space(spec.parameters);
  std::vector<bayestune::Trial> history = LargeHistory(f, trials);
  bayestune::GpBanditDesigner designer;
  std::vector<double> wall;
  std::vector<double> cpu;
  int refits = 0;
  int extended = 0;
  for (int r = 0; r < repeats; ++r) {
    bayestune::DesignerInput input{space, spec, history, 1, static_cast<std::uint64_t>(r)};
    const auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = CpuSeconds();
    const auto points = designer.Suggest(input);
    wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count());
    cpu.push_back(CpuSeconds() - cpu0);
    const auto use = designer.LastCacheUse();
    refits += use.hyperparameters_reused ? 0 : 1;
    extended += use.factor_extended ? 1 : 0;
    history.push_back(Finished(f, static_cast<std::int64_t>(history.size()) + 1, points.at(0)));
  }
  std::cout << "hartmann6 from " << trials << " to " << trials + repeats
            << " finished trials, one designer: suggestion p50 " << 1e3 * Median(wall)
            << " ms wall (" << 1e3 * Median(cpu) << " ms cpu), max "
            << 1e3 * *std::max_element(wall.begin(), wall.end()) << " ms wall; " << refits
            << " hyperparameter fits, " << extended << " factors extended of " << repeats
            << "; peak resident memory " << PeakResidentMiB() << " MiB\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"time and memory of one GP suggestion"};
  std::string mode = "end-of-run";
  int trials = 60;
  int seeds = 3;
  int repeats = 3;
  int max_model_points = 0;
  app.add_option("--mode", mode, "end-of-run, large or grow")
      ->check(CLI::IsMember({"end-of-run", "large", "grow"}));
  app.add_option("--trials", trials, "finished trials before the timed suggestion")
      ->check(CLI::PositiveNumber);
  app.add_option("--seeds", seeds, "end-of-run: GP runs per function")->check(CLI::PositiveNumber);
  app.add_option("--repeats", repeats, "timed suggestions per history")->check(CLI::PositiveNumber);
  app.add_option("--max-model-points", max_model_points,
                 "large: GpBanditOptions::max_model_points (0: the default)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    if (mode == "end-of-run") {
      EndOfRun(trials, seeds, repeats);
    } else if (mode == "grow") {
      Grow(trials, repeats);
    } else {
      Large(trials, repeats, max_model_points);
    }
  } catch (const std::exception& e) {
    std::cerr << "gp_timing_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
