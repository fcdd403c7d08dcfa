// Runs the optimizer benchmark of docs/benchmarks.md through the `Study` API, as a user
// would, and prints one JSON object per (function, seed):
//   {"fn": "hartmann6", "seed": 3, "method": "<name>", "regret": [60 numbers],
//    "suggest_s": [seconds of each Suggest call]}
// bench/optimizer/regret_table.py turns the lines into the median-regret table.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"
#include "benchmark_functions.h"

namespace {

using bayestune::bench::BenchmarkFunction;

struct Run {
  std::vector<double> regret;
  // Each trial's point (the function's own coordinates) and value, in order (--trace).
  std::vector<std::vector<double>> points;
  std::vector<double> values;
  std::vector<double> suggest_seconds;
};

bayestune::StudySpec SpecFor(const BenchmarkFunction& f, const std::string& method, int trials,
                             int batch, std::uint64_t seed) {
  bayestune::StudySpec spec;
  spec.goal = bayestune::Goal::kMinimize;
  spec.metric_tag = "value";
  spec.max_trials = trials;
  spec.max_parallel_trials = batch;
  spec.seed = seed;
  spec.algorithm =
      method == "random" ? bayestune::Algorithm::kRandomSearch : bayestune::Algorithm::kUnspecified;
  for (int j = 0; j < f.dimensions(); ++j) {
    spec.parameters.push_back(
        bayestune::ParameterSpec::Double("x" + std::to_string(j + 1), f.lower[j], f.upper[j]));
  }
  return spec;
}

// Sets one GpBanditOptions field from "name=value" (for experiments; the defaults are the product).
void SetOption(bayestune::GpBanditOptions& o, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) throw std::invalid_argument("--gp-option wants name=value");
  const std::string name = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  if (name == "acquisition") {
    if (text != "logei" && text != "ucb" && text != "logpi")
      throw std::invalid_argument("acquisition: logei, ucb or logpi");
    o.acquisition = text == "ucb"     ? bayestune::AcquisitionKind::kUpperConfidenceBound
                    : text == "logpi" ? bayestune::AcquisitionKind::kLogProbabilityOfImprovement
                                      : bayestune::AcquisitionKind::kLogExpectedImprovement;
    return;
  }
  if (name == "acquisition_mix") {
    const std::map<std::string, bayestune::AcquisitionMix> mixes = {
        {"single", bayestune::AcquisitionMix::kSingle},
        {"alternate", bayestune::AcquisitionMix::kAlternate},
        {"ensemble", bayestune::AcquisitionMix::kEnsemble},
        {"ucb_first", bayestune::AcquisitionMix::kUcbFirst}};
    if (!mixes.count(text))
      throw std::invalid_argument("acquisition_mix: single, alternate, ensemble or ucb_first");
    o.acquisition_mix = mixes.at(text);
    return;
  }
  if (name == "output_transform") {
    if (text != "warp" && text != "yeo_johnson")
      throw std::invalid_argument("output_transform: warp or yeo_johnson");
    o.output_transform = text == "yeo_johnson" ? bayestune::OutputTransform::kYeoJohnson
                                               : bayestune::OutputTransform::kRankAndLogWarp;
    return;
  }
  if (name == "kernel") {
    const std::map<std::string, bayestune::KernelStructure> kernels = {
        {"ard", bayestune::KernelStructure::kArd},
        {"ard_plus_additive", bayestune::KernelStructure::kArdPlusAdditive},
        {"ard_plus_additive_separate", bayestune::KernelStructure::kArdPlusAdditiveSeparateScales}};
    if (!kernels.count(text))
      throw std::invalid_argument("kernel: ard, ard_plus_additive or ard_plus_additive_separate");
    o.fit.kernel = kernels.at(text);
    return;
  }
  const double v = std::stod(text);
  auto& p = o.fit.priors;
  auto& a = o.acquisition_optimizer;
  const std::map<std::string, std::function<void()>> setters = {
      {"initial_points", [&] { o.initial_points = static_cast<int>(v); }},
      {"ucb_beta", [&] { o.ucb_beta = v; }},
      {"ucb_share", [&] { o.ucb_share = v; }},
      {"ucb_margin", [&] { o.ucb_margin = v; }},
      {"ucb_margin_share", [&] { o.ucb_margin_share = v; }},
      {"kernel_share", [&] { o.kernel_share = v; }},
      {"parallel_ucb_share", [&] { o.parallel_ucb_share = v; }},
      {"refinement_share", [&] { o.local_refinement.share = v; }},
      {"refinement_radius", [&] { o.local_refinement.radius = v; }},
      {"parallel_refinement_share", [&] { o.local_refinement.parallel_share = v; }},
      {"refinement_free_every", [&] { o.local_refinement.free_every = static_cast<int>(v); }},
      {"parallel_free_points",
       [&] { o.local_refinement.parallel_free_points = static_cast<int>(v); }},
      {"parallel_refinement_ucb_beta", [&] { o.local_refinement.parallel_ucb_beta = v; }},
      {"refinement_final_radius", [&] { o.local_refinement.final_radius = v; }},
      {"batch_exploitation", [&] { o.batch_exploitation = v != 0; }},
      {"parallel_local_model_points",
       [&] { o.local_refinement.parallel_local_model_points = static_cast<int>(v); }},
      {"random_starts", [&] { o.fit.random_starts = static_cast<int>(v); }},
      {"max_evaluations", [&] { o.fit.max_evaluations = static_cast<int>(v); }},
      {"max_points", [&] { o.fit.max_points = static_cast<int>(v); }},
      {"ls_mean", [&] { p.log_length_scale_mean = v; }},
      {"ls_slope", [&] { p.log_length_scale_dimension_slope = v; }},
      {"ls_std", [&] { p.log_length_scale_std = v; }},
      {"signal_std", [&] { p.log_signal_variance_std = v; }},
      {"noise_mean", [&] { p.log_noise_variance_mean = v; }},
      {"noise_std", [&] { p.log_noise_variance_std = v; }},
      {"mean_std", [&] { p.mean_std = v; }},
      {"additive_logit_mean", [&] { p.additive_logit_mean = v; }},
      {"additive_logit_std", [&] { p.additive_logit_std = v; }},
      {"input_warping", [&] { o.fit.input_warping = v != 0; }},
      {"warp_std", [&] { p.log_warp_std = v; }},
      {"max_abs_log_warp", [&] { o.fit.max_abs_log_warp = v; }},
      {"sobol_candidates", [&] { a.sobol_candidates = static_cast<int>(v); }},
      {"local_candidates", [&] { a.local_candidates = static_cast<int>(v); }},
      {"local_centers", [&] { a.local_centers = static_cast<int>(v); }},
      {"refine_starts", [&] { a.refine_starts = static_cast<int>(v); }},
      {"refine_evaluations", [&] { a.refine_evaluations = static_cast<int>(v); }},
      {"trust_region", [&] { a.trust_region = v != 0; }},
      {"coordinate_jump_share", [&] { a.coordinate_jump_share = v; }},
      {"trust_region_radius", [&] { a.trust_region_radius = v; }},
      {"trust_region_growth", [&] { a.trust_region_growth = v; }},
  };
  auto it = setters.find(name);
  if (it == setters.end()) throw std::invalid_argument("unknown --gp-option '" + name + "'");
  it->second();
}

