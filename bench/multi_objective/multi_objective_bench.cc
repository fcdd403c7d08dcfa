// Runs bayestune's designers on the multi-objective problems of docs/benchmarks.md through the
// `Study` API, one suggestion at a time, and prints one JSON object per (problem, seed, method):
//   {"problem": "zdt1", "seed": 3, "method": "bayestune-gp", "points": [[f1, f2], ...],
//    "suggest_s": seconds of all Suggest calls}
// with every trial's objective values (all minimised) in trial order. hypervolume_table.py turns
// the lines into hypervolumes; optuna_mo_bench.py prints the same lines for Optuna's samplers.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <numbers>
#include <sstream>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"

namespace {

using Objectives = std::vector<double>;
struct Problem {
  int dimensions;
  int objectives;
  std::function<Objectives(const std::vector<double>&)> evaluate;  // x in [0, 1]^d, minimised
};

double Zdt_g(const std::vector<double>& x) {
  double sum = 0;
  for (std::size_t i = 1; i < x.size(); ++i)
    sum += x[i];
  return 1 + 9 * sum / static_cast<double>(x.size() - 1);
}

const std::map<std::string, Problem>& Problems() {
  static const std::map<std::string, Problem> problems = {
      {"zdt1",
       {4, 2,
        [](const std::vector<double>& x) -> Objectives {
          const double g = Zdt_g(x);
          return {x[0], g * (1 - std::sqrt(x[0] / g))};
        }}},
      {"zdt2",
       {4, 2,
        [](const std::vector<double>& x) -> Objectives {
          const double g = Zdt_g(x);
          return {x[0], g * (1 - (x[0] / g) * (x[0] / g))};
        }}},
      {"dtlz2",
       {4, 3,
        [](const std::vector<double>& x) -> Objectives {
          double g = 0;
          for (std::size_t i = 2; i < x.size(); ++i)
            g += (x[i] - 0.5) * (x[i] - 0.5);
          const double a = x[0] * std::numbers::pi / 2;
          const double b = x[1] * std::numbers::pi / 2;
          return {(1 + g) * std::cos(a) * std::cos(b), (1 + g) * std::cos(a) * std::sin(b),
                  (1 + g) * std::sin(a)};
        }}},
      // BoTorch's BraninCurrin (botorch.test_functions.multi_objective), both minimised.
      {"branincurrin",
       {2, 2,
        [](const std::vector<double>& x) -> Objectives {
          const double u = 15 * x[0] - 5;
          const double v = 15 * x[1];
          const double pi = std::numbers::pi;
          const double t = v - 5.1 / (4 * pi * pi) * u * u + 5 / pi * u - 6;
          const double branin = t * t + 10 * (1 - 1 / (8 * pi)) * std::cos(u) + 10;
          const double a = x[0];
          const double factor = x[1] == 0 ? 1.0 : 1 - std::exp(-1 / (2 * x[1]));
          const double currin = factor * (2300 * a * a * a + 1900 * a * a + 2092 * a + 60) /
                                (100 * a * a * a + 500 * a * a + 4 * a + 20);
          return {branin, currin};
        }}},
  };
  return problems;
}

std::string Run(const std::string& name, const Problem& problem, const std::string& method,
                int trials, std::uint64_t seed) {
  bayestune::StudySpec spec;
  spec.max_trials = trials;
  spec.seed = seed;
  spec.algorithm =
      method == "random" ? bayestune::Algorithm::kRandomSearch : bayestune::Algorithm::kUnspecified;
  for (int k = 0; k < problem.objectives; ++k)
    spec.metrics.push_back({"f" + std::to_string(k + 1), bayestune::Goal::kMinimize});
  spec.metric_tag = spec.metrics[0].metric_id;
  spec.goal = bayestune::Goal::kMinimize;
  for (int j = 0; j < problem.dimensions; ++j)
    spec.parameters.push_back(bayestune::ParameterSpec::Double("x" + std::to_string(j), 0, 1));
  auto study = bayestune::Study::Open(std::make_shared<bayestune::InMemoryStudyRepository>(), name,
                                      {.create_if_missing = true, .spec = spec});
  std::ostringstream points;
  double suggest_seconds = 0;
  for (int i = 0; i < trials; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const bayestune::Trial trial = study->Suggest(1).at(0);
    suggest_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<double> x;
    for (int j = 0; j < problem.dimensions; ++j)
      x.push_back(trial.parameters.at("x" + std::to_string(j)).AsDouble());
    const Objectives f = problem.evaluate(x);
    std::vector<bayestune::Measurement> measurements;
    for (int k = 0; k < problem.objectives; ++k) {
      measurements.push_back({.metric = spec.metrics[static_cast<std::size_t>(k)].metric_id,
                              .step = 1,
                              .value = f[static_cast<std::size_t>(k)]});
    }
    study->AddMeasurements(trial.id, measurements);
    study->Complete(trial.id);
    points << (i == 0 ? "[" : ",[");
    for (int k = 0; k < problem.objectives; ++k)
      points << (k == 0 ? "" : ",") << f[static_cast<std::size_t>(k)];
    points << "]";
  }
  std::ostringstream line;
  line.precision(17);
  line << "{\"problem\": \"" << name << "\", \"seed\": " << seed << ", \"method\": \"" << method
       << "\", \"points\": [" << points.str() << "], \"suggest_s\": " << suggest_seconds << "}";
  return line.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("bayestune's designers on multi-objective benchmark problems");
  std::vector<std::string> problems = {"zdt1", "zdt2", "dtlz2", "branincurrin"};
  std::vector<std::string> methods = {"bayestune-gp", "random"};
  int seeds = 20;
  int first_seed = 0;
  int trials = 100;
  app.add_option("--problems", problems)->delimiter(',');
  app.add_option("--methods", methods, "bayestune-gp, random")->delimiter(',');
  app.add_option("--seeds", seeds);
  app.add_option("--first-seed", first_seed);
  app.add_option("--trials", trials);
  CLI11_PARSE(app, argc, argv);
  for (const std::string& name : problems) {
    const auto found = Problems().find(name);
    if (found == Problems().end()) {
      std::cerr << "unknown problem " << name << "\n";
      return 2;
    }
    for (int seed = first_seed; seed < first_seed + seeds; ++seed) {
      for (const std::string& method : methods) {
        std::cout << Run(name, found->second, method, trials, static_cast<std::uint64_t>(seed))
                  << std::endl;
      }
    }
  }
  return 0;
}