bayestune::GpBanditOptions gp_options;
double observation_noise = 0.0;
bool custom_gp_options = false;

Run RunStudy(const BenchmarkFunction& f, const std::string& method, int trials, int batch,
             std::uint64_t seed) {
  auto repository = std::make_shared<bayestune::InMemoryStudyRepository>();
  const bayestune::StudySpec spec = SpecFor(f, method, trials, batch, seed);
  auto study =
      custom_gp_options && method == "gp"
          ? bayestune::Study::Open(
                repository, f.name,
                {.create_if_missing = true,
                 .spec = spec,
                 .designer = std::make_unique<bayestune::GpBanditDesigner>(gp_options)})
          : bayestune::Study::Open(repository, f.name, {.create_if_missing = true, .spec = spec});
  Run run;
  // With observation noise the regret is that of the trial a user would pick: the true value at
  // the best observed one.
  std::mt19937_64 noise_rng(seed + 12345);
  std::normal_distribution<double> noise(0.0, 1.0);
  double best = std::numeric_limits<double>::infinity();
  double best_true = std::numeric_limits<double>::infinity();
  while (static_cast<int>(run.regret.size()) < trials) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<bayestune::Trial> suggested = study->Suggest(batch);
    run.suggest_seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (suggested.empty()) break;
    for (const bayestune::Trial& t : suggested) {
      std::vector<double> x;
      for (int j = 0; j < f.dimensions(); ++j)
        x.push_back(t.parameters.at("x" + std::to_string(j + 1)).AsDouble());
      const double value = f.evaluate(x);
      const double observed = value + observation_noise * noise(noise_rng);
      study->Complete(t.id, observed);
      if (observed < best) {
        best = observed;
        best_true = value;
      }
      run.regret.push_back(best_true - f.optimum);
      run.points.push_back(x);
      run.values.push_back(value);
    }
  }
  return run;
}

std::string JsonNumbers(const std::vector<double>& values) {
  std::ostringstream out;
  out.precision(17);
  out << "[";
  for (std::size_t i = 0; i < values.size(); ++i)
    out << (i ? ", " : "") << values[i];
  out << "]";
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bayestune optimizer benchmark: JSON lines of regret per (function, seed)"};
  std::vector<std::string> functions;
  int seeds = 20;
  int first_seed = 0;
  int trials = 60;
  int batch = 1;
  std::string method = "gp";
  app.add_option("--functions", functions, "functions to run (default: the whole suite)")
      ->delimiter(',');
  app.add_option("--seeds", seeds, "seeds per function")->check(CLI::PositiveNumber);
  app.add_option("--first-seed", first_seed, "the first seed")->check(CLI::NonNegativeNumber);
  app.add_option("--trials", trials, "trials per run")->check(CLI::PositiveNumber);
  app.add_option("--batch", batch, "suggestions asked at once (4: the batch mode)")
      ->check(CLI::PositiveNumber);
  app.add_option("--method", method, "gp (the default designer) or random")
      ->check(CLI::IsMember({"gp", "random"}));
  std::vector<std::string> options;
  std::string label;
  app.add_option("--gp-option", options,
                 "experiments only: a GpBanditOptions field as name=value (repeatable)");
  app.add_option("--noise", observation_noise,
                 "experiments only: standard deviation of Gaussian noise added to each value")
      ->check(CLI::NonNegativeNumber);
  bool trace = false;
  app.add_flag("--trace", trace, "experiments only: add each trial's point and value to the line");
  app.add_option("--label", label, "the method name in the output (default: from the flags)");
  CLI11_PARSE(app, argc, argv);
  try {
    for (const auto& o : options)
      SetOption(gp_options, o);
  } catch (const std::exception& e) {
    std::cerr << "optimizer_bench: " << e.what() << "\n";
    return 2;
  }
  custom_gp_options = !options.empty();
  if (functions.empty()) {
    for (const auto& f : bayestune::bench::BenchmarkSuite())
      functions.push_back(f.name);
  }
  const std::string name = !label.empty()
                               ? label
                               : (method == "gp" ? std::string("bayestune-gp") : method) +
                                     (batch > 1 ? "-batch" + std::to_string(batch) : "");
  try {
    for (const std::string& fn : functions) {
      const BenchmarkFunction& f = bayestune::bench::FindBenchmarkFunction(fn);
      for (int seed = first_seed; seed < first_seed + seeds; ++seed) {
        const Run run = RunStudy(f, method, trials, batch, static_cast<std::uint64_t>(seed));
        std::cout << "{\"fn\": \"" << f.name << "\", \"seed\": " << seed << ", \"method\": \""
                  << name << "\", \"regret\": " << JsonNumbers(run.regret)
                  << ", \"suggest_s\": " << JsonNumbers(run.suggest_seconds);
        if (trace) {
          std::cout << ", \"values\": " << JsonNumbers(run.values) << ", \"points\": [";
          for (std::size_t i = 0; i < run.points.size(); ++i)
            std::cout << (i ? ", " : "") << JsonNumbers(run.points[i]);
          std::cout << "]";
        }
        std::cout << "}" << std::endl;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "optimizer_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
